# SPDX-License-Identifier: AGPL-3.0-or-later
"""describe() and compare_paired() against NumPy/SciPy and a textbook example."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from nervepath.science.outcomes.describe import describe
from nervepath.science.outcomes.paired import (
    D_Z,
    RANK_BISERIAL,
    T_TEST,
    WILCOXON,
    compare_paired,
    rank_biserial_paired,
)

# Student's sleep data (Cushny & Peebles; Student, Biometrika 1908;6:1-25): extra hours of
# sleep with two drugs in the same 10 patients. Paired t = 4.062, df 9, p = 0.00283, mean
# difference 1.58 h, 95 % CI 0.700 to 2.460 (R: t.test(extra ~ group, data = sleep,
# paired = TRUE)).
DRUG_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
DRUG_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_describe_matches_numpy():
    x = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, None, math.nan]
    s = describe(x)
    arr = np.array([3, 1, 4, 1, 5, 9, 2, 6], float)
    assert s.n == 8
    assert s.mean == pytest.approx(arr.mean()) and s.sd == pytest.approx(arr.std(ddof=1))
    assert (s.q1, s.median, s.q3) == pytest.approx(tuple(np.percentile(arr, [25, 50, 75])))
    assert (s.min, s.max) == (1.0, 9.0)
    assert s.mean_sd() == "3.9 ± 2.7" and s.median_iqr() == "3.5 [1.8–5.2]"


def test_describe_with_none_one_and_two_values():
    assert describe([]) == describe([None]) and describe([]).n == 0
    assert describe([]).mean is None and describe([]).mean_sd() == "—"
    one = describe([7.0])
    assert one.n == 1 and one.mean == 7.0 and one.sd is None and one.median == 7.0
    assert one.mean_sd() == "7.0"
    two = describe([1.0, 3.0])
    assert two.sd == pytest.approx(math.sqrt(2)) and two.q1 == 1.5


def test_textbook_sleep_data():
    r = compare_paired(DRUG_1, DRUG_2)
    assert r.n == 10 and r.mean_change == pytest.approx(1.58)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.7001142, 2.4598858), abs=1e-6)
    # The differences are skewed (Shapiro-Wilk p = 0.033): the Wilcoxon test is chosen.
    assert r.normality_p == pytest.approx(stats.shapiro(np.subtract(DRUG_2, DRUG_1)).pvalue)
    assert r.test == WILCOXON and "0.033" in r.reason
    # One zero difference is dropped, the other 9 are all positive: exact p = 2 / 2^9.
    assert r.statistic == 0 and r.p_value == pytest.approx(2 / 2**9)
    assert r.effect_size == 1.0 and r.effect_size_name == RANK_BISERIAL
    # And the t-test the textbook reports, on the same numbers:
    assert stats.ttest_rel(DRUG_2, DRUG_1).statistic == pytest.approx(4.0621, abs=1e-4)


def test_t_test_when_differences_look_normal():
    rng = np.random.default_rng(4)
    before = rng.normal(20, 5, 40)
    after = before - 3 + rng.normal(0, 2, 40)
    r = compare_paired(before, after)
    d = after - before
    assert stats.shapiro(d).pvalue >= 0.05
    t = stats.ttest_rel(after, before)
    assert r.test == T_TEST and r.effect_size_name == D_Z
    assert r.statistic == pytest.approx(t.statistic) and r.p_value == pytest.approx(t.pvalue)
    assert r.effect_size == pytest.approx(d.mean() / d.std(ddof=1))
    ci = t.confidence_interval()
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high))
    assert r.sd_change == pytest.approx(d.std(ddof=1))


def test_wilcoxon_when_differences_are_skewed_and_rank_biserial_by_hand():
    before = np.array([10, 12, 9, 14, 11, 10, 13, 12, 15, 10, 11, 12], float)
    after = before - np.array([0, 1, 1, 2, 0, 1, 3, 15, 1, 2, -1, 30], float)
    r = compare_paired(before, after)
    d = after - before
    w = stats.wilcoxon(d)
    assert r.test == WILCOXON
    assert r.statistic == pytest.approx(w.statistic) and r.p_value == pytest.approx(w.pvalue)
    nz = d[d != 0]
    ranks = stats.rankdata(np.abs(nz))
    expected = (ranks[nz > 0].sum() - ranks[nz < 0].sum()) / ranks.sum()
    assert r.effect_size == pytest.approx(expected) and r.effect_size < 0


def test_rank_biserial_small_case():
    # |d| ranks: 1 -> 1, 2 -> 2, 3 -> 3; R+ = 1 + 3 = 4, R- = 2: r = (4 - 2) / 6
    assert rank_biserial_paired(np.array([1.0, -2.0, 3.0, 0.0])) == pytest.approx(1 / 3)
    assert rank_biserial_paired(np.array([0.0])) is None


def test_incomplete_pairs_are_dropped():
    r = compare_paired([1, 2, math.nan, 4, 5], [2, math.nan, 3, 5, 7])
    assert r.n == 3 and r.mean_before == pytest.approx(10 / 3)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_too_few_pairs_no_test(n):
    r = compare_paired([5.0, 6.0][:n], [3.0, 5.0][:n])
    assert r.n == n and r.test is None and r.p_value is None
    assert ("No complete pairs" if n == 0 else f"Only {n}") in r.reason
    if n == 2:
        ci = stats.ttest_rel([3.0, 5.0], [5.0, 6.0]).confidence_interval()
        assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high))
    if n == 1:
        assert r.mean_change == -2 and r.ci_low is None and r.sd_change is None


def test_all_differences_zero_no_test():
    r = compare_paired([3, 4, 5, 6], [3, 4, 5, 6])
    assert r.test is None and "0" in r.reason and r.mean_change == 0


def test_equal_nonzero_differences_use_wilcoxon():
    r = compare_paired([3, 4, 5, 6], [1, 2, 3, 4])
    assert r.test == WILCOXON and r.effect_size == -1.0 and "SD 0" in r.reason
    assert r.p_value == pytest.approx(stats.wilcoxon([-2, -2, -2, -2]).pvalue)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=2, max_size=30))
def test_ci_contains_the_mean_change(pairs):
    before, after = zip(*pairs, strict=True)
    r = compare_paired(before, after)
    assert r.ci_low is not None and r.ci_high is not None and r.mean_change is not None
    assert r.ci_low - 1e-9 <= r.mean_change <= r.ci_high + 1e-9
    if r.p_value is not None:
        assert 0 <= r.p_value <= 1
