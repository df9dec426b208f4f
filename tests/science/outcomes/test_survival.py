# SPDX-License-Identifier: AGPL-3.0-or-later
"""Kaplan-Meier, log-rank and symptom return, against published figures and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from nervepath.science.outcomes.survival import kaplan_meier, logrank, recurrence

# Freireich EJ et al., Blood 1963;21:699-716, as analysed by Gehan EA, Biometrika
# 1965;52:203-223: weeks of remission in the 6-MP arm (0 = censored).
SIX_MP = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_EVENT = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def test_freireich_six_mp_published_estimates():
    km = kaplan_meier(SIX_MP, SIX_MP_EVENT)
    published = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    got = {s.time: round(s.survival, 3) for s in km.steps if s.events}
    assert got == published
    at_risk = {s.time: s.at_risk for s in km.steps if s.events}
    assert at_risk == {6: 21, 7: 17, 10: 15, 13: 12, 16: 11, 22: 7, 23: 6}
    assert km.median == 23 and km.n == 21 and km.events == 9
    censored_at_6 = next(s for s in km.steps if s.time == 6)
    assert (censored_at_6.events, censored_at_6.censored) == (3, 1)
    assert km.survival_at(5) == 1.0 and km.survival_at(8) == pytest.approx(0.807, abs=5e-4)


def _check_against_statsmodels(t, e, entry=None):
    km = kaplan_meier(t, e, entry=entry)
    sf = SurvfuncRight(np.asarray(t, float), np.asarray(e, float), entry=entry)
    steps = [s for s in km.steps if s.events]
    assert [s.time for s in steps] == pytest.approx(sf.surv_times)
    assert [s.survival for s in steps] == pytest.approx(sf.surv_prob)
    assert [s.at_risk for s in steps] == list(sf.n_risk)
    # log(-log) CI from statsmodels' Greenwood SE of S: se(log(-log S)) = se(S) / (S |log S|)
    z = stats.norm.ppf(0.975)
    s, se = sf.surv_prob, sf.surv_prob_se
    ok = (s > 0) & (s < 1)
    se_ll = se[ok] / (s[ok] * np.abs(np.log(s[ok])))
    lo, hi = s[ok] ** np.exp(z * se_ll), s[ok] ** np.exp(-z * se_ll)
    mine = [(st.ci_low, st.ci_high) for st, good in zip(steps, ok, strict=True) if good]
    assert [m[0] for m in mine] == pytest.approx(lo)
    assert [m[1] for m in mine] == pytest.approx(hi)
    return km, sf


def test_kaplan_meier_matches_statsmodels():
    km, sf = _check_against_statsmodels(SIX_MP, SIX_MP_EVENT)
    assert km.median == pytest.approx(sf.quantile(0.5))
    rng = np.random.default_rng(11)
    t = rng.exponential(100, 300).round() + 1
    e = rng.random(300) < 0.6
    _check_against_statsmodels(t, e)


def test_kaplan_meier_with_delayed_entry_matches_statsmodels():
    rng = np.random.default_rng(5)
    t = rng.integers(20, 400, 200).astype(float)
    entry = np.minimum(rng.integers(0, 200, 200), t - 1).astype(float)
    e = rng.random(200) < 0.5
    _check_against_statsmodels(t, e, entry=entry)


def test_kaplan_meier_edges():
    assert kaplan_meier([], []).steps == [] and kaplan_meier([], []).median is None
    km = kaplan_meier([5, 8], [0, 0])
    assert all(s.survival == 1.0 and s.ci_low is None for s in km.steps) and km.median is None
    last = kaplan_meier([3, 4], [1, 1]).steps[-1]
    assert last.survival == 0.0 and last.ci_low is None
    with pytest.raises(ValueError):
        kaplan_meier([5], [1], entry=[5])


def test_logrank_matches_survdiff_on_freireich():
    t = np.array(SIX_MP + PLACEBO, float)
    e = np.array(SIX_MP_EVENT + [1] * 21, float)
    g = np.array([0] * 21 + [1] * 21)
    mine = logrank(t, e, g)
    chi2, p = survdiff(t, e, g)
    assert mine.statistic == pytest.approx(chi2) and mine.p_value == pytest.approx(p)
    # The textbook figure for these data: chi-square about 16.8 (p < 0.001).
    assert mine.statistic == pytest.approx(16.79, abs=0.01)
    assert mine.observed == (9, 21)


def test_logrank_with_entry_matches_survdiff():
    rng = np.random.default_rng(2)
    t = rng.integers(30, 300, 120).astype(float)
    entry = np.minimum(rng.integers(0, 100, 120), t - 1).astype(float)
    e = (rng.random(120) < 0.6).astype(float)
    g = rng.integers(0, 2, 120)
    mine = logrank(t, e, g, entry=entry)
    chi2, p = survdiff(t, e, g, entry=entry)
    assert mine.statistic == pytest.approx(chi2) and mine.p_value == pytest.approx(p)


def test_logrank_needs_two_groups_and_events():
    assert logrank([1, 2], [1, 1], [0, 0]).statistic is None
    assert "No events" in logrank([1, 2], [0, 0], [0, 1]).reason


def test_recurrence_rules():
    cols = ["baseline", "2w", "3m", "6m", "12m"]
    nan = math.nan
    values = pd.DataFrame(
        [
            [20, 8, 9, 15, 16],  # responder at 2w, returns at 6m (day 185)
            [20, 15, 8, nan, 9],  # responder from 3m, stays: censored at 12m (day 360)
            [20, 15, 14, 12, 11],  # never a responder: excluded
            [nan, 2, 2, 2, 2],  # no baseline: excluded
            [0, 0, 0, 0, 0],  # baseline 0: excluded
            [20, 16, 15, 14, 9],  # responds only at the last follow-up: no time at risk
            [30, 10, nan, nan, nan],  # responder with no later follow-up
        ],
        columns=cols,
        index=list("ABCDEFG"),
    )
    days = pd.DataFrame([[-5, 14, 90, 185, 360]] * 7, columns=cols, index=list("ABCDEFG"))
    rec = recurrence(values, days, cols[1:])
    assert rec.codes == ["A", "B"]
    assert rec.entry == [14, 90] and rec.duration == [185, 360] and rec.event == [True, False]
    assert rec.responders == 4 and rec.no_later_followup == 2
    assert rec.excluded_non_responders == 1 and rec.excluded_no_baseline == 2
    assert rec.km is not None and rec.km.events == 1
    event_step = next(s for s in rec.km.steps if s.events)
    assert event_step.time == 185 and event_step.at_risk == 2 and event_step.survival == 0.5
