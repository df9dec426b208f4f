# SPDX-License-Identifier: AGPL-3.0-or-later
"""Before/after comparison on complete pairs.

Choice rule: the paired t-test when the differences look normal (Shapiro-Wilk p >= 0.05
on the differences, which needs n >= 3; Shapiro SS & Wilk MB, Biometrika 1965;52:591-611),
otherwise the Wilcoxon signed-rank test (Wilcoxon F, Biometrics Bull 1945;1:80-83) with
SciPy's default zero_method="wilcox" (zero differences are dropped before ranking) and
method="auto". With fewer than 3 pairs, or when every difference is 0, no test is run and
the reason is given.

Effect sizes: for the t-test Cohen's d_z = mean difference / SD of the differences
(Cohen J, Statistical Power Analysis, 2nd ed. 1988; Lakens D, Front Psychol 2013;4:863);
for the Wilcoxon test the matched-pairs rank-biserial correlation r = (R+ - R-) / (R+ + R-)
on the non-zero differences (Kerby DS, Compr Psychol 2014;3:11.IT.3.1). Both are signed
like the change (after - before): negative when values fell.

The confidence interval of the mean change is t-based: mean ± t(1-alpha/2, n-1) · SD/√n.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from nervepath.science.outcomes.describe import shapiro_p

T_TEST = "paired t-test"
WILCOXON = "Wilcoxon signed-rank"
D_Z = "Cohen's d_z"
RANK_BISERIAL = "matched-pairs rank-biserial r"


@dataclass(frozen=True)
class PairedResult:
    n: int
    mean_before: float | None
    mean_after: float | None
    sd_before: float | None
    sd_after: float | None
    mean_change: float | None
    sd_change: float | None
    ci_low: float | None
    ci_high: float | None
    median_change: float | None
    q1_change: float | None
    q3_change: float | None
    test: str | None
    reason: str
    statistic: float | None = None
    p_value: float | None = None
    effect_size: float | None = None
    effect_size_name: str | None = None
    normality_p: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def complete_pairs(
    before: Iterable[float] | NDArray[np.floating], after: Iterable[float] | NDArray[np.floating]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The pairs where both values are finite."""
    b = np.asarray(list(before) if not isinstance(before, np.ndarray) else before, dtype=float)
    a = np.asarray(list(after) if not isinstance(after, np.ndarray) else after, dtype=float)
    if b.shape != a.shape:
        raise ValueError("before and after must have the same length")
    keep = np.isfinite(b) & np.isfinite(a)
    return b[keep], a[keep]


def rank_biserial_paired(diff: NDArray[np.float64]) -> float | None:
    """Kerby's matched-pairs rank-biserial correlation on the non-zero differences."""
    d = diff[diff != 0]
    if d.size == 0:
        return None
    ranks = stats.rankdata(np.abs(d))
    r_plus = float(ranks[d > 0].sum())
    r_minus = float(ranks[d < 0].sum())
    return (r_plus - r_minus) / (r_plus + r_minus)


def mean_ci(x: NDArray[np.float64], alpha: float = 0.05) -> tuple[float | None, float | None]:
    """t-based confidence interval of the mean (None when n < 2)."""
    n = x.size
    if n < 2:
        return None, None
    m = float(x.mean())
    se = float(x.std(ddof=1)) / np.sqrt(n)
    half = float(stats.t.ppf(1 - alpha / 2, n - 1)) * se
    return float(m - half), float(m + half)


def compare_paired(
    before: Iterable[float] | NDArray[np.floating],
    after: Iterable[float] | NDArray[np.floating],
    alpha: float = 0.05,
) -> PairedResult:
    """Compare after with before on the complete pairs (see the module docstring)."""
    b, a = complete_pairs(before, after)
    d = a - b
    n = int(d.size)
    if n == 0:
        return PairedResult(
            0, None, None, None, None, None, None, None, None, None, None, None, None,
            "No complete pairs: no test.",
        )  # fmt: skip
    q1, med, q3 = (float(q) for q in np.percentile(d, [25, 50, 75]))
    sd = float(d.std(ddof=1)) if n > 1 else None
    lo, hi = mean_ci(d, alpha)
    base: dict[str, Any] = dict(
        n=n,
        mean_before=float(b.mean()),
        mean_after=float(a.mean()),
        sd_before=float(b.std(ddof=1)) if n > 1 else None,
        sd_after=float(a.std(ddof=1)) if n > 1 else None,
        mean_change=float(d.mean()),
        sd_change=sd,
        ci_low=lo,
        ci_high=hi,
        median_change=med,
        q1_change=q1,
        q3_change=q3,
    )
    if n < 3:
        return PairedResult(
            **base, test=None, reason=f"Only {n} complete pair(s): at least 3 are needed."
        )
    if np.all(d == 0):
        return PairedResult(
            **base, test=None, reason="Every difference is 0: there is nothing to test."
        )
    if sd == 0:
        # Shapiro-Wilk is undefined for constant data and a t statistic would be infinite.
        res = stats.wilcoxon(d, zero_method="wilcox")
        return PairedResult(
            **base,
            test=WILCOXON,
            reason="All differences are equal (SD 0), so normality cannot be judged and the "
            "t statistic is undefined: Wilcoxon signed-rank test.",
            statistic=float(res.statistic),
            p_value=float(res.pvalue),
            effect_size=rank_biserial_paired(d),
            effect_size_name=RANK_BISERIAL,
        )
    normal_p = shapiro_p(d)
    if normal_p >= 0.05:
        t = stats.ttest_rel(a, b)
        return PairedResult(
            **base,
            test=T_TEST,
            reason=f"The differences look normal (Shapiro-Wilk p = {normal_p:.3f} ≥ 0.05): "
            "paired t-test.",
            statistic=float(t.statistic),
            p_value=float(t.pvalue),
            effect_size=float(d.mean()) / float(sd) if sd else None,
            effect_size_name=D_Z,
            normality_p=normal_p,
        )
    w = stats.wilcoxon(d, zero_method="wilcox")
    shown = "<0.001" if normal_p < 0.001 else f"= {normal_p:.3f}"
    return PairedResult(
        **base,
        test=WILCOXON,
        reason=f"The differences do not look normal (Shapiro-Wilk p {shown} < 0.05): "
        "Wilcoxon signed-rank test (zero differences dropped, zero_method 'wilcox').",
        statistic=float(w.statistic),
        p_value=float(w.pvalue),
        effect_size=rank_biserial_paired(d),
        effect_size_name=RANK_BISERIAL,
        normality_p=normal_p,
    )
