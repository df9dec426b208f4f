# SPDX-License-Identifier: AGPL-3.0-or-later
"""The fast paths of the EMG detector give NumPy's own numbers, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.science.movement.emg import _block_mean, resting_baseline
from nervepath.science.movement.events import median
from nervepath.science.movement.events import percentile as quantile
from nervepath.science.movement.quality import grade_emg_epochs


@pytest.mark.parametrize("width", [1, 2, 3, 4, 7, 8, 9, 10, 16, 20, 127, 128, 200])
def test_block_mean_is_numpys_mean(width: int) -> None:
    rows = np.abs(np.random.default_rng(width).normal(0, 5, (997, width)))
    assert np.array_equal(_block_mean(rows), rows.mean(axis=1))


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
    assert np.array_equal(got, _baseline_with_interp(env, env_fs))


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


@pytest.mark.parametrize("kind", ["none", "few", "half", "tail", "constant"])
def test_clipped_fraction_matches_a_whole_channel_mask(kind: str) -> None:
    fs = 256.0
    x = np.random.default_rng(1).normal(0, 5, int(fs * 95.5)).astype(np.float32)
    top, bottom = x.max() + 1, x.min() - 1
    if kind == "few":
        x[300:309], x[-3:] = top, bottom
    elif kind == "half":
        x[: x.size // 2], x[-5:-2] = top, bottom
    elif kind == "tail":
        x[-4:] = top
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
