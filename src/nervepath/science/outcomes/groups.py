# SPDX-License-Identifier: AGPL-3.0-or-later
"""Comparison of two independent groups (e.g. the change in diabetic vs non-diabetic
patients), and of categories between groups (Table 1).

Continuous values. Choice rule: Welch's t-test (Welch BL, Biometrika 1947;34:28-35) when
both groups look normal (Shapiro-Wilk p >= 0.05 in each, which needs n >= 3 per group),
otherwise the two-sided Mann-Whitney U test (Mann HB & Whitney DR, Ann Math Stat
1947;18:50-60). Both groups need n >= 2 for any test. The difference in means (a - b) always
carries the Welch 95 % CI (Welch-Satterthwaite degrees of freedom). Effect size: Hedges' g
(pooled-SD standardised difference times the small-sample correction 1 - 3/(4(n_a+n_b)-9);
Hedges LV, J Educ Stat 1981;6:107-128) with the t-test; the rank-biserial correlation
r = 2·U_a/(n_a·n_b) - 1 (Kerby DS, Compr Psychol 2014;3:11.IT.3.1) with the U test,
positive when group a tends to be larger.

Categories. Fisher's exact test (two-sided) for a 2x2 table with any expected count < 5,
otherwise Pearson's chi-square test of independence (SciPy chi2_contingency, with Yates'
continuity correction for a 2x2 table, SciPy's default). The "expected count < 5" rule is
Cochran's (Cochran WG, Biometrics 1954;10:417-451). Rows or columns that are all zero are
dropped first; with fewer than 2 rows or 2 columns left, no test is run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from nervepath.science.outcomes.describe import clean, shapiro_p

WELCH = "Welch t-test"
MANN_WHITNEY = "Mann-Whitney U"
HEDGES_G = "Hedges' g"
RANK_BISERIAL = "rank-biserial r"
CHI_SQUARE = "chi-square"
FISHER = "Fisher's exact"


@dataclass(frozen=True)
class GroupResult:
    n_a: int
    n_b: int
    mean_a: float | None
    mean_b: float | None
    sd_a: float | None
    sd_b: float | None
    median_a: float | None
    median_b: float | None
    difference: float | None  # mean a - mean b
    ci_low: float | None
    ci_high: float | None
    test: str | None
    reason: str
    statistic: float | None = None
    p_value: float | None = None
    effect_size: float | None = None
    effect_size_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CategoricalResult:
    test: str | None
    reason: str
    statistic: float | None = None
    p_value: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def welch_ci(
    a: NDArray[np.float64], b: NDArray[np.float64], alpha: float = 0.05
) -> tuple[float | None, float | None]:
    """CI of mean(a) - mean(b) with Welch-Satterthwaite degrees of freedom."""
    if a.size < 2 or b.size < 2:
        return None, None
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se2 = va + vb
    diff = float(a.mean() - b.mean())
    if se2 == 0:
        return diff, diff
    df = se2**2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(1 - alpha / 2, df)) * float(np.sqrt(se2))
    return diff - half, diff + half


def hedges_g(a: NDArray[np.float64], b: NDArray[np.float64]) -> float | None:
    na, nb = a.size, b.size
    pooled = ((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2)
    if pooled <= 0:
        return None
    j = 1 - 3 / (4 * (na + nb) - 9)
    return float((a.mean() - b.mean()) / np.sqrt(pooled) * j)


def _stat(x: NDArray[np.float64], f: str) -> float | None:
    """mean / sd (ddof=1) / median, or None when there are too few values."""
    if x.size == 0 or (f == "sd" and x.size < 2):
        return None
    if f == "sd":
        return float(x.std(ddof=1))
    return float(np.mean(x) if f == "mean" else np.median(x))


def compare_groups(
    a: Iterable[float | None] | NDArray[np.floating],
    b: Iterable[float | None] | NDArray[np.floating],
    alpha: float = 0.05,
) -> GroupResult:
    """Compare group a with group b (see the module docstring for the choice rule)."""
    x, y = clean(a), clean(b)
    lo, hi = welch_ci(x, y, alpha)
    base: dict[str, Any] = dict(
        n_a=int(x.size),
        n_b=int(y.size),
        mean_a=_stat(x, "mean"),
        mean_b=_stat(y, "mean"),
        sd_a=_stat(x, "sd"),
        sd_b=_stat(y, "sd"),
        median_a=_stat(x, "median"),
        median_b=_stat(y, "median"),
        difference=float(x.mean() - y.mean()) if x.size and y.size else None,
        ci_low=lo,
        ci_high=hi,
    )
    if x.size < 2 or y.size < 2:
        return GroupResult(**base, test=None, reason="A group has fewer than 2 values: no test.")
    if np.ptp(np.concatenate([x, y])) == 0:
        return GroupResult(**base, test=None, reason="Every value is the same: no test.")
    normal: list[float] = []
    why = "a group has fewer than 3 values, so normality cannot be checked"
    if x.size >= 3 and y.size >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
        normal = [shapiro_p(x), shapiro_p(y)]
        why = f"Shapiro-Wilk p = {min(normal):.3f} in the less normal group"
    elif x.size >= 3 and y.size >= 3:
        why = "a group has no spread, so normality cannot be checked"
    if normal and min(normal) >= 0.05:
        t = stats.ttest_ind(x, y, equal_var=False)
        return GroupResult(
            **base,
            test=WELCH,
            reason=f"Both groups look normal ({why} ≥ 0.05): Welch t-test.",
            statistic=float(t.statistic),
            p_value=float(t.pvalue),
            effect_size=hedges_g(x, y),
            effect_size_name=HEDGES_G,
        )
    u = stats.mannwhitneyu(x, y, alternative="two-sided")
    reason = (
        f"A group does not look normal ({why} < 0.05): Mann-Whitney U test."
        if normal
        else f"Mann-Whitney U test: {why}."
    )
    return GroupResult(
        **base,
        test=MANN_WHITNEY,
        reason=reason,
        statistic=float(u.statistic),
        p_value=float(u.pvalue),
        effect_size=float(2 * u.statistic / (x.size * y.size) - 1),
        effect_size_name=RANK_BISERIAL,
    )


def compare_counts(table: Sequence[Sequence[int]] | NDArray[np.integer]) -> CategoricalResult:
    """Chi-square or Fisher's exact test on a contingency table (rows x columns of counts)."""
    t = np.asarray(table, dtype=float)
    if t.ndim != 2:
        raise ValueError("a contingency table has two dimensions")
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0] if t.size else t
    if t.ndim != 2 or t.shape[0] < 2 or t.shape[1] < 2:
        return CategoricalResult(
            None, "Fewer than 2 groups or 2 categories with any count: no test."
        )
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()
    if t.shape == (2, 2) and (expected < 5).any():
        res = stats.fisher_exact(t.astype(int))
        return CategoricalResult(
            FISHER,
            "2x2 table with an expected count below 5: Fisher's exact test.",
            statistic=float(res.statistic),
            p_value=float(res.pvalue),
        )
    chi2, p, _dof, _exp = stats.chi2_contingency(t)
    small = (expected < 5).mean()
    note = f" ({small:.0%} of expected counts below 5)" if small > 0 else ""
    return CategoricalResult(
        CHI_SQUARE,
        "Chi-square test of independence"
        + (" with Yates' correction" if t.shape == (2, 2) else "")
        + note
        + ".",
        statistic=float(chi2),
        p_value=float(p),
    )
