# SPDX-License-Identifier: AGPL-3.0-or-later
"""Leg movements in tibialis anterior EMG (WASM 2016 / AASM 2012 amplitude rules)."""

from __future__ import annotations

import numpy as np

from nervepath.science.movement.errors import SamplingRateTooLowError
from nervepath.science.movement.events import (
    LegMovements,
    mask_events,
    median,
    moving_mean,
    running_median_exceeds,
)
from nervepath.science.movement.events import percentile as quantile
from nervepath.science.movement.quality import EpochQuality, grade_emg_epochs

__all__ = [
    "EMG_DEFAULTS",
    "detect_emg_movements",
    "emg_envelope",
    "emg_settings",
    "median_envelope",
    "remove_mains",
    "resting_baseline",
]


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
    x = np.asarray(emg)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
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
        np.cumsum(xs, out=c[1:], dtype=np.float64)
        hp = c[width:] - c[:-width]
        hp *= -1.0 / width
        hp += x[s0:s1]
        np.abs(hp, out=hp)
        env[b0:b1] = _block_mean(hp.reshape(-1, block))
    return env, fs / block


def _block_mean(rows: np.ndarray) -> np.ndarray:
    """``rows.mean(axis=1)`` for short float64 rows, bit for bit, without NumPy's slow
    reduction over a short inner axis.

    NumPy sums a contiguous row of fewer than 8 values left to right, and a row of 8 to
    128 values in eight interleaved partial sums that are then added pairwise
    (``pairwise_sum`` in NumPy's ``loops_utils.h``); the sums below follow the same
    order over whole columns, so every block mean is the same double as NumPy's.
    """
    n = rows.shape[1]
    if n == 1:
        return rows[:, 0].copy()
    if n > 128:
        return rows.mean(axis=1)
    if n < 8:
        total = rows[:, 0] + rows[:, 1]
        for j in range(2, n):
            total += rows[:, j]
    else:
        acc = [rows[:, j].copy() for j in range(8)]
        i = 8
        while i + 8 <= n:
            for j in range(8):
                acc[j] += rows[:, i + j]
            i += 8
        total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
        for j in range(i, n):
            total += rows[:, j]
    total /= n
    return total


def remove_mains(
    emg: np.ndarray,
    fs: float,
    *,
    mains_hz: tuple[float, ...] = (50.0, 60.0),
    block_s: float = 1.0,
    min_amplitude_uv: float = 0.5,
    loud_ratio: float = 1.5,
) -> np.ndarray:
    """Subtract mains hum, fitted as a sinusoid per block.

    In every ``block_s`` block the least-squares sine and cosine at each mains
    frequency are fitted and subtracted, so a hum whose amplitude or phase wanders
    through the night is followed block by block. A block holding a movement or an
    artefact burst would lend its own power at that frequency to the fit and spread
    it over the whole block, so a loud block (residual RMS above ``loud_ratio`` times
    the running median of its neighbours) takes its hum from the nearest quiet blocks
    instead. Fits below ``min_amplitude_uv`` are left alone, and a frequency at or
    above half the sampling rate is skipped. This stands in for the 50/60 Hz notch
    filter of the AASM technical specification (Berry 2012): it does not ring after a
    burst.

    Parameters
    ----------
    emg : ndarray, shape (N,)
        EMG in µV (not changed).
    fs : float
        Sampling rate in Hz.
    mains_hz : tuple of float, optional
        Mains frequencies to remove (50 Hz and 60 Hz).
    block_s : float, optional
        Block length in seconds.
    min_amplitude_uv : float, optional
        Smallest fitted amplitude that is subtracted, µV.
    loud_ratio : float, optional
        Residual RMS, relative to the neighbours' median, above which a block's own
        fit is not used.

    Returns
    -------
    ndarray, shape (N,)
        A float32 copy without the hum.
    """
    return _remove_mains(
        emg,
        fs,
        mains_hz=mains_hz,
        block_s=block_s,
        min_amplitude_uv=min_amplitude_uv,
        loud_ratio=loud_ratio,
    )[0]


def _remove_mains(
    emg: np.ndarray,
    fs: float,
    *,
    mains_hz: tuple[float, ...],
    block_s: float,
    min_amplitude_uv: float,
    loud_ratio: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`remove_mains`, plus the largest fitted hum amplitude per block (µV)."""
    x = np.array(emg, dtype=np.float32)
    block = max(4, round(block_s * fs))
    m = x.size // block
    if m == 0:
        return x, np.zeros(0)
    xb = x[: m * block].reshape(m, block)
    k = np.arange(block)
    fits = []
    for f in mains_hz:
        if f >= fs / 2:
            continue
        w = 2 * np.pi * f / fs
        # sin/cos with the phase reset each block, so one block's templates serve all.
        s, c = np.sin(w * k).astype(np.float32), np.cos(w * k).astype(np.float32)
        ss, cc, sc = float(s @ s), float(c @ c), float(s @ c)
        det = ss * cc - sc * sc
        if det <= 1e-9 * block * block:
            continue
        ps, pc = (xb @ s).astype(np.float64), (xb @ c).astype(np.float64)
        a = (cc * ps - sc * pc) / det
        b = (ss * pc - sc * ps) / det
        fits.append((s, c, a, b))
    if not fits:
        return x, np.zeros(m)
    # Residual power of each block once its own fits are removed.
    power = np.einsum("ij,ij->i", xb, xb, dtype=np.float64) / block - np.square(
        xb.mean(axis=1, dtype=np.float64)
    )
    for _s, _c, a, b in fits:
        power -= (a * a + b * b) / 2
    rms = np.sqrt(np.maximum(power, 0.0))
    if m >= 3:
        width = min(31, m | 1)
        padded = np.pad(rms, width // 2, mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, width)
        typical = median(windows, axis=1)
        quiet = rms <= loud_ratio * typical
    else:
        quiet = np.ones(m, dtype=bool)
    idx = np.arange(m)
    hum = np.zeros(m)
    coefs = []
    for s, c, a, b in fits:
        if quiet.any() and not quiet.all():
            a = np.interp(idx, idx[quiet], a[quiet])
            b = np.interp(idx, idx[quiet], b[quiet])
        amp = np.hypot(a, b)
        np.maximum(hum, amp, out=hum)
        big = amp >= min_amplitude_uv
        coefs.append(
            (
                s,
                c,
                np.where(big, a, 0.0).astype(np.float32),
                np.where(big, b, 0.0).astype(np.float32),
            )
        )
    # Subtract in chunks of blocks that stay in cache (no night-long temporaries).
    step = max(1, (1 << 16) // block)
    for r0 in range(0, m, step):
        r1 = min(m, r0 + step)
        model = np.zeros((r1 - r0, block), dtype=np.float32)
        for s, c, a, b in coefs:
            if a[r0:r1].any() or b[r0:r1].any():
                model += a[r0:r1, None] * s
                model += b[r0:r1, None] * c
        xb[r0:r1] -= model
    tail = x.size - m * block
    if tail:  # the last partial block takes the last block's hum, phase continued
        for s, c, a, b in fits:
            a_last, b_last = float(np.atleast_1d(a)[-1]), float(np.atleast_1d(b)[-1])
            if np.hypot(a_last, b_last) >= min_amplitude_uv:
                x[m * block :] -= a_last * s[:tail] + b_last * c[:tail]
    return x, hum


def median_envelope(envelope: np.ndarray, env_fs: float, *, median_s: float) -> np.ndarray:
    """Running median of the block envelope over ``median_s`` seconds.

    A running median keeps the edges of a movement where they are, and takes out
    whatever covers less than half its window: QRS complexes (about 0.1 s), single
    motor-unit spikes and twitches. Amplitude thresholds are then applied to it as
    WASM 2016 applies them to the rectified EMG.
    """
    k = max(1, round(median_s * env_fs))
    if k <= 1 or envelope.size == 0:
        return envelope.astype(np.float64, copy=False)
    if k % 2 == 0:
        k += 1
    from scipy.ndimage import median_filter

    return median_filter(envelope, size=k, mode="nearest").astype(np.float64, copy=False)


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
        return np.full(m, quantile(envelope, percentile) if m else 0.0)
    levels = quantile(envelope[: nb * block].reshape(nb, block), percentile, axis=1)
    if nb >= 5:
        padded = np.pad(levels, 2, mode="edge")
        levels = median(np.lib.stride_tricks.sliding_window_view(padded, 5), axis=1)
    centres = (np.arange(nb) + 0.5) * block
    if nb < 2 or not np.isfinite(levels).all():
        return np.interp(np.arange(m), centres, levels)
    # Block centres fall on whole samples (even blocks) or halfway between two (odd):
    # interpolate segment by segment with np.interp's own arithmetic (the slope times
    # the distance from the left centre, plus its level; every term exact up to the
    # one product and sum np.interp rounds too), without a binary search per sample.
    levels = np.asarray(levels)
    first, last = -(-block // 2), int(np.ceil(centres[-1]))
    slope = np.diff(levels) / np.diff(centres)
    out = np.empty(m)
    out[:first] = levels[0]
    step = np.arange(block, dtype=np.float64) + (first - block / 2)
    between = out[first:last].reshape(nb - 1, block)
    np.multiply(slope[:, None], step, out=between)
    between += levels[:-1, None]
    out[last:] = levels[-1]
    return out


#: Detector settings, each with its source. Amplitudes are of the rectified EMG.
EMG_DEFAULTS: dict[str, float] = {
    # WASM 2016 (Ferri 2016) and AASM 2012 (Berry 2012): onset 8 µV above the resting
    # EMG; offset at the start of 0.5 s within 2 µV of it; movements of 0.5 s or more.
    "onset_uv": 8.0,
    "offset_uv": 2.0,
    "offset_min_s": 0.5,
    "min_duration_s": 0.5,
    # WASM 2016: leg EMG high-passed at 10 Hz (AASM 2012 technical specification).
    "highpass_hz": 10.0,
    # Time resolution of onsets and offsets (10 ms).
    "resolution_s": 0.01,
    # Running median of the rectified EMG: longer than a QRS complex (about 0.1 s,
    # Kligfield 2007) and than single motor-unit discharges, so they do not form or
    # lengthen movements, and short enough to keep the 0.5-s rules (WASM 2016) exact
    # to a few centiseconds. With 2-6 µV RMS resting noise it brings the spread of the
    # resting envelope under 1 µV, so the 2-µV offset rule can be met (Ferri 2005
    # uses a comparable noise-reducing envelope in its computer scoring).
    "median_s": 0.3,
    # The offset rule (0.5 s within 2 µV of rest) is applied to a running median this
    # long: it is the WASM quiet period itself, so activity shorter than half of it
    # (a noise peak, a twitch) cannot hold a movement open, and a burst shorter than
    # 0.5 s keeps its own length and is dropped by the minimum duration.
    "offset_median_s": 0.5,
    # Activity above the offset level lasting less than this is an artefact burst
    # (sub-0.5-s spike trains, twitches) and is set to rest before the onset/offset
    # rule runs, so two such bursts close together cannot merge into one movement:
    # WASM 2016's minimum leg-movement duration, applied to each burst first.
    "burst_max_s": 0.5,
    # Resting level: this percentile of the envelope in blocks of this length,
    # smoothed over five blocks, so it follows the noise through the night.
    "baseline_block_s": 10.0,
    "baseline_percentile": 30.0,
    # 1 to fit and subtract mains hum (below), 0 to leave it (for comparisons).
    "remove_mains": 1.0,
    # Mains hum fitted per block at 50 and 60 Hz and subtracted (Berry 2012 asks for
    # a notch filter where hum is present).
    "mains_block_s": 1.0,
    # AASM 2012: at least 200 Hz; 100 Hz is the least that keeps the 10-Hz high-pass
    # and the EMG power band.
    "min_fs": 100.0,
}


def detect_emg_movements(
    emg: np.ndarray,
    fs: float,
    *,
    side: str = "leg",
    **settings: float,
) -> LegMovements:
    """Detect monolateral leg movements in one tibialis anterior EMG channel.

    The steps, in order:

    1. mains hum fitted and subtracted block by block (:func:`remove_mains`);
    2. high-pass at 10 Hz, rectified, averaged in 10-ms blocks (:func:`emg_envelope`);
    3. a 0.15-s running median of that envelope (:func:`median_envelope`), which
       keeps movement edges and removes QRS complexes, spikes and twitches;
    4. the resting level, tracked through the night (:func:`resting_baseline`);
    5. the WASM 2016 amplitude rule on the median envelope above the resting level: a
       leg movement starts where it rises 8 µV above rest and ends at the start of a
       period of at least 0.5 s within 2 µV of rest; movements shorter than 0.5 s
       (artefact bursts) are dropped before legs are merged.

    Candidate rules (maximum duration, bilateral merging) are applied later by
    :func:`nervepath.science.movement.candidates.candidate_movements`.

    Parameters
    ----------
    emg : ndarray, shape (N,)
        EMG in µV.
    fs : float
        Sampling rate in Hz.
    side : str, optional
        ``"left"``, ``"right"`` or ``"leg"``.
    **settings
        Any of :data:`EMG_DEFAULTS` (e.g. ``onset_uv=8.0``, ``median_s=0.15``).

    Returns
    -------
    LegMovements

    Raises
    ------
    SamplingRateTooLowError
        ``fs`` is below ``min_fs``.
    TypeError
        An unknown setting.

    References
    ----------
    Ferri R, et al. World Association of Sleep Medicine (WASM) 2016 standards for
    recording and scoring leg movements in polysomnograms. Sleep Med 2016;26:86-95.
    doi:10.1016/j.sleep.2016.10.010

    Berry RB, et al. The AASM Manual for the Scoring of Sleep and Associated Events,
    version 2.0. Darien, IL: American Academy of Sleep Medicine; 2012.

    Ferri R, et al. Computer-assisted detection of nocturnal leg motor activity in
    patients with restless legs syndrome and periodic leg movements during sleep.
    Sleep 2005;28:998-1004. doi:10.1093/sleep/28.8.998

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
    movements, _, _, _ = _emg_pass(emg, fs, side=side, **settings)
    return movements


def emg_settings(settings: dict[str, float]) -> dict[str, float]:
    """The defaults with ``settings`` applied; unknown names raise TypeError."""
    unknown = set(settings) - set(EMG_DEFAULTS)
    if unknown:
        raise TypeError(f"Unknown EMG detector settings: {', '.join(sorted(unknown))}")
    return {**EMG_DEFAULTS, **settings}


def _odd(k: int) -> int:
    k = max(1, int(k))
    return k if k % 2 else k + 1


def _short_runs(mask: np.ndarray, min_len: int) -> np.ndarray:
    """The samples of runs of True in ``mask`` shorter than ``min_len``."""
    n = mask.size
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    padded = np.zeros(n + 2, dtype=np.int8)
    padded[1:-1] = mask
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    short = (ends - starts) < min_len
    marks = np.zeros(n + 1, dtype=np.int32)
    np.add.at(marks, starts[short], 1)
    np.add.at(marks, ends[short], -1)
    return np.cumsum(marks[:-1]) > 0


def _emg_pass(
    emg: np.ndarray, fs: float, *, side: str, **settings: float
) -> tuple[LegMovements, np.ndarray, float, EpochQuality]:
    """Detection, the envelope above baseline and its rate (for figures), and the
    channel's signal quality per 30-s epoch."""
    p = emg_settings(settings)
    if fs < p["min_fs"]:
        raise SamplingRateTooLowError(
            f"The {side} leg EMG is sampled at {fs:g} Hz; leg-movement scoring needs at "
            f"least {p['min_fs']:g} Hz (AASM asks for 200 Hz or more). Export the EMG at "
            "its original rate."
        )
    if not p["remove_mains"]:
        clean, hum = np.asarray(emg, dtype=np.float32), np.zeros(0)
    else:
        clean, hum = _remove_mains(
            emg,
            fs,
            mains_hz=(50.0, 60.0),
            block_s=p["mains_block_s"],
            min_amplitude_uv=0.5,
            loud_ratio=1.5,
        )
    env, env_fs = emg_envelope(
        clean, fs, highpass_hz=p["highpass_hz"], resolution_s=p["resolution_s"]
    )
    del clean
    k = _odd(round(p["median_s"] * env_fs))
    # The resting level from the envelope averaged over the median's window (the
    # mean and median of rest agree to a fraction of a µV there; averaging is cheap).
    smooth = moving_mean(env, k)
    base = resting_baseline(
        smooth, env_fs, block_s=p["baseline_block_s"], percentile=p["baseline_percentile"]
    )
    quality = grade_emg_epochs(
        emg,
        fs,
        block_envelope=env,
        median_envelope=smooth,
        resting=base,
        env_fs=env_fs,
        hum_uv=hum,
        hum_block_s=p["mains_block_s"],
    )
    # Rules on the running median of the envelope above rest, decided exactly by
    # counting (events.running_median_exceeds): no median is computed.
    rel = env - base.astype(np.float32)
    del env
    above = running_median_exceeds(rel, p["onset_uv"], k, strict=False)
    k_off = _odd(round(max(p["offset_median_s"], p["median_s"]) * env_fs))
    quiet = ~running_median_exceeds(rel, p["offset_uv"], k_off, strict=True)
    if p["burst_max_s"] > 0:
        active = running_median_exceeds(rel, p["offset_uv"], k, strict=True)
        short = _short_runs(active, round(p["burst_max_s"] * env_fs - 1e-9))
        above &= ~short
        quiet |= short
        del active, short
    del rel
    on_idx, off_idx = mask_events(
        above,
        quiet,
        env_fs,
        offset_min_s=p["offset_min_s"],
        min_duration_s=p["min_duration_s"],
    )
    excess = smooth - base
    del smooth, base
    if on_idx.size:
        padded = np.append(excess, excess.min())
        peak = np.maximum.reduceat(padded, np.ravel(np.column_stack((on_idx, off_idx))))[::2]
    else:
        peak = np.empty(0)
    onset, offset = on_idx / env_fs, off_idx / env_fs
    movements = LegMovements(onset, offset, np.full(onset.size, side, dtype="<U5"), peak)
    return movements, excess, env_fs, quality
