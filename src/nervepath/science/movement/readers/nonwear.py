# SPDX-License-Identifier: AGPL-3.0-or-later
"""Non-wear detection for accelerometer recordings (van Hees et al. 2011)."""

from __future__ import annotations

import numpy as np

from nervepath.science.movement.recording import Stretch

__all__ = ["block_stats", "detect_nonwear", "nonwear_from_stats"]


def detect_nonwear(
    accel: np.ndarray,
    fs: float,
    *,
    window_s: float = 3600.0,
    step_s: float = 900.0,
    sd_threshold_g: float = 0.013,
    range_threshold_g: float = 0.050,
    min_axes: int = 2,
) -> list[Stretch]:
    """Find stretches where the device was not worn.

    A 60-min window (moved in 15-min steps) is non-wear when at least two axes have a
    standard deviation below 13 mg, or at least two axes have a range below 50 mg.
    Recordings shorter than one window have no non-wear by this method.

    Parameters
    ----------
    accel : ndarray, shape (N, 3)
        Acceleration in g, evenly sampled.
    fs : float
        Sampling rate in Hz.
    window_s, step_s : float, optional
        Window length and step in seconds (60 and 15 min).
    sd_threshold_g, range_threshold_g : float, optional
        Per-axis standard-deviation and range thresholds in g (13 mg, 50 mg).
    min_axes : int, optional
        Number of axes that must be below a threshold (2).

    Returns
    -------
    list of Stretch
        Non-wear stretches in seconds from the first sample, kind ``"nonwear"``.

    References
    ----------
    van Hees VT et al. Estimation of daily energy expenditure in pregnant and
    non-pregnant women using a wrist-worn tri-axial accelerometer. PLoS One 2011;
    6:e22922. doi:10.1371/journal.pone.0022922
    """
    step = round(step_s * fs)
    n_steps = accel.shape[0] // step if step > 0 else 0
    if n_steps < round(window_s / step_s):
        return []
    return nonwear_from_stats(
        *block_stats(accel[: n_steps * step], step),
        step=step,
        fs=fs,
        window_s=window_s,
        step_s=step_s,
        sd_threshold_g=sd_threshold_g,
        range_threshold_g=range_threshold_g,
        min_axes=min_axes,
    )


def block_stats(
    accel: np.ndarray, step: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-block sum, sum of squares, maximum and minimum of each axis.

    Parameters
    ----------
    accel : ndarray, shape (K * step, 3)
        Acceleration in g, a whole number of blocks.
    step : int
        Samples per block.

    Returns
    -------
    s1, s2, bmax, bmin : ndarray, shape (K, 3)
    """
    n_steps = accel.shape[0] // step
    s1, s2 = np.empty((n_steps, 3)), np.empty((n_steps, 3))
    bmax, bmin = np.empty((n_steps, 3), accel.dtype), np.empty((n_steps, 3), accel.dtype)
    for i in range(n_steps):
        # Axis-major copy of one block: the reductions then run over contiguous memory,
        # and the whole recording is not copied at once.
        block = np.ascontiguousarray(accel[i * step : (i + 1) * step].T)
        s1[i] = block.sum(axis=1, dtype=np.float64)
        s2[i] = np.einsum("jk,jk->j", block, block, dtype=np.float64)
        bmax[i] = block.max(axis=1)
        bmin[i] = block.min(axis=1)
    return s1, s2, bmax, bmin


def nonwear_from_stats(
    s1: np.ndarray,
    s2: np.ndarray,
    bmax: np.ndarray,
    bmin: np.ndarray,
    *,
    step: int,
    fs: float,
    window_s: float = 3600.0,
    step_s: float = 900.0,
    sd_threshold_g: float = 0.013,
    range_threshold_g: float = 0.050,
    min_axes: int = 2,
) -> list[Stretch]:
    """Non-wear stretches from per-block statistics (see :func:`detect_nonwear`).

    Parameters
    ----------
    s1, s2, bmax, bmin : ndarray, shape (K, 3)
        Output of :func:`block_stats` for consecutive ``step_s`` blocks.
    step : int
        Samples per block.
    fs : float
        Sampling rate in Hz.
    window_s, step_s, sd_threshold_g, range_threshold_g, min_axes : optional
        As for :func:`detect_nonwear`.

    Returns
    -------
    list of Stretch
    """
    per_window = round(window_s / step_s)
    n_steps = s1.shape[0]
    if n_steps < per_window:
        return []
    kernel = np.ones(per_window)
    n_win = n_steps - per_window + 1
    ws1 = np.stack([np.convolve(s1[:, k], kernel, "valid") for k in range(3)], axis=1)
    ws2 = np.stack([np.convolve(s2[:, k], kernel, "valid") for k in range(3)], axis=1)
    n = per_window * step
    var = np.maximum(ws2 / n - (ws1 / n) ** 2, 0.0)
    sd = np.sqrt(var * n / (n - 1))
    wmax = np.lib.stride_tricks.sliding_window_view(bmax, per_window, axis=0).max(axis=-1)
    wmin = np.lib.stride_tricks.sliding_window_view(bmin, per_window, axis=0).min(axis=-1)
    low_sd = (sd < sd_threshold_g).sum(axis=1) >= min_axes
    low_range = ((wmax - wmin) < range_threshold_g).sum(axis=1) >= min_axes
    flagged = low_sd | low_range
    block_flag = np.zeros(n_steps, dtype=bool)
    for w in np.flatnonzero(flagged[:n_win]):
        block_flag[w : w + per_window] = True
    stretches: list[Stretch] = []
    edges = np.diff(np.concatenate(([0], block_flag.astype(np.int8), [0])))
    for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        stretches.append(Stretch(s * step / fs, e * step / fs, "nonwear"))
    return stretches
