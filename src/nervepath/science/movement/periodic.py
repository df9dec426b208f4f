# SPDX-License-Identifier: AGPL-3.0-or-later
"""Periodic leg-movement series, periodicity index and interval statistics."""

from __future__ import annotations

import numpy as np

from nervepath.science.movement.rules import WASM_2016, ScoringRules

__all__ = [
    "cluster_onsets",
    "intermovement_intervals",
    "interval_histogram",
    "periodicity_index",
    "plm_series",
]

_EPS = 1e-9


def intermovement_intervals(onset: np.ndarray) -> np.ndarray:
    """Onset-to-onset interval before each movement (NaN for the first), seconds."""
    if onset.size == 0:
        return np.empty(0)
    return np.concatenate(([np.nan], np.diff(onset)))


def plm_series(
    onset: np.ndarray, is_candidate: np.ndarray, rules: ScoringRules = WASM_2016
) -> np.ndarray:
    """Assign candidate leg movements to periodic series.

    A periodic leg-movement (PLM) series is a run of at least 4 consecutive candidate
    movements whose onset-to-onset intervals are 10-90 s (WASM 2016; 5-90 s AASM
    2012). A series ends at an interval above 90 s, at a movement that is not a
    candidate (e.g. longer than 10 s) and, with WASM rules, at an interval below 10 s;
    with AASM rules a movement following a too-short interval is skipped instead.

    Parameters
    ----------
    onset : ndarray, shape (M,)
        Onsets in seconds, sorted.
    is_candidate : ndarray of bool, shape (M,)
        Candidate status of each movement.
    rules : ScoringRules, optional
        Scoring rules.

    Returns
    -------
    ndarray of int, shape (M,)
        Series number (0, 1, ...) of each movement in a PLM series, -1 otherwise.

    References
    ----------
    Ferri R, et al. WASM 2016 standards for recording and scoring leg movements in
    polysomnograms. Sleep Med 2016;26:86-95. doi:10.1016/j.sleep.2016.10.010

    Examples
    --------
    >>> import numpy as np
    >>> plm_series(np.array([0.0, 20, 40, 60, 200]), np.ones(5, bool)).tolist()
    [0, 0, 0, 0, -1]
    """
    series = np.full(onset.size, -1, dtype=np.int64)
    run: list[int] = []
    next_id = 0

    def close() -> None:
        nonlocal next_id
        if len(run) >= rules.min_series_length:
            series[run] = next_id
            next_id += 1
        run.clear()

    for i in range(onset.size):
        if not is_candidate[i]:
            close()
            continue
        if not run:
            run.append(i)
            continue
        interval = onset[i] - onset[run[-1]]
        if interval < rules.min_interval_s - _EPS:
            if rules.short_interval_breaks_series:
                close()
                run.append(i)
            continue
        if interval > rules.max_interval_s + _EPS:
            close()
        run.append(i)
    close()
    return series


def periodicity_index(
    onset: np.ndarray, *, min_interval_s: float = 10.0, max_interval_s: float = 90.0
) -> float:
    """Periodicity index: share of intervals inside runs of three periodic intervals.

    An interval counts as periodic when it and the intervals either side of it form
    a run of at least three consecutive intervals of 10-90 s. The index is the number
    of such intervals over all intervals (0 to 1).

    Parameters
    ----------
    onset : ndarray, shape (M,)
        Candidate movement onsets in seconds, sorted.
    min_interval_s, max_interval_s : float, optional
        The periodic interval range (10-90 s).

    Returns
    -------
    float
        Periodicity index; NaN with fewer than two movements.

    References
    ----------
    Ferri R, et al. Computer-assisted detection of nocturnal leg motor activity in
    patients with restless legs syndrome and periodic leg movements during sleep.
    Sleep 2005;28:998-1004. doi:10.1093/sleep/28.8.998

    Ferri R, et al. New approaches to the study of periodic leg movements during
    sleep in restless legs syndrome. Sleep 2006;29:759-769. doi:10.1093/sleep/29.6.759
    """
    if onset.size < 2:
        return float("nan")
    ivals = np.diff(onset)
    ok = (ivals >= min_interval_s - _EPS) & (ivals <= max_interval_s + _EPS)
    edges = np.diff(np.concatenate(([0], ok.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    lengths = ends - starts
    periodic = int(lengths[lengths >= 3].sum())
    return periodic / ivals.size


def interval_histogram(
    intervals: np.ndarray,
    *,
    low_s: float = 1.0,
    high_s: float = 1000.0,
    per_decade: int = 8,
) -> tuple[np.ndarray, np.ndarray]:
    """Histogram of intervals on a logarithmic time axis.

    Parameters
    ----------
    intervals : ndarray
        Intervals in seconds (NaN ignored).
    low_s, high_s : float, optional
        Range of the bins in seconds; intervals outside are put in the end bins.
    per_decade : int, optional
        Bins per factor of ten.

    Returns
    -------
    edges : ndarray, shape (B + 1,)
        Bin edges in seconds.
    counts : ndarray of int, shape (B,)
    """
    decades = np.log10(high_s / low_s)
    edges = np.logspace(np.log10(low_s), np.log10(high_s), round(decades * per_decade) + 1)
    x = intervals[np.isfinite(intervals)]
    x = np.clip(x, edges[0], edges[-1] * (1 - 1e-12))
    counts, _ = np.histogram(x, bins=edges)
    return edges, counts


def cluster_onsets(onset: np.ndarray, *, max_gap_s: float = 90.0) -> np.ndarray:
    """Onsets of movement clusters.

    Movements whose onsets follow each other within ``max_gap_s`` belong to one
    cluster (so a periodic series is one cluster); the interval between cluster
    onsets is how often the sleeper moves ("every N minutes").

    Parameters
    ----------
    onset : ndarray
        Movement onsets in seconds, sorted.
    max_gap_s : float, optional
        Largest onset-to-onset step inside a cluster (90 s, the longest periodic
        interval of WASM 2016).

    Returns
    -------
    ndarray
        Onset of each cluster in seconds.
    """
    if onset.size == 0:
        return onset
    starts = np.concatenate(([True], np.diff(onset) > max_gap_s + _EPS))
    return onset[starts]
