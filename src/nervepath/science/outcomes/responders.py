# SPDX-License-Identifier: AGPL-3.0-or-later
"""Who responded, and the share of responders with its Wilson score interval.

The Wilson interval (Wilson EB, J Am Stat Assoc 1927;22:209-212; recommended over the
Wald interval by Brown LD, Cai TT & DasGupta A, Stat Sci 2001;16:101-133):

    centre = (p + z²/2n) / (1 + z²/n)
    half   = z / (1 + z²/n) · √(p(1-p)/n + z²/4n²)

A subject counts for a responder definition at a follow-up only when both the baseline and
the follow-up value exist; a baseline of 0 (or a baseline already in the lowest band, for
the band rule) makes the subject not evaluable, because no improvement is possible.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from nervepath.science.outcomes.data import Measure
from nervepath.science.outcomes.measures import Responder, band_index


def wilson(k: int, n: int, alpha: float = 0.05) -> tuple[float | None, float | None]:
    """Wilson score interval of k successes in n trials; (None, None) when n == 0."""
    if n <= 0:
        return None, None
    if not 0 <= k <= n:
        raise ValueError("k must lie between 0 and n")
    z = float(stats.norm.ppf(1 - alpha / 2))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # Exactly 0 / 1 at k = 0 / k = n (rounding would otherwise leave 1e-17 there).
    low = 0.0 if k == 0 else min(p, max(0.0, centre - half))
    high = 1.0 if k == n else max(p, min(1.0, centre + half))
    return low, high


def is_responder(
    responder: Responder,
    measure: Measure,
    baseline: NDArray[np.float64],
    followup: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Per subject 1.0 (responder), 0.0 (not) or NaN (missing or not evaluable)."""
    b = np.asarray(baseline, dtype=float)
    f = np.asarray(followup, dtype=float)
    out = np.full(b.shape, np.nan)
    ok = np.isfinite(b) & np.isfinite(f)
    improvement = (b - f) if measure.lower_is_better else (f - b)
    hit = np.ones(b.shape, dtype=bool)
    if responder.min_percent is not None:
        ok &= b != 0
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = improvement / np.abs(b) * 100
        hit &= pct >= responder.min_percent
    if responder.min_points is not None:
        hit &= improvement >= responder.min_points
    if responder.lower_band:
        bb, fb = band_index(measure, b), band_index(measure, f)
        lowest = 0 if measure.lower_is_better else len(measure.bands) - 1
        ok &= bb != lowest
        hit &= (fb < bb) if measure.lower_is_better else (fb > bb)
    out[ok] = hit[ok].astype(float)
    return out


@dataclass(frozen=True)
class ResponderShare:
    responder: str
    timepoint: str
    n: int  # evaluable subjects (baseline and follow-up present, baseline evaluable)
    responders: int
    share: float | None
    ci_low: float | None
    ci_high: float | None
    not_evaluable: int  # both values present but the baseline makes the rule impossible

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def share(
    responder: Responder,
    measure: Measure,
    timepoint: str,
    baseline: NDArray[np.float64],
    followup: NDArray[np.float64],
    alpha: float = 0.05,
) -> ResponderShare:
    """The share of responders among the evaluable subjects, with its Wilson CI."""
    flags = is_responder(responder, measure, baseline, followup)
    both = np.isfinite(np.asarray(baseline, float)) & np.isfinite(np.asarray(followup, float))
    evaluable = np.isfinite(flags)
    n = int(evaluable.sum())
    k = int(np.nansum(flags))
    lo, hi = wilson(k, n, alpha)
    return ResponderShare(
        responder=responder.key,
        timepoint=timepoint,
        n=n,
        responders=k,
        share=k / n if n else None,
        ci_low=lo,
        ci_high=hi,
        not_evaluable=int((both & ~evaluable).sum()),
    )
