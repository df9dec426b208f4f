# SPDX-License-Identifier: AGPL-3.0-or-later
"""Descriptive statistics of one sample.

SD uses ddof=1 (the sample standard deviation). Quartiles use NumPy's default "linear"
method (type 7 of Hyndman R.J. & Fan Y., Am Stat 1996;50:361-365, as in R's default).
Missing values (NaN, None) are left out. n=0 gives only n; n=1 gives no SD.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float | None = None
    sd: float | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    min: float | None = None
    max: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)

    def mean_sd(self, digits: int = 1) -> str:
        """ "12.3 ± 4.5"; "—" with no values; the mean alone when n=1."""
        if self.mean is None:
            return "—"
        if self.sd is None:
            return f"{self.mean:.{digits}f}"
        return f"{self.mean:.{digits}f} ± {self.sd:.{digits}f}"

    def median_iqr(self, digits: int = 1) -> str:
        """ "12.0 [8.0–15.0]"."""
        if self.median is None or self.q1 is None or self.q3 is None:
            return "—"
        return f"{self.median:.{digits}f} [{self.q1:.{digits}f}–{self.q3:.{digits}f}]"


def clean(values: Iterable[float | None] | NDArray[np.floating]) -> NDArray[np.float64]:
    """The values as a float array without NaN/None."""
    arr = np.asarray(
        [np.nan if v is None else v for v in values]
        if not isinstance(values, np.ndarray)
        else values,
        dtype=float,
    )
    return arr[np.isfinite(arr)]


def describe(values: Iterable[float | None] | NDArray[np.floating]) -> Summary:
    """n, mean, SD (ddof=1), median, quartiles (linear), min and max of the finite values."""
    arr = clean(values)
    n = int(arr.size)
    if n == 0:
        return Summary(n=0)
    q1, median, q3 = (float(q) for q in np.percentile(arr, [25, 50, 75]))
    return Summary(
        n=n,
        mean=float(arr.mean()),
        sd=float(arr.std(ddof=1)) if n > 1 else None,
        median=median,
        q1=q1,
        q3=q3,
        min=float(arr.min()),
        max=float(arr.max()),
    )


def shapiro_p(values: NDArray[np.float64]) -> float:
    """The Shapiro-Wilk p-value of ``values`` (n ≥ 3, not constant).

    SciPy warns that its p-value approximation is less accurate above 5,000 values; the
    choice between a t-test and a rank test only asks whether p is below 0.05, which at that
    size it nearly always is, so the warning is not passed on (docs/research-statistics.md).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*N > 5000.*", category=UserWarning)
        return float(stats.shapiro(values).pvalue)
