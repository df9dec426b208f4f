# SPDX-License-Identifier: AGPL-3.0-or-later
"""Movement bouts in ankle or wrist accelerometer recordings."""

from __future__ import annotations

import numpy as np

from nervepath.science.movement.emg import resting_baseline
from nervepath.science.movement.errors import SamplingRateTooLowError
from nervepath.science.movement.events import (
    LegMovements,
    hysteresis_events,
    moving_mean,
)
from nervepath.science.movement.recording import AccelRecording, Stretch

__all__ = ["activity_envelope", "detect_accel_movements", "movements_from_envelope"]


def activity_envelope(
    accel: np.ndarray, fs: float, *, gravity_window_s: float = 4.0, resolution_s: float = 0.1
) -> tuple[np.ndarray, int]:
    """Dynamic acceleration (gravity removed) as a vector magnitude per short block.

    Gravity and posture are estimated per axis as a running median (over
    ``gravity_window_s``) of 0.5-s block means, interpolated back to every sample, and
    subtracted. A median is not pulled by a movement shorter than half its window, so
    onsets and offsets are not smeared the way a moving mean would smear them. The
    vector magnitude of what remains is averaged in blocks of ``resolution_s``.

    Parameters
    ----------
    accel : ndarray, shape (N, 3)
        Acceleration in g.
    fs : float
        Sampling rate in Hz.
    gravity_window_s : float, optional
        Running-median window for gravity in seconds.
    resolution_s : float, optional
        Block length of the envelope in seconds.

    Returns
    -------
    envelope : ndarray, shape (N // block,)
        Mean dynamic acceleration per block, in g (float32).
    block : int
        Samples per block.
    """
    block = max(1, round(resolution_s * fs))
    n = accel.shape[0]
    g_block = max(1, round(0.5 * fs))
    nb = n // g_block
    power = np.zeros(n, dtype=np.float32)
    if nb >= 1:
        means = accel[: nb * g_block].reshape(nb, g_block, 3).mean(axis=1)
        width = max(1, round(gravity_window_s / 0.5)) | 1
        if nb >= width:
            padded = np.pad(means, ((width // 2, width // 2), (0, 0)), mode="edge")
            windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=0)
            if np.isfinite(means).all():
                # The median of an odd count is its middle order statistic, as
                # np.median gives it, without np.median's copies and NaN check.
                gravity = np.partition(windows, width // 2, axis=-1)[..., width // 2]
            else:
                gravity = np.median(windows, axis=-1)
        else:
            gravity = np.broadcast_to(np.median(means, axis=0), means.shape)
        for k in range(3):
            d = _at_samples(gravity[:, k], g_block, n)
            np.subtract(accel[:, k], d, out=d)
            d32 = d.astype(np.float32)
            del d
            d32 *= d32
            power += d32
    vm = np.sqrt(power)
    m = n // block
    return vm[: m * block].reshape(m, block).mean(axis=1), block


def _at_samples(levels: np.ndarray, block: int, n: int) -> np.ndarray:
    """``np.interp(np.arange(n), (np.arange(nb) + 0.5) * block, levels)``, the same
    doubles, without a binary search per sample.

    Block centres fall on whole samples (even blocks) or halfway between two (odd):
    each segment between two centres is its slope times the distance from the left
    centre (exact) plus its level, which is np.interp's own arithmetic."""
    nb = levels.size
    centres = (np.arange(nb) + 0.5) * block
    if nb < 2 or not np.isfinite(levels).all():
        return np.interp(np.arange(n), centres, levels)
    first, last = -(-block // 2), int(np.ceil(centres[-1]))
    slope = np.diff(levels) / np.diff(centres)
    out = np.empty(n)
    out[:first] = levels[0]
    step = np.arange(block, dtype=np.float64) + (first - block / 2)
    between = out[first:last].reshape(nb - 1, block)
    np.multiply(slope[:, None], step, out=between)
    between += levels[:-1, None]
    out[last:] = levels[-1]
    return out


def detect_accel_movements(
    recording: AccelRecording,
    *,
    gravity_window_s: float = 4.0,
    onset_g: float = 0.03,
    offset_g: float = 0.01,
    offset_min_s: float = 0.5,
    min_duration_s: float = 0.5,
    resolution_s: float = 0.1,
    smooth_s: float = 0.2,
    min_fs: float = 10.0,
) -> LegMovements:
    """Detect movement bouts in an accelerometer recording.

    The same onset/offset rule as for EMG is applied to dynamic acceleration above its
    resting level: a bout starts where it rises ``onset_g`` above the resting level
    and ends at the start of at least ``offset_min_s`` within ``offset_g`` of it.
    Samples inside idle-sleep, corrupt and non-wear stretches cannot start a bout.

    Parameters
    ----------
    recording : AccelRecording
        The recording (acceleration in g).
    gravity_window_s : float, optional
        Running-median window that estimates gravity and posture (4 s): long enough
        that the slow foot rotation of a 0.5-2 s leg movement is kept whole (longer
        ones keep their edges), short enough that a change of posture shows as a few
        seconds of activity only.
    onset_g, offset_g : float, optional
        Onset and offset levels above the resting level in g (30 mg, 10 mg). No
        published standard exists for accelerometer leg-movement scoring; these
        defaults sit 3-6 times above the noise of current MEMS sensors (about 5 mg)
        and were checked against simulated nights (see the test suite).
    offset_min_s, min_duration_s : float, optional
        Quiet time that ends a bout and minimum bout duration in seconds (0.5 s, as
        for EMG in WASM 2016).
    resolution_s : float, optional
        Envelope block length in seconds.
    smooth_s : float, optional
        Moving-average smoothing of the envelope in seconds.
    min_fs : float, optional
        Lowest accepted sampling rate in Hz (10 Hz resolves 0.5-s bouts).

    Returns
    -------
    LegMovements
        Bouts with onset/offset in seconds from the first sample; ``side`` is
        ``"leg"``; amplitude is the peak dynamic acceleration above rest in g.

    Raises
    ------
    SamplingRateTooLowError
        ``recording.fs`` is below ``min_fs``.

    References
    ----------
    Ferri R, et al. WASM 2016 standards for recording and scoring leg movements in
    polysomnograms. Sleep Med 2016;26:86-95. doi:10.1016/j.sleep.2016.10.010
    (onset/offset logic, applied here to acceleration).
    """
    movements, _, _ = _accel_pass(
        recording,
        gravity_window_s=gravity_window_s,
        onset_g=onset_g,
        offset_g=offset_g,
        offset_min_s=offset_min_s,
        min_duration_s=min_duration_s,
        resolution_s=resolution_s,
        smooth_s=smooth_s,
        min_fs=min_fs,
    )
    return movements


def _accel_pass(
    recording: AccelRecording,
    *,
    gravity_window_s: float,
    onset_g: float,
    offset_g: float,
    offset_min_s: float,
    min_duration_s: float,
    resolution_s: float,
    smooth_s: float,
    min_fs: float,
) -> tuple[LegMovements, np.ndarray, np.ndarray]:
    """Detection plus the envelope above rest and its block times (for figures)."""
    fs = recording.fs
    if fs < min_fs:
        raise SamplingRateTooLowError(
            f"The accelerometer was sampled at {fs:g} Hz; movement-bout detection needs at "
            f"least {min_fs:g} Hz. Set the device to 30 Hz or more for the next night."
        )
    env, block = activity_envelope(
        recording.accel, fs, gravity_window_s=gravity_window_s, resolution_s=resolution_s
    )
    block_time = recording.time[: env.size * block : block]
    return movements_from_envelope(
        env,
        block_time,
        fs / block,
        recording.stretches,
        onset_g=onset_g,
        offset_g=offset_g,
        offset_min_s=offset_min_s,
        min_duration_s=min_duration_s,
        smooth_s=smooth_s,
    )


def movements_from_envelope(
    env: np.ndarray,
    block_time: np.ndarray,
    env_fs: float,
    stretches: list[Stretch],
    *,
    onset_g: float,
    offset_g: float,
    offset_min_s: float,
    min_duration_s: float,
    smooth_s: float,
) -> tuple[LegMovements, np.ndarray, np.ndarray]:
    """Bouts from an activity envelope (the second half of accelerometer detection).

    Parameters
    ----------
    env : ndarray, shape (M,)
        Output of :func:`activity_envelope`, possibly joined from chunks.
    block_time : ndarray, shape (M,)
        Seconds from the first sample at the start of each envelope block.
    env_fs : float
        Nominal envelope rate in Hz.
    stretches : list of Stretch
        Stretches in which no bout may start.
    onset_g, offset_g, offset_min_s, min_duration_s, smooth_s : float
        As for :func:`detect_accel_movements`.

    Returns
    -------
    movements : LegMovements
    excess : ndarray
        Envelope above the resting level.
    block_time : ndarray
        As given.
    """
    smooth = moving_mean(env, max(1, round(smooth_s * env_fs)))
    excess = (smooth - resting_baseline(smooth, env_fs)).astype(np.float32)
    del smooth
    for s in stretches:
        if s.kind in {"idle", "corrupt", "nonwear"}:
            i0, i1 = np.searchsorted(block_time, [s.start, s.end])
            excess[i0:i1] = 0.0
    onset_b, offset_b, peak = hysteresis_events(
        excess,
        env_fs,
        onset_level=onset_g,
        offset_level=offset_g,
        offset_min_s=offset_min_s,
        min_duration_s=min_duration_s,
    )
    # Map block indices back to recording time, so that gaps are respected.
    on_idx = np.round(onset_b * env_fs).astype(np.int64)
    off_idx = np.round(offset_b * env_fs).astype(np.int64)
    step = 1.0 / env_fs
    t_end = np.append(block_time, block_time[-1] + step) if block_time.size else block_time
    onset = t_end[on_idx] if on_idx.size else np.empty(0)
    offset = t_end[off_idx] if off_idx.size else np.empty(0)
    keep = (offset - onset) >= min_duration_s - 1e-9
    movements = LegMovements(
        onset[keep], offset[keep], np.full(int(keep.sum()), "leg", dtype="<U5"), peak[keep]
    )
    return movements, excess, block_time
