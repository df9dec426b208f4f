# SPDX-License-Identifier: AGPL-3.0-or-later
"""Leg movements in tibialis anterior EMG (WASM 2016 / AASM 2012 amplitude rules)."""

from __future__ import annotations

import numpy as np

from nervepath.science.movement.errors import SamplingRateTooLowError
from nervepath.science.movement.events import (
    LegMovements,
    hysteresis_events,
    moving_mean,
)

__all__ = ["detect_emg_movements", "emg_envelope", "resting_baseline"]


def emg_envelope(
    emg: np.ndarray, fs: float, *, highpass_hz: float = 10.0, resolution_s: float = 0.01
) -> tuple[np.ndarray, float]:
    """Rectified, high-passed EMG averaged in short blocks.

    The high-pass is a boxcar moving average subtracted from the signal (its -3 dB
    point is ``highpass_hz``); it removes drift, movement artefact and most of the
    ECG's slow components in one pass. The rectified result is averaged over blocks
    of ``resolution_s``, which sets the time resolution of onsets and offsets.

    Parameters
    ----------
    emg : ndarray, shape (N,)
        EMG in µV.
    fs : float
        Sampling rate in Hz.
    highpass_hz : float, optional
        High-pass cut-off in Hz (10 Hz, the WASM 2016 recommendation).
    resolution_s : float, optional
        Block length of the envelope in seconds (10 ms).

    Returns
    -------
    envelope : ndarray, shape (N // block,)
        Mean rectified EMG per block, µV (float32).
    env_fs : float
        Sampling rate of the envelope in Hz.
    """
    block = max(1, round(resolution_s * fs))
    width = max(2, round(0.443 * fs / highpass_hz))
    half = width // 2
    x = np.asarray(emg, dtype=np.float64)
    n = x.size
    m = n // block
    env = np.empty(m, dtype=np.float32)
    # Work in cache-sized segments: the moving mean of sample i is the mean of
    # x[i - half : i - half + width], with the first/last value repeated at the edges.
    seg_blocks = max(1, (1 << 17) // block)
    for b0 in range(0, m, seg_blocks):
        b1 = min(m, b0 + seg_blocks)
        s0, s1 = b0 * block, b1 * block
        lo, hi = s0 - half, s1 - half + width - 1
        xs = x[max(lo, 0) : min(hi, n)]
        if lo < 0 or hi > n:
            xs = np.pad(xs, (max(0, -lo), max(0, hi - n)), mode="edge")
        c = np.empty(xs.size + 1)
        c[0] = 0.0
        np.cumsum(xs, out=c[1:])
        hp = c[width:] - c[:-width]
        hp *= -1.0 / width
        hp += x[s0:s1]
        np.abs(hp, out=hp)
        env[b0:b1] = hp.reshape(-1, block).mean(axis=1)
    return env, fs / block


def resting_baseline(
    envelope: np.ndarray,
    env_fs: float,
    *,
    block_s: float = 10.0,
    percentile: float = 20.0,
) -> np.ndarray:
    """Resting EMG level tracked through the night.

    The ``percentile`` of the envelope in consecutive ``block_s`` blocks, smoothed by a
    running median over five blocks and interpolated between block centres. Leg
    movements last at most a few seconds, so a low percentile of a 10-s block is the
    resting level even during periodic series.

    Parameters
    ----------
    envelope : ndarray, shape (M,)
        Envelope in µV.
    env_fs : float
        Sampling rate of the envelope in Hz.
    block_s : float, optional
        Block length in seconds.
    percentile : float, optional
        Percentile of each block taken as its resting level.

    Returns
    -------
    ndarray, shape (M,)
        Baseline in µV.
    """
    block = max(1, round(block_s * env_fs))
    m = envelope.size
    nb = max(1, m // block)
    if m < block:
        return np.full(m, np.percentile(envelope, percentile) if m else 0.0)
    levels = np.percentile(envelope[: nb * block].reshape(nb, block), percentile, axis=1)
    if nb >= 5:
        padded = np.pad(levels, 2, mode="edge")
        levels = np.median(np.lib.stride_tricks.sliding_window_view(padded, 5), axis=1)
    centres = (np.arange(nb) + 0.5) * block
    return np.interp(np.arange(m), centres, levels)


def detect_emg_movements(
    emg: np.ndarray,
    fs: float,
    *,
    side: str = "leg",
    onset_uv: float = 8.0,
    offset_uv: float = 2.0,
    offset_min_s: float = 0.5,
    min_duration_s: float = 0.5,
    highpass_hz: float = 10.0,
    resolution_s: float = 0.01,
    smooth_s: float = 0.05,
    min_fs: float = 100.0,
) -> LegMovements:
    """Detect monolateral leg movements in one tibialis anterior EMG channel.

    A leg movement starts where the rectified EMG rises 8 µV above the resting
    baseline and ends at the start of a period of at least 0.5 s during which it stays
    within 2 µV of the baseline; movements shorter than 0.5 s are dropped. Candidate
    rules (maximum duration, bilateral merging) are applied later by
    :func:`nervepath.science.movement.candidates.candidate_movements`.

    Parameters
    ----------
    emg : ndarray, shape (N,)
        EMG in µV.
    fs : float
        Sampling rate in Hz.
    side : str, optional
        ``"left"``, ``"right"`` or ``"leg"``.
    onset_uv : float, optional
        Onset level above baseline in µV (8 µV, WASM 2016 and AASM 2012).
    offset_uv : float, optional
        Offset level above baseline in µV (2 µV).
    offset_min_s : float, optional
        Length of the quiet period that ends a movement in seconds (0.5 s).
    min_duration_s : float, optional
        Minimum movement duration in seconds (0.5 s).
    highpass_hz : float, optional
        High-pass cut-off in Hz (10 Hz).
    resolution_s : float, optional
        Envelope block length in seconds.
    smooth_s : float, optional
        Moving-average smoothing of the envelope in seconds (50 ms), so that single
        motor-unit spikes and ECG QRS complexes do not break a movement.
    min_fs : float, optional
        Lowest accepted sampling rate in Hz; the AASM technical specification asks
        for at least 200 Hz, and 100 Hz is the least that keeps the 10 Hz high-pass
        and the EMG power band.

    Returns
    -------
    LegMovements

    Raises
    ------
    SamplingRateTooLowError
        ``fs`` is below ``min_fs``.

    References
    ----------
    Ferri R, et al. World Association of Sleep Medicine (WASM) 2016 standards for
    recording and scoring leg movements in polysomnograms. Sleep Med 2016;26:86-95.
    doi:10.1016/j.sleep.2016.10.010

    Berry RB, et al. The AASM Manual for the Scoring of Sleep and Associated Events,
    version 2.0. Darien, IL: American Academy of Sleep Medicine; 2012.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> fs = 256.0
    >>> emg = rng.normal(0, 1.5, int(60 * fs))
    >>> emg[int(20 * fs) : int(22 * fs)] += rng.normal(0, 40, int(2 * fs))
    >>> lm = detect_emg_movements(emg, fs, side="left")
    >>> len(lm), round(float(lm.onset[0]))
    (1, 20)
    """
    movements, _, _ = _emg_pass(
        emg,
        fs,
        side=side,
        onset_uv=onset_uv,
        offset_uv=offset_uv,
        offset_min_s=offset_min_s,
        min_duration_s=min_duration_s,
        highpass_hz=highpass_hz,
        resolution_s=resolution_s,
        smooth_s=smooth_s,
        min_fs=min_fs,
    )
    return movements


def _emg_pass(
    emg: np.ndarray,
    fs: float,
    *,
    side: str,
    onset_uv: float,
    offset_uv: float,
    offset_min_s: float,
    min_duration_s: float,
    highpass_hz: float,
    resolution_s: float,
    smooth_s: float,
    min_fs: float,
) -> tuple[LegMovements, np.ndarray, float]:
    """Detection plus the envelope above baseline and its rate (for figures)."""
    if fs < min_fs:
        raise SamplingRateTooLowError(
            f"The {side} leg EMG is sampled at {fs:g} Hz; leg-movement scoring needs at "
            f"least {min_fs:g} Hz (AASM asks for 200 Hz or more). Export the EMG at its "
            "original rate."
        )
    env, env_fs = emg_envelope(emg, fs, highpass_hz=highpass_hz, resolution_s=resolution_s)
    env = moving_mean(env, max(1, round(smooth_s * env_fs)))
    excess = env - resting_baseline(env, env_fs)
    onset, offset, peak = hysteresis_events(
        excess,
        env_fs,
        onset_level=onset_uv,
        offset_level=offset_uv,
        offset_min_s=offset_min_s,
        min_duration_s=min_duration_s,
    )
    movements = LegMovements(onset, offset, np.full(onset.size, side, dtype="<U5"), peak)
    return movements, excess, env_fs
