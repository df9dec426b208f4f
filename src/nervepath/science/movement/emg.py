# SPDX-License-Identifier: AGPL-3.0-or-later
"""Leg movements in tibialis anterior EMG (WASM 2016 / AASM 2012 amplitude rules)."""

from __future__ import annotations

import numpy as np

from nervepath.science.movement.errors import SamplingRateTooLowError
from nervepath.science.movement.events import (
    LegMovements,
    mask_events,
    median,
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
    return _envelope(np.asarray(emg), fs, None, highpass_hz=highpass_hz, resolution_s=resolution_s)


def _envelope(
    x: np.ndarray,
    fs: float,
    hum: _MainsFit | None,
    *,
    highpass_hz: float,
    resolution_s: float,
) -> tuple[np.ndarray, float]:
    """:func:`emg_envelope` of ``x`` with the fitted hum ``hum`` subtracted on the way.

    One pass over the signal in cache-sized segments, in float32: each segment (with
    the high-pass's reach on either side) has its hum subtracted, is high-passed,
    rectified and averaged into envelope blocks, so no night-long copy of the signal
    is made.
    """
    block = max(1, round(resolution_s * fs))
    width = max(2, round(0.443 * fs / highpass_hz))
    half = width // 2
    n = x.size
    m = n // block
    env = np.empty(m, dtype=np.float32)
    inv_width = np.float32(1.0 / width)
    # The moving mean of sample i is the mean of x[i - half : i - half + width], with
    # the first/last value repeated at the edges.
    seg_blocks = max(1, (1 << 16) // block)
    for b0 in range(0, m, seg_blocks):
        b1 = min(m, b0 + seg_blocks)
        s0, s1 = b0 * block, b1 * block
        lo, hi = s0 - half, s1 - half + width - 1
        a, b = max(lo, 0), min(hi, n)
        if hum is not None:
            y = np.subtract(x[a:b], hum.model(a, b), dtype=np.float32)
        else:
            y = np.asarray(x[a:b], dtype=np.float32)
        if lo < 0 or hi > n:
            y = np.pad(y, (a - lo, hi - b), mode="edge")
        hp = _window_sums(y, width)
        hp *= -inv_width
        hp += y[half : half + s1 - s0]
        np.abs(hp, out=hp)
        env[b0:b1] = _block_mean(hp.reshape(-1, block))
    return env, fs / block


def _block_mean(rows: np.ndarray) -> np.ndarray:
    """``rows.mean(axis=1)`` for short rows, column by column (NumPy's reduction over a
    short inner axis is several times slower); the values agree with NumPy's to
    rounding (float32: within a few units in the last place)."""
    n = rows.shape[1]
    if n == 1:
        return rows[:, 0].copy()
    if n > 128:
        return rows.mean(axis=1)
    total = rows[:, 0] + rows[:, 1]
    for j in range(2, n):
        total += rows[:, j]
    total /= rows.dtype.type(n)
    return total


def _window_sums(
    a: np.ndarray, w: int, *, out: np.ndarray | None = None, chunk: int = 1 << 16
) -> np.ndarray:
    """Sums of ``w`` consecutive values of ``a`` (``a.size - w + 1`` of them), in ``a``'s
    dtype.

    By doubling rather than a running sum: sums of pairs, of fours, of eights and so
    on, combined along the binary digits of ``w``, so each sum costs about
    ``2 log2 w`` vector additions, done in cache-sized pieces. A cumulative sum is a
    sequential loop that NumPy does not vectorise (several times slower), and in
    float32 it would lose precision over a night; here each sum adds only its own
    ``w`` values. An integer dtype must hold ``w`` times the largest value. ``out``,
    if given, receives the sums.
    """
    n_out = max(0, a.size - w + 1)
    if out is None:
        out = np.empty(n_out, dtype=a.dtype)
    for c0 in range(0, n_out, chunk):
        c1 = min(n_out, c0 + chunk)
        p = a[c0 : c1 + w - 1]
        size, rem, off = 1, w, 0
        pending = None  # the first term waits for a second, so the two are added at once
        while True:
            if rem & 1:
                seg = p[off : off + c1 - c0]
                if pending is None and rem > 1:
                    pending = seg
                elif pending is None:
                    out[c0:c1] = seg
                elif pending is not out:
                    np.add(pending, seg, out=out[c0:c1])
                    pending = out
                else:
                    out[c0:c1] += seg
                off += size
            rem >>= 1
            if not rem:
                break
            p = p[:-size] + p[size:]
            size *= 2
    return out


def _moving_mean32(x: np.ndarray, k: int) -> np.ndarray:
    """Centred moving mean over ``k`` samples in float32; the edges use the samples
    available (as :func:`~nervepath.science.movement.events.moving_mean`, to float32
    rounding)."""
    x = np.asarray(x, dtype=np.float32)
    n = x.size
    if k <= 1 or n == 0:
        return x.copy()
    half = k // 2
    out = np.empty(n, dtype=np.float32)
    # Full windows: sample i averages x[i - half : i - half + k].
    inner = out[half : n - (k - 1 - half)] if n >= k else out[:0]
    _window_sums(x, k, out=inner)
    inner /= np.float32(k)
    # Windows cut by the start or the end hold fewer samples.
    edge = np.r_[0 : min(half, n), max(n - (k - 1 - half), half if n >= k else 0) : n]
    lo = np.maximum(edge - half, 0)
    hi = np.minimum(edge - half + k, n)
    out[edge] = [
        x[a:b].sum(dtype=np.float32) / np.float32(b - a) for a, b in zip(lo, hi, strict=True)
    ]
    return out


def _exceeds_counts(hit: np.ndarray, ks: tuple[int, ...]) -> list[np.ndarray]:
    """For each odd ``k`` in ``ks``: whether more than half of the ``k``-sample window
    centred on each sample is ``hit`` (edges repeat the first and last value), i.e.
    whether the running median of what ``hit`` thresholds is above the threshold.
    See :func:`~nervepath.science.movement.events.running_median_exceeds`."""
    n = hit.size
    big = max(ks) // 2
    dtype = np.uint8 if max(ks) < 256 else np.uint16 if max(ks) < 65536 else np.int32
    padded = np.empty(n + 2 * big, dtype=dtype)
    padded[:big] = hit[0]
    padded[big : big + n] = hit
    padded[big + n :] = hit[-1]
    out = []
    for k in ks:
        half = k // 2
        if k == 1:
            out.append(hit.copy())
            continue
        counts = _window_sums(padded[big - half : big + n + half], k)
        out.append(counts > half)
    return out


class _MainsFit:
    """Hum fitted per block (see :func:`remove_mains`): sine/cosine templates of one
    block and their coefficients per block; the last row serves the partial block at
    the end."""

    def __init__(self, block: int, templates: np.ndarray, coefs: np.ndarray) -> None:
        self.block = block
        self.templates = templates  # (2F, block) float32
        self.coefs = coefs  # (m + 1, 2F) float32

    def model(self, a: int, b: int) -> np.ndarray:
        """The fitted hum of samples ``a`` to ``b`` (float32)."""
        j0, j1 = a // self.block, (b - 1) // self.block + 1
        rows = self.coefs[j0:j1] @ self.templates
        return rows.ravel()[a - j0 * self.block : b - j0 * self.block]


def _fit_mains(
    x: np.ndarray,
    fs: float,
    *,
    mains_hz: tuple[float, ...],
    block_s: float,
    min_amplitude_uv: float,
    loud_ratio: float,
) -> tuple[_MainsFit | None, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """The hum fit of float32 ``x``; the largest fitted amplitude per block (µV); and
    each block's maximum and minimum (for the signal-quality grade)."""
    block = max(4, round(block_s * fs))
    m = x.size // block
    if m == 0:
        return None, np.zeros(0), None
    xb = x[: m * block].reshape(m, block)
    k = np.arange(block)
    templates = []
    for f in mains_hz:
        if f >= fs / 2:
            continue
        w = 2 * np.pi * f / fs
        # sin/cos with the phase reset each block, so one block's templates serve all.
        s, c = np.sin(w * k).astype(np.float32), np.cos(w * k).astype(np.float32)
        ss, cc, sc = float(s @ s), float(c @ c), float(s @ c)
        if ss * cc - sc * sc <= 1e-9 * block * block:
            continue
        templates += [s, c]
    # One pass over the signal in cache-sized groups of blocks: each block's extremes,
    # then the block centred on its mid-range, its projections on the templates and
    # its sum (one matrix product), and its sum of squares. Centring keeps the
    # residual power below, a small difference of large terms where the signal sits
    # far from zero (a clipped stretch), accurate in float32.
    top, bottom = np.empty(m, dtype=np.float32), np.empty(m, dtype=np.float32)
    basis = np.stack([*templates, np.ones(block, dtype=np.float32)], axis=1)
    proj = np.empty((m, basis.shape[1]), dtype=np.float32)
    sumsq = np.empty(m, dtype=np.float32)
    step = max(1, (1 << 16) // block)
    for r0 in range(0, m, step):
        r1 = min(m, r0 + step)
        rows = xb[r0:r1]
        np.max(rows, axis=1, out=top[r0:r1])
        np.min(rows, axis=1, out=bottom[r0:r1])
        centred = rows - ((top[r0:r1] + bottom[r0:r1]) / np.float32(2))[:, None]
        np.matmul(centred, basis, out=proj[r0:r1])
        np.einsum("ij,ij->i", centred, centred, out=sumsq[r0:r1])
    extremes = (top, bottom)
    if not templates:
        return None, np.zeros(m), extremes
    mid = (top + bottom) / np.float32(2)
    mean = proj[:, -1].astype(np.float64) / block
    power = sumsq.astype(np.float64) / block - np.square(mean)
    # Back from the centred block to the signal: each projection gains the mid-range
    # times the template's sum.
    projections = proj[:, :-1].astype(np.float64) + np.outer(
        mid, basis[:, :-1].sum(axis=0, dtype=np.float64)
    )
    fits = []
    for i in range(0, len(templates), 2):
        s, c = templates[i], templates[i + 1]
        ss, cc, sc = float(s @ s), float(c @ c), float(s @ c)
        det = ss * cc - sc * sc
        ps, pc = projections[:, i], projections[:, i + 1]
        fits.append(((cc * ps - sc * pc) / det, (ss * pc - sc * ps) / det))
    # Residual power of each block once its own fits are removed.
    for a, b in fits:
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
    coefs = np.zeros((m + 1, len(templates)), dtype=np.float32)
    for i, (a, b) in enumerate(fits):
        # The last partial block takes the last block's own fit, phase continued.
        if np.hypot(a[-1], b[-1]) >= min_amplitude_uv:
            coefs[m, 2 * i], coefs[m, 2 * i + 1] = a[-1], b[-1]
        if quiet.any() and not quiet.all():
            a = np.interp(idx, idx[quiet], a[quiet])
            b = np.interp(idx, idx[quiet], b[quiet])
        amp = np.hypot(a, b)
        np.maximum(hum, amp, out=hum)
        big = amp >= min_amplitude_uv
        coefs[:m, 2 * i] = np.where(big, a, 0.0)
        coefs[:m, 2 * i + 1] = np.where(big, b, 0.0)
    return _MainsFit(block, np.stack(templates), coefs), hum, extremes


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

    The detector itself subtracts the fitted hum segment by segment while it builds
    the envelope (no copy of the night is made); this function returns the cleaned
    signal whole.

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
    x = np.array(emg, dtype=np.float32)
    fit, _, _ = _fit_mains(
        x,
        fs,
        mains_hz=mains_hz,
        block_s=block_s,
        min_amplitude_uv=min_amplitude_uv,
        loud_ratio=loud_ratio,
    )
    if fit is not None:
        step = max(1, (1 << 16) // fit.block) * fit.block
        for a in range(0, x.size, step):
            b = min(x.size, a + step)
            x[a:b] -= fit.model(a, b)
    return x


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
    dtype: type = np.float64,
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
    dtype : type, optional
        float64 (the default) or float32: the same baseline, computed in float64 and
        rounded once, without a night-long float64 array.

    Returns
    -------
    ndarray, shape (M,)
        Baseline in µV.
    """
    block = max(1, round(block_s * env_fs))
    m = envelope.size
    nb = max(1, m // block)
    if m < block:
        return np.full(m, quantile(envelope, percentile) if m else 0.0, dtype=dtype)
    levels = quantile(envelope[: nb * block].reshape(nb, block), percentile, axis=1)
    if nb >= 5:
        padded = np.pad(levels, 2, mode="edge")
        levels = median(np.lib.stride_tricks.sliding_window_view(padded, 5), axis=1)
    centres = (np.arange(nb) + 0.5) * block
    if nb < 2 or not np.isfinite(levels).all():
        return np.interp(np.arange(m), centres, levels).astype(dtype, copy=False)
    # Block centres fall on whole samples (even blocks) or halfway between two (odd):
    # interpolate segment by segment with np.interp's own arithmetic (the slope times
    # the distance from the left centre, plus its level; every term exact up to the
    # one product and sum np.interp rounds too), without a binary search per sample.
    levels = np.asarray(levels)
    first, last = -(-block // 2), int(np.ceil(centres[-1]))
    slope = np.diff(levels) / np.diff(centres)
    out: np.ndarray = np.empty(m, dtype=dtype)
    out[:first] = levels[0]
    step = np.arange(block, dtype=np.float64) + (first - block / 2)
    between = out[first:last].reshape(nb - 1, block)
    if out.dtype == np.float64:
        np.multiply(slope[:, None], step, out=between)
        between += levels[:-1, None]
    else:
        # In float64 a few rows at a time, rounded once on the way out.
        rows = max(1, (1 << 15) // block)
        for r0 in range(0, nb - 1, rows):
            r1 = min(nb - 1, r0 + rows)
            between[r0:r1] = slope[r0:r1, None] * step + levels[r0:r1, None]
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
    """The samples of runs of True in ``mask`` shorter than ``min_len``.

    A sample is in a run of ``min_len`` or more exactly when some window of
    ``min_len`` samples around it is all True: an erosion then a dilation by
    ``min_len`` (moving counts) keeps the long runs, and the rest are short.
    """
    n = mask.size
    if n == 0 or min_len <= 1:
        return np.zeros(n, dtype=bool)
    if n < min_len:
        return np.asarray(mask, dtype=bool).copy()
    dtype = np.uint8 if min_len < 256 else np.uint16 if min_len < 65536 else np.int32
    full = _window_sums(mask.astype(dtype), min_len) == min_len
    padded = np.zeros(n + min_len - 1, dtype=dtype)
    padded[min_len - 1 : min_len - 1 + full.size] = full
    del full
    long_runs = _window_sums(padded, min_len) > 0
    return mask & ~long_runs


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
    raw = np.asarray(emg)
    x = raw if raw.dtype == np.float32 else raw.astype(np.float32)
    fit, hum, extremes = None, np.zeros(0), None
    if p["remove_mains"]:
        fit, hum, extremes = _fit_mains(
            x,
            fs,
            mains_hz=(50.0, 60.0),
            block_s=p["mains_block_s"],
            min_amplitude_uv=0.5,
            loud_ratio=1.5,
        )
    env, env_fs = _envelope(
        x, fs, fit, highpass_hz=p["highpass_hz"], resolution_s=p["resolution_s"]
    )
    del x
    k = _odd(round(p["median_s"] * env_fs))
    # The resting level from the envelope averaged over the median's window (the
    # mean and median of rest agree to a fraction of a µV there; averaging is cheap).
    smooth = _moving_mean32(env, k)
    base = resting_baseline(
        smooth,
        env_fs,
        block_s=p["baseline_block_s"],
        percentile=p["baseline_percentile"],
        dtype=np.float32,
    )
    # The quality grade may reuse the hum blocks' extremes when they are its 1-s
    # blocks of the raw signal.
    same_blocks = max(4, round(p["mains_block_s"] * fs)) == max(1, round(fs))
    quality = grade_emg_epochs(
        raw,
        fs,
        block_envelope=env,
        median_envelope=smooth,
        resting=base,
        env_fs=env_fs,
        hum_uv=hum,
        hum_block_s=p["mains_block_s"],
        block_extremes=extremes if same_blocks and raw.dtype == np.float32 else None,
    )
    # Rules on the running median of the envelope above rest, decided exactly by
    # counting (no median is computed): the median of an odd window is above a level
    # exactly when more than half of the window is.
    rel = env
    rel -= base
    del env
    k_off = _odd(round(max(p["offset_median_s"], p["median_s"]) * env_fs))
    (above,) = _exceeds_counts(rel >= p["onset_uv"], (k,))
    if p["burst_max_s"] > 0:
        active, loud = _exceeds_counts(rel > p["offset_uv"], (k, k_off))
        short = _short_runs(active, round(p["burst_max_s"] * env_fs - 1e-9))
        above &= ~short
        quiet = ~loud
        quiet |= short
        del active, short, loud
    else:
        (loud,) = _exceeds_counts(rel > p["offset_uv"], (k_off,))
        quiet = ~loud
    del rel
    on_idx, off_idx = mask_events(
        above,
        quiet,
        env_fs,
        offset_min_s=p["offset_min_s"],
        min_duration_s=p["min_duration_s"],
    )
    excess = smooth
    excess -= base
    del smooth, base
    peak = np.array(
        [excess[a:b].max() for a, b in zip(on_idx, off_idx, strict=True)], dtype=np.float64
    )
    onset, offset = on_idx / env_fs, off_idx / env_fs
    movements = LegMovements(onset, offset, np.full(onset.size, side, dtype="<U5"), peak)
    return movements, excess, env_fs, quality
