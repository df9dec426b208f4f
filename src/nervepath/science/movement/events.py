# SPDX-License-Identifier: AGPL-3.0-or-later
"""Leg movements as arrays, and the hysteresis rule that finds them in an envelope."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "LegMovements",
    "hysteresis_events",
    "mask_events",
    "median",
    "moving_mean",
    "percentile",
]

_EPS = 1e-9


@dataclass
class LegMovements:
    """Monolateral leg movements (one row per movement).

    Parameters
    ----------
    onset, offset : ndarray of float, shape (M,)
        Seconds from the start of the recording.
    side : ndarray of str, shape (M,)
        ``"left"``, ``"right"`` or ``"leg"`` (one sensor, side unknown).
    amplitude : ndarray of float, shape (M,)
        Peak of the envelope above baseline (µV for EMG, g for accelerometer).
    """

    onset: np.ndarray = field(default_factory=lambda: np.empty(0))
    offset: np.ndarray = field(default_factory=lambda: np.empty(0))
    side: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="<U5"))
    amplitude: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __len__(self) -> int:
        return int(self.onset.size)

    @property
    def duration(self) -> np.ndarray:
        """Durations in seconds."""
        return self.offset - self.onset

    @classmethod
    def concat(cls, parts: list[LegMovements]) -> LegMovements:
        """Join movements of several legs, sorted by onset."""
        if not parts:
            return cls()
        onset = np.concatenate([p.onset for p in parts])
        order = np.argsort(onset, kind="stable")
        return cls(
            onset=onset[order],
            offset=np.concatenate([p.offset for p in parts])[order],
            side=np.concatenate([p.side for p in parts]).astype("<U5")[order],
            amplitude=np.concatenate([p.amplitude for p in parts])[order],
        )


def median(x: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """Median along ``axis`` by partition (NaN-free input).

    The same values as :func:`numpy.median`, without its masked-array check, which
    imports ``numpy.ma`` (tens of milliseconds of start-up for one command).
    """
    a = _floats(x)
    n = a.shape[axis]
    if n == 0:
        return np.full(np.delete(a.shape, axis if axis >= 0 else a.ndim + axis), np.nan)[()]
    h = n // 2
    if n % 2:
        part = np.partition(a, h, axis=axis)
        return np.take(part, h, axis=axis).astype(np.float64)[()]
    part = np.partition(a, h - 1, axis=axis)
    low = np.take(part, h - 1, axis=axis).astype(np.float64)
    return ((low + _next_up(part, h, axis)) / 2)[()]


def _next_up(part: np.ndarray, k: int, axis: int) -> np.ndarray:
    """The ``k``-th order statistic of an array partitioned at ``k - 1``: the least of
    what lies after it (``fmin`` skips NaN, which a partition puts last), as float64.
    One partition and a minimum cost a fraction of NumPy's partition at two indices."""
    rest = part[(slice(None),) * (axis % part.ndim) + (slice(k, None),)]
    return np.fmin.reduce(rest, axis=axis).astype(np.float64)


def _floats(x: np.ndarray) -> np.ndarray:
    """``x`` as float32 or float64 without a copy where it already is one: the order
    statistics are the same values, which are then widened to float64 exactly."""
    a = np.asarray(x)
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float64)


def percentile(x: np.ndarray, q: float, axis: int = -1) -> np.ndarray | float:
    """The ``q``-th percentile along ``axis`` (linear, as :func:`numpy.percentile`).

    By partition, without :func:`numpy.percentile`'s masked-array check (which
    imports ``numpy.ma``).
    """
    a = _floats(x)
    n = a.shape[axis]
    pos = q / 100 * (n - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, n - 1)
    part = np.partition(a, lo, axis=axis)
    low = np.take(part, lo, axis=axis).astype(np.float64)
    high = low if hi == lo else _next_up(part, hi, axis)
    return (low + (high - low) * (pos - lo))[()]


def moving_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving mean over ``n`` samples (edges use the samples available)."""
    if n <= 1 or x.size == 0:
        return x.astype(np.float64, copy=False)
    c = np.empty(x.size + 1)
    c[0] = 0.0
    np.cumsum(x, dtype=np.float64, out=c[1:])
    half = n // 2
    size = x.size
    out = np.empty(size)
    # Interior: full windows [i - half, i - half + n).
    first, last = half, size - n + half  # indices with a full window
    if last >= first:
        out[first : last + 1] = (c[n:] - c[: size - n + 1]) / n
    edge = np.r_[0 : min(first, size), max(last + 1, 0) : size]
    lo = np.clip(edge - half, 0, size)
    hi = np.clip(edge - half + n, 0, size)
    out[edge] = (c[hi] - c[lo]) / (hi - lo)
    return out


def mask_events(
    above: np.ndarray,
    quiet: np.ndarray,
    fs: float,
    *,
    offset_min_s: float,
    min_duration_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The onset/offset rule on masks: start and end sample of each event.

    An event starts at the first sample where ``above`` holds and ends at the start of
    the first run of at least ``offset_min_s`` where ``quiet`` holds (a quiet run
    touching the end of the signal also ends it). Events shorter than
    ``min_duration_s`` are dropped. See :func:`hysteresis_events`.
    """
    n = above.size
    none = np.empty(0, dtype=np.int64)
    if n == 0:
        return none, none
    padded = np.zeros(n + 2, dtype=np.int8)
    padded[1:-1] = quiet
    edges = np.diff(padded)
    del padded
    q_start = np.flatnonzero(edges == 1)
    q_end = np.flatnonzero(edges == -1)
    del edges
    min_quiet = int(np.ceil(offset_min_s * fs - _EPS))
    long_q = (q_end - q_start) >= min_quiet
    long_q |= q_end == n
    qs, qe = q_start[long_q], q_end[long_q]
    a_start = np.concatenate(([0], qe))
    a_end = np.concatenate((qs, [n]))
    keep = a_end > a_start
    a_start, a_end = a_start[keep], a_end[keep]
    hits = np.flatnonzero(above)
    if hits.size == 0 or a_start.size == 0:
        return none, none
    first = np.searchsorted(hits, a_start)
    has = first < hits.size
    first_idx = np.where(has, hits[np.minimum(first, hits.size - 1)], n)
    valid = has & (first_idx < a_end)
    on_idx = first_idx[valid]
    off_idx = a_end[valid]
    ok = (off_idx - on_idx) / fs >= min_duration_s - _EPS
    return on_idx[ok], off_idx[ok]


def running_median_exceeds(x: np.ndarray, level: float, k: int, *, strict: bool) -> np.ndarray:
    """Whether the centred running median of ``x`` over ``k`` samples exceeds ``level``.

    Exact without computing the median: for odd ``k`` the median is above ``level``
    (``strict``) or at least ``level`` exactly when more than half the window is, so
    one moving count decides it. The edges repeat the first and last value (as
    ``scipy.ndimage.median_filter`` with ``mode="nearest"``).
    """
    n = x.size
    if n == 0:
        return np.zeros(0, dtype=bool)
    k = max(1, int(k))
    if k % 2 == 0:
        k += 1
    hit = (x > level) if strict else (x >= level)
    if k == 1:
        return hit
    half = k // 2
    counts = np.empty(n + 2 * half + 1, dtype=np.int32)
    counts[0] = 0
    padded = np.concatenate((np.full(half, hit[0]), hit, np.full(half, hit[-1])))
    np.cumsum(padded, out=counts[1:])
    return (counts[k:] - counts[:-k]) > half


def hysteresis_events(
    excess: np.ndarray,
    fs: float,
    *,
    onset_level: float,
    offset_level: float,
    offset_min_s: float,
    min_duration_s: float,
    quiet: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find events in an envelope above its baseline by the onset/offset rule.

    An event starts where ``excess`` first rises to ``onset_level`` or more; it ends at
    the start of the first stretch of at least ``offset_min_s`` during which
    ``excess`` stays at or below ``offset_level``. Events shorter than
    ``min_duration_s`` are dropped.

    Parameters
    ----------
    excess : ndarray, shape (N,)
        Envelope minus resting baseline, evenly sampled.
    fs : float
        Sampling rate of ``excess`` in Hz; sample ``i`` covers ``[i / fs, (i + 1) / fs)``.
    onset_level, offset_level : float
        Levels in the unit of ``excess`` (e.g. 8 and 2 µV for WASM).
    offset_min_s : float
        Minimum length of the quiet stretch that ends an event, in seconds.
    min_duration_s : float
        Minimum event duration in seconds.
    quiet : ndarray, shape (N,), optional
        A smoother version of ``excess`` on which the offset rule is applied (the
        onset and peaks come from ``excess``); by default ``excess`` itself.

    Returns
    -------
    onset, offset : ndarray of float
        Seconds.
    peak : ndarray of float
        Maximum of ``excess`` within each event.

    References
    ----------
    Ferri R, et al. World Association of Sleep Medicine (WASM) 2016 standards for
    recording and scoring leg movements in polysomnograms. Sleep Med 2016;26:86-95.
    doi:10.1016/j.sleep.2016.10.010
    """
    n = excess.size
    empty = np.empty(0)
    if n == 0:
        return empty, empty, empty
    quiet_mask = (excess if quiet is None else quiet) <= offset_level
    on_idx, off_idx = mask_events(
        excess >= onset_level,
        quiet_mask,
        fs,
        offset_min_s=offset_min_s,
        min_duration_s=min_duration_s,
    )
    if on_idx.size:
        padded = np.append(excess, excess.min())
        bounds = np.ravel(np.column_stack((on_idx, off_idx)))
        peak = np.maximum.reduceat(padded, bounds)[::2]
    else:
        peak = empty
    return on_idx / fs, off_idx / fs, peak
