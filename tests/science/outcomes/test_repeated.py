# SPDX-License-Identifier: AGPL-3.0-or-later
"""The repeated-measures models against statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.genmod.cov_struct import Exchangeable

from nervepath.science.outcomes.assemble import assemble
from nervepath.science.outcomes.repeated import (
    MISSING_DATA_NOTE,
    fit_gee,
    fit_mixed,
    gee_exchangeable,
)

from .synthetic import cohort

ORDER = ["baseline", "2w", "3m", "6m", "12m"]


@pytest.fixture(scope="module")
def data():
    return assemble(cohort(300, seed=9, missing=0.3))


def _long(data, measure):
    return data.long[data.long["measure"] == measure]


@pytest.mark.parametrize("measure", ["irls_total", "pain_max", "plms_index"])
def test_gee_matches_statsmodels_formula_fit(data, measure):
    long = _long(data, measure).sort_values("code")
    fit = fit_gee(long, measure, ORDER)
    ref = sm.GEE.from_formula(
        "value ~ C(timepoint, Treatment('baseline'))",
        groups="code",
        data=long.assign(value=long["value"].astype(float)),
        family=sm.families.Gaussian(),
        cov_struct=Exchangeable(),
    ).fit()
    assert fit.fitted and fit.note == MISSING_DATA_NOTE and not fit.messages
    assert fit.baseline_mean == pytest.approx(ref.params.iloc[0], rel=1e-6)
    names = {k: f"C(timepoint, Treatment('baseline'))[T.{k}]" for k in ORDER[1:]}
    ci = ref.conf_int()
    for est in fit.estimates:
        name = names[est.timepoint]
        assert est.change == pytest.approx(ref.params[name], rel=1e-6, abs=1e-9)
        assert est.ci_low == pytest.approx(ci.loc[name, 0], rel=1e-6)
        assert est.ci_high == pytest.approx(ci.loc[name, 1], rel=1e-6)
        assert est.p_value == pytest.approx(ref.pvalues[name], rel=1e-5, abs=1e-300)
        sub = long[long["timepoint"] == est.timepoint]
        assert est.n_observations == len(sub) and est.n_subjects == sub["code"].nunique()


def test_fast_and_statsmodels_engines_agree(data):
    long = _long(data, "irls_total")
    fast = fit_gee(long, "irls_total", ORDER)
    ref = fit_gee(long, "irls_total", ORDER, engine="statsmodels")
    for a, b in zip(fast.estimates, ref.estimates, strict=True):
        assert a.change == pytest.approx(b.change, rel=1e-8)
        assert a.ci_low == pytest.approx(b.ci_low, rel=1e-8)


def test_gee_correlation_recovered():
    rng = np.random.default_rng(0)
    n = 2000
    subject = rng.normal(0, 2, (n, 1))  # between-subject SD 2, within SD 2: rho = 0.5
    y = 10 + subject + rng.normal(0, 2, (n, 3)) + np.array([0, -3, -4])
    y[rng.random((n, 3)) < 0.2] = np.nan
    y[:, 0] = np.where(np.isnan(y).all(axis=1), 10.0, y[:, 0])
    fit = gee_exchangeable(y)
    assert fit.converged and fit.rho == pytest.approx(0.5, abs=0.05)
    assert fit.params[1:] == pytest.approx([-3, -4], abs=0.25)  # SE about 0.07


def test_missing_baseline_or_follow_ups_is_reported_not_raised():
    long = pd.DataFrame({"code": ["A", "B"], "timepoint": ["3m", "3m"], "value": [1.0, 2.0]})
    fit = fit_gee(long, "irls_total", ORDER)
    assert not fit.fitted and "not fitted" in fit.messages[0]
    only_base = long.assign(timepoint="baseline")
    assert not fit_mixed(only_base, "irls_total", ORDER).fitted


def test_mixed_model_matches_statsmodels_and_is_skipped_above_the_limit(data):
    long = _long(data, "irls_total").sort_values("code")
    fit = fit_mixed(long, "irls_total", ORDER)
    ref = sm.MixedLM.from_formula(
        "value ~ C(timepoint, Treatment('baseline'))", groups="code", data=long
    ).fit(reml=True)
    assert fit.fitted and "missing at random" in fit.note
    by_tp = {e.timepoint: e.change for e in fit.estimates}
    assert by_tp["6m"] == pytest.approx(
        ref.fe_params["C(timepoint, Treatment('baseline'))[T.6m]"], rel=1e-4
    )
    skipped = fit_mixed(long, "irls_total", ORDER, max_subjects=10)
    assert not skipped.fitted and "Skipped" in skipped.messages[0]
    assert "300 subjects" in skipped.messages[0]


def test_model_errors_become_messages(monkeypatch):
    import nervepath.science.outcomes.repeated as repeated

    def boom(*_a, **_k):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(repeated, "gee_exchangeable", boom)
    long = pd.DataFrame(
        {"code": ["A", "A", "B", "B"], "timepoint": ["baseline", "3m"] * 2, "value": [1.0] * 4}
    )
    fit = fit_gee(long, "irls_total", ORDER)
    assert not fit.fitted and fit.messages == ["LinAlgError: Singular matrix"]
