# SPDX-License-Identifier: AGPL-3.0-or-later
"""Leg movements as arrays, and the hysteresis rule that finds them in an envelope."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["LegMovements", "hysteresis_events", "moving_mean"]

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
    padded = np.zeros(n + 2, dtype=np.int8)
    padded[1:-1] = (excess if quiet is None else quiet) <= offset_level
    edges = np.diff(padded)
    del padded
    q_start = np.flatnonzero(edges == 1)
    q_end = np.flatnonzero(edges == -1)
    min_quiet = int(np.ceil(offset_min_s * fs - _EPS))
    long_q = (q_end - q_start) >= min_quiet
    # A quiet run touching the end of the signal also ends an event.
    long_q |= q_end == n
    qs, qe = q_start[long_q], q_end[long_q]
    # Active stretches lie between long quiet runs.
    a_start = np.concatenate(([0], qe))
    a_end = np.concatenate((qs, [n]))
    keep = a_end > a_start
    a_start, a_end = a_start[keep], a_end[keep]
    above = np.flatnonzero(excess >= onset_level)
    if above.size == 0 or a_start.size == 0:
        return empty, empty, empty
    first = np.searchsorted(above, a_start)
    has = first < above.size
    first_idx = np.where(has, above[np.minimum(first, above.size - 1)], n)
    valid = has & (first_idx < a_end)
    on_idx = first_idx[valid]
    off_idx = a_end[valid]
    onset = on_idx / fs
    offset = off_idx / fs
    ok = (offset - onset) >= min_duration_s - _EPS
    on_idx, off_idx = on_idx[ok], off_idx[ok]
    if on_idx.size:
        padded = np.append(excess, excess.min())
        bounds = np.ravel(np.column_stack((on_idx, off_idx)))
        peak = np.maximum.reduceat(padded, bounds)[::2]
    else:
        peak = empty
    return on_idx / fs, off_idx / fs, peak
