# SPDX-License-Identifier: AGPL-3.0-or-later
"""The fast paths of the EMG detector against plain float64 references.

The detector works in float32 and replaces cumulative sums by sums of doubling width
(issue 15 §4). Where that changes numbers it is only in the last bits, and the
tolerances below say how many; where a path is meant to be exact (order statistics,
counts, masks, the resting level's interpolation) it is compared for equality. The
leg movements themselves must not move: on the nights at the end, the movements
(onset and offset to the microsecond, side) are the ones the float64 detector found
before this change.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from nervepath.science.movement.emg import (
    _block_mean,
    _envelope,
    _exceeds_counts,
    _fit_mains,
    _moving_mean32,
    _short_runs,
    _window_sums,
    detect_emg_movements,
    resting_baseline,
)
from nervepath.science.movement.events import median, moving_mean, running_median_exceeds
from nervepath.science.movement.events import percentile as quantile
from nervepath.science.movement.quality import grade_emg_epochs
from nervepath.science.movement.readers.edf import _TAL, _parse_tals

from .simulate import simulate_emg_night, simulate_hard_emg_night

#: float32 keeps 24 bits: a sample of up to 500 µV (the EDF range of the benchmark
#: nights) is held to 500 * 2**-24 = 3e-5 µV. The high-pass adds at most 44 such
#: samples (its width at 1 kHz), so its error stays under 44 * 3e-5 = 1.3e-3 µV even
#: if every rounding went the same way. 2e-3 µV is a thousandth of the 2-µV offset
#: margin of WASM 2016, the finest level the rules compare with.
ENVELOPE_ATOL_UV = 2e-3
#: Relative error of a float32 sum of up to a few hundred values (each addition
#: rounds by at most 2**-24 of the running sum; they partly cancel).
FLOAT32_RTOL = 2e-5


@pytest.mark.parametrize("width", [1, 2, 3, 4, 7, 8, 9, 10, 16, 20, 127, 128, 200])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_block_mean_is_numpys_mean_to_rounding(width: int, dtype: type) -> None:
    rows: np.ndarray = np.abs(np.random.default_rng(width).normal(0, 5, (997, width))).astype(dtype)
    got = _block_mean(rows)
    assert got.dtype == dtype
    rtol = 1e-14 if dtype == np.float64 else FLOAT32_RTOL
    np.testing.assert_allclose(got, rows.astype(np.float64).mean(axis=1), rtol=rtol)


@pytest.mark.parametrize("n", [1, 5, 70_000, 200_001])
@pytest.mark.parametrize("w", [1, 2, 3, 11, 44, 255])
def test_window_sums_of_counts_are_exact(n: int, w: int) -> None:
    u = np.random.default_rng(n + w).integers(0, 2, n).astype(np.uint8)
    c = np.concatenate(([0], np.cumsum(u, dtype=np.int64)))
    expected = c[w:] - c[:-w] if n >= w else np.zeros(0)
    assert np.array_equal(_window_sums(u, w), expected)


@pytest.mark.parametrize("w", [2, 11, 44, 100])
def test_window_sums_in_float32_stay_within_rounding(w: int) -> None:
    x = np.random.default_rng(w).normal(0, 100, 300_000).astype(np.float32)
    c = np.concatenate(([0.0], np.cumsum(x, dtype=np.float64)))
    expected = c[w:] - c[:-w]
    # Each sum adds w float32 values of up to ~500 µV: rounding well under w ulps.
    np.testing.assert_allclose(_window_sums(x, w), expected, rtol=0, atol=w * 500 * 2**-23)


@pytest.mark.parametrize("n", [1, 2, 26, 27, 28, 1000, 200_000])
@pytest.mark.parametrize("k", [1, 2, 3, 27, 31, 51])
def test_float32_moving_mean_is_the_float64_one_to_rounding(n: int, k: int) -> None:
    x = np.abs(np.random.default_rng(n * k).normal(0, 5, n)).astype(np.float32)
    got = _moving_mean32(x, k)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, moving_mean(x, k), rtol=FLOAT32_RTOL, atol=1e-5)


@pytest.mark.parametrize("k", [1, 3, 27, 51, 301])
def test_shared_counts_are_running_median_decisions(k: int) -> None:
    rel = np.random.default_rng(k).normal(2.0, 3.0, 50_001).astype(np.float32)
    (onset,) = _exceeds_counts(rel >= 8.0, (k,))
    active, loud = _exceeds_counts(rel > 2.0, (k, 51))
    assert np.array_equal(onset, running_median_exceeds(rel, 8.0, k, strict=False))
    assert np.array_equal(active, running_median_exceeds(rel, 2.0, k, strict=True))
    assert np.array_equal(loud, running_median_exceeds(rel, 2.0, 51, strict=True))


def _short_by_runs(mask: np.ndarray, min_len: int) -> np.ndarray:
    out = np.zeros(mask.size, dtype=bool)
    i = 0
    while i < mask.size:
        if mask[i]:
            j = i
            while j < mask.size and mask[j]:
                j += 1
            if j - i < min_len:
                out[i:j] = True
            i = j
        else:
            i += 1
    return out


@pytest.mark.parametrize("min_len", [0, 1, 2, 5, 43, 300])
@pytest.mark.parametrize("n", [0, 3, 40, 5000])
def test_short_runs_by_erosion_are_the_short_runs(min_len: int, n: int) -> None:
    rng = np.random.default_rng(n + min_len)
    mask = np.repeat(rng.random(n) < 0.5, rng.integers(1, 60, n))[:n]
    assert np.array_equal(_short_runs(mask, min_len), _short_by_runs(mask, min_len))


def _baseline_with_interp(env: np.ndarray, env_fs: float) -> np.ndarray:
    block = max(1, round(10.0 * env_fs))
    m = env.size
    nb = max(1, m // block)
    if m < block:
        return np.full(m, quantile(env, 30.0) if m else 0.0)
    levels = quantile(env[: nb * block].reshape(nb, block), 30.0, axis=1)
    if nb >= 5:
        padded = np.pad(levels, 2, mode="edge")
        levels = median(np.lib.stride_tricks.sliding_window_view(padded, 5), axis=1)
    return np.interp(np.arange(m), (np.arange(nb) + 0.5) * block, levels)


@pytest.mark.parametrize("env_fs", [256 / 3, 100.0, 93.0, 0.7])
@pytest.mark.parametrize("m", [0, 1, 10, 999, 12_345, 200_001])
def test_resting_baseline_is_np_interp(env_fs: float, m: int) -> None:
    env = np.abs(np.random.default_rng(m).normal(0, 3, m)).astype(np.float32)
    got = resting_baseline(env, env_fs, block_s=10.0, percentile=30.0)
    expected = _baseline_with_interp(env, env_fs)
    assert np.array_equal(got, expected)
    # The float32 baseline is the float64 one rounded once.
    got32 = resting_baseline(env, env_fs, block_s=10.0, percentile=30.0, dtype=np.float32)
    assert got32.dtype == np.float32
    assert np.array_equal(got32, expected.astype(np.float32))


def _clip_by_mask(x: np.ndarray, fs: float, n_epochs: int) -> np.ndarray:
    mask = np.zeros(x.size, dtype=bool)
    for rail in (x.max(), x.min()):
        at = x == rail
        if at.sum() >= 3 and (at[1:] & at[:-1]).any():
            mask |= at
    per = round(30 * fs)
    out = np.zeros(n_epochs)
    if mask.any():
        for i in range(n_epochs):
            out[i] = mask[i * per : (i + 1) * per].astype(np.float32).mean()
    return out


@pytest.mark.parametrize("fs", [256.0, 200.5])
@pytest.mark.parametrize("kind", ["none", "few", "apart", "half", "tail", "edge", "constant"])
def test_clipped_fraction_matches_a_whole_channel_mask(kind: str, fs: float) -> None:
    x = np.random.default_rng(1).normal(0, 5, int(fs * 95.5)).astype(np.float32)
    top, bottom = x.max() + 1, x.min() - 1
    sec = round(fs)
    if kind == "few":
        x[300:309], x[-3:] = top, bottom
    elif kind == "apart":  # three samples at the top, none next to another: no clipping
        x[[10, 5000, 9000]] = top
    elif kind == "half":
        x[: x.size // 2], x[-5:-2] = top, bottom
    elif kind == "tail":
        x[-4:] = top
    elif kind == "edge":  # two neighbours across a block boundary, one more elsewhere
        x[[sec - 1, sec, 7 * sec]] = top
    elif kind == "constant":
        x[:] = 1.0
    env = np.abs(np.random.default_rng(2).normal(0, 3, x.size // 3)).astype(np.float32)
    q = grade_emg_epochs(
        x,
        fs,
        block_envelope=env,
        median_envelope=env,
        resting=env.astype(np.float64),
        env_fs=fs / 3,
        hum_uv=np.zeros(95),
        hum_block_s=1.0,
    )
    assert np.array_equal(q.clipped, _clip_by_mask(x, fs, q.start.size))
    assert (q.clipped > 0).any() == (kind in ("few", "half", "tail", "edge", "constant"))


def _reference_envelope(x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """The hum fit and envelope written plainly in float64 (least squares per block,
    a night-long cumulative sum for the high-pass)."""
    x = x.astype(np.float64)
    block = round(fs)
    m = x.size // block
    xb = x[: m * block].reshape(m, block)
    k = np.arange(block)
    fits = []
    for f in (50.0, 60.0):
        if f < fs / 2:
            w = 2 * np.pi * f / fs
            s, c = np.sin(w * k), np.cos(w * k)
            coef = np.linalg.lstsq(np.column_stack((s, c)), xb.T, rcond=None)[0]
            fits.append((s, c, coef[0], coef[1]))
    power = xb.var(axis=1) - sum((a * a + b * b) / 2 for _, _, a, b in fits)
    rms = np.sqrt(np.maximum(power, 0.0))
    width = min(31, m | 1)
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(rms, width // 2, "edge"), width)
    quiet = rms <= 1.5 * np.median(windows, axis=1)
    idx = np.arange(m)
    clean = x.copy()
    hum = np.zeros(m)
    tail = x.size - m * block
    for s, c, a, b in fits:
        if tail and np.hypot(a[-1], b[-1]) >= 0.5:
            clean[m * block :] -= a[-1] * s[:tail] + b[-1] * c[:tail]
        if quiet.any() and not quiet.all():
            a, b = np.interp(idx, idx[quiet], a[quiet]), np.interp(idx, idx[quiet], b[quiet])
        hum = np.maximum(hum, np.hypot(a, b))
        big = np.hypot(a, b) >= 0.5
        a, b = np.where(big, a, 0.0), np.where(big, b, 0.0)
        clean[: m * block] -= (a[:, None] * s + b[:, None] * c).ravel()
    wdt = max(2, round(0.443 * fs / 10.0))
    half = wdt // 2
    cs = np.concatenate(([0.0], np.cumsum(np.pad(clean, (half, wdt - 1 - half), "edge"))))
    hp = np.abs(clean - (cs[wdt:] - cs[:-wdt]) / wdt)
    blk = max(1, round(0.01 * fs))
    n_env = x.size // blk
    return hp[: n_env * blk].reshape(n_env, blk).mean(axis=1), hum


@pytest.mark.parametrize(("fs", "mains_hz"), [(256.0, 60.0), (1000.0, 50.0)])
def test_float32_envelope_is_the_float64_one_within_tolerance(fs: float, mains_hz: float) -> None:
    rec, _ = simulate_hard_emg_night(3, hours=0.25, fs=fs, mains_hz=mains_hz)
    x = np.clip(rec.channels["left"], -499.0, 499.0).astype(np.float32)
    x[int(100 * fs) : int(160 * fs)] = 499.0  # a clipped minute, far from zero
    fit, hum, _ = _fit_mains(
        x, fs, mains_hz=(50.0, 60.0), block_s=1.0, min_amplitude_uv=0.5, loud_ratio=1.5
    )
    env, _ = _envelope(x, fs, fit, highpass_hz=10.0, resolution_s=0.01)
    ref_env, ref_hum = _reference_envelope(x, fs)
    np.testing.assert_allclose(hum, ref_hum, rtol=0, atol=ENVELOPE_ATOL_UV)
    np.testing.assert_allclose(env, ref_env, rtol=0, atol=ENVELOPE_ATOL_UV)


#: (night, leg): number of movements, SHA-256 (first 16 hex digits) of their onsets
#: and offsets in whole microseconds (int64, onset/offset pairs in order), and the sum
#: of their amplitudes in µV, as the float64 detector found them (main at 6d0583c).
BEFORE_FLOAT32 = {
    ("hard0", "left"): (71, "09ccd873953fbf6d", 4343.865),
    ("hard0", "right"): (61, "e784d935b8339c6e", 2675.28),
    ("hard1_500Hz_50", "left"): (35, "77d2e28fca3b763d", 2038.141),
    ("hard1_500Hz_50", "right"): (31, "d48cfbfe398f2bf3", 1450.274),
    ("clean0", "left"): (68, "7923410590304c3b", 2181.995),
    ("clean0", "right"): (88, "f7d9c3196d999251", 2937.998),
}

NIGHTS = {
    "hard0": lambda: simulate_hard_emg_night(0, hours=2.0),
    "hard1_500Hz_50": lambda: simulate_hard_emg_night(1, hours=1.0, fs=500.0, mains_hz=50.0),
    "clean0": lambda: simulate_emg_night(0, hours=2.0),
}


@pytest.mark.parametrize("night", list(NIGHTS))
def test_movements_are_those_of_the_float64_detector(night: str) -> None:
    rec, _ = NIGHTS[night]()
    for side, x in rec.channels.items():
        lm = detect_emg_movements(x, rec.fs, side=side)
        times = np.round(np.column_stack((lm.onset, lm.offset)) * 1e6).astype(np.int64)
        n, digest, amplitude_sum = BEFORE_FLOAT32[(night, side)]
        assert len(lm) == n
        assert hashlib.sha256(times.tobytes()).hexdigest()[:16] == digest
        assert set(lm.side) == {side}
        # Amplitudes: the peak of the envelope above rest, to float32 rounding (the
        # sum was rounded to 1e-3 µV when recorded).
        assert float(np.sum(lm.amplitude)) == pytest.approx(amplitude_sum, abs=1e-3 + n * 1e-4)


def _tals_by_one_scan(raw: bytes) -> list[tuple[float, float, str]]:
    out = []
    for onset, duration, texts in _TAL.findall(raw):
        for text in texts.split(b"\x14"):
            label = text.decode("utf-8", errors="replace").strip()
            if label:
                out.append((float(onset), float(duration or 0.0), label))
    return out


def test_annotation_stretches_give_the_matches_of_one_scan() -> None:
    rng = np.random.default_rng(15)
    pieces = [b"\x00", b"\x00\x00\x00", b"\x14", b"\x15", b"+", b"-", b"1", b"2", b".", b"a", b" "]
    records = [b"+0\x14\x14\x00+1.5\x150.5\x14Arousal\x14\x00\x00\x00", b"+30\x14\x14\x00\x00"]
    for _ in range(3000):
        raw = b"".join(pieces[i] for i in rng.integers(0, len(pieces), rng.integers(0, 40)))
        raw += records[int(rng.integers(0, 2))] if rng.random() < 0.3 else b""
        got = [(a.onset, a.duration, a.label) for a in _parse_tals(raw)]
        assert got == _tals_by_one_scan(raw)
    assert _tals_by_one_scan(records[0]) == [(1.5, 0.5, "Arousal")]
