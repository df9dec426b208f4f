# SPDX-License-Identifier: AGPL-3.0-or-later
"""Two-group comparisons, categories, responder rules and the Wilson interval."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from nervepath.science.outcomes.groups import (
    CHI_SQUARE,
    FISHER,
    HEDGES_G,
    MANN_WHITNEY,
    RANK_BISERIAL,
    WELCH,
    compare_counts,
    compare_groups,
)
from nervepath.science.outcomes.measures import IRLS_50, IRLS_BAND, IRLS_TOTAL, PAIN_30, PAIN_MAX
from nervepath.science.outcomes.responders import is_responder, share, wilson


def test_welch_when_both_groups_look_normal():
    rng = np.random.default_rng(7)
    a, b = rng.normal(-10, 4, 30), rng.normal(-6, 6, 25)
    r = compare_groups(a, b)
    t = stats.ttest_ind(a, b, equal_var=False)
    assert r.test == WELCH and r.effect_size_name == HEDGES_G
    assert r.statistic == pytest.approx(t.statistic) and r.p_value == pytest.approx(t.pvalue)
    ci = t.confidence_interval()
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high))
    sp = math.sqrt((29 * a.var(ddof=1) + 24 * b.var(ddof=1)) / 53)
    g = (a.mean() - b.mean()) / sp * (1 - 3 / (4 * 55 - 9))
    assert r.effect_size == pytest.approx(g)
    assert r.difference == pytest.approx(a.mean() - b.mean())


def test_mann_whitney_when_a_group_is_skewed():
    a = np.array([1, 2, 2, 3, 3, 3, 4, 40, 50, 60], float)
    b = np.array([5, 6, 7, 8, 9, 10, 11, 12], float)
    r = compare_groups(a, b)
    u = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert r.test == MANN_WHITNEY and r.effect_size_name == RANK_BISERIAL
    assert r.statistic == pytest.approx(u.statistic) and r.p_value == pytest.approx(u.pvalue)
    assert r.effect_size == pytest.approx(2 * u.statistic / 80 - 1)
    # Welch CI of the difference is given whatever the test.
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval()
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high))


def test_groups_too_small_or_constant():
    assert compare_groups([1.0], [2.0, 3.0]).test is None
    assert compare_groups([], []).difference is None
    assert compare_groups([2, 2, 2], [2, 2]).test is None
    r = compare_groups([1.0, 2.0], [3.0, 5.0])  # n = 2: no Shapiro, U test
    assert r.test == MANN_WHITNEY and "fewer than 3" in r.reason


def test_fisher_for_sparse_2x2_and_chi_square_otherwise():
    sparse = [[3, 1], [2, 8]]
    r = compare_counts(sparse)
    f = stats.fisher_exact(sparse)
    assert r.test == FISHER and r.p_value == pytest.approx(f.pvalue)
    big = [[30, 10], [20, 80]]
    r = compare_counts(big)
    chi2, p, _, _ = stats.chi2_contingency(big)
    assert r.test == CHI_SQUARE and "Yates" in r.reason
    assert r.statistic == pytest.approx(chi2) and r.p_value == pytest.approx(p)
    three = [[10, 12, 3], [8, 20, 9]]
    chi2, p, _, _ = stats.chi2_contingency(three)
    r = compare_counts(three)
    assert r.test == CHI_SQUARE and r.p_value == pytest.approx(p) and "Yates" not in r.reason


def test_empty_rows_and_columns_are_dropped():
    r = compare_counts([[5, 0, 7], [9, 0, 4], [0, 0, 0]])
    assert r.p_value == pytest.approx(stats.fisher_exact([[5, 7], [9, 4]]).pvalue) or (
        r.p_value == pytest.approx(stats.chi2_contingency([[5, 7], [9, 4]])[1])
    )
    assert compare_counts([[5, 3], [0, 0]]).test is None


@pytest.mark.parametrize(("k", "n"), [(0, 1), (0, 10), (3, 10), (10, 10), (57, 120), (1, 3000)])
def test_wilson_matches_statsmodels(k, n):
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert wilson(k, n) == pytest.approx((lo, hi), abs=1e-12)


def test_wilson_empty_and_invalid():
    assert wilson(0, 0) == (None, None)
    with pytest.raises(ValueError):
        wilson(5, 4)


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_within_0_1_and_contains_the_share(kn):
    k, n = kn
    lo, hi = wilson(k, n)
    assert lo is not None and hi is not None
    assert 0 <= lo <= k / n <= hi <= 1


def test_irls_50_percent_rule_and_baseline_zero():
    base = np.array([20, 20, 20, 0, 0, np.nan, 30])
    fu = np.array([10, 11, 0, 0, 3, 5, np.nan])
    flags = is_responder(IRLS_50, IRLS_TOTAL, base, fu)
    assert np.array_equal(flags[:3], [1, 0, 1]) and np.isnan(flags[3:]).all()
    s = share(IRLS_50, IRLS_TOTAL, "3m", base, fu)
    assert (s.n, s.responders, s.not_evaluable) == (3, 2, 2)
    assert s.share == pytest.approx(2 / 3) and (s.ci_low, s.ci_high) == wilson(2, 3)


def test_irls_band_rule():
    base = np.array([25, 25, 12, 0, 5])
    fu = np.array([21, 20, 10, 0, 0])
    flags = is_responder(IRLS_BAND, IRLS_TOTAL, base, fu)
    # severe->severe no; severe->moderate yes; moderate->mild yes; none: not evaluable;
    # mild->none yes
    assert flags[:3].tolist() == [0, 1, 1] and np.isnan(flags[3]) and flags[4] == 1


def test_pain_needs_30_percent_and_2_points():
    base = np.array([10, 5, 4, 6, 0])
    fu = np.array([7, 3, 2, 5, 0])
    flags = is_responder(PAIN_30, PAIN_MAX, base, fu)
    # 30 % & 3 pts yes; 40 % & 2 pts yes; 50 % & 2 pts yes; 17 % no; baseline 0 n/a
    assert flags[:4].tolist() == [1, 1, 1, 0] and np.isnan(flags[4])
    assert is_responder(PAIN_30, PAIN_MAX, np.array([3.0]), np.array([1.5])).tolist() == [0]
