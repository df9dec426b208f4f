# SPDX-License-Identifier: AGPL-3.0-or-later
"""Simulated nights with known leg movements, for accuracy tests and benchmarks.

The accelerometer night lives in ``nervepath.science.movement.simulate`` (the demo
clinic uses it too); the EMG night is here.

EMG: Gaussian baseline noise whose level wanders slowly through the night, slow
electrode drift, ECG-like QRS spikes at a varying heart rate, and leg movements as
bursts of band-limited noise (15-60 µV) with tapered edges, periodic (series of
5-25 movements every 15-40 s) and isolated, on one or both legs (bilateral ones with
a short lag). Accelerometer: an ankle device at rest with sensor noise, leg
movements as a foot rotation of 10-30 degrees with tremor, and occasional turns in
bed (long movements that are not candidates).
"""

from __future__ import annotations

import numpy as np

from nervepath.science.movement.events import LegMovements
from nervepath.science.movement.recording import EmgRecording
from nervepath.science.movement.simulate import (
    Truth,
    movement_schedule,
    simulate_accel_night,
)

__all__ = ["Truth", "match", "movement_schedule", "simulate_accel_night", "simulate_emg_night"]


def simulate_emg_night(
    seed: int, *, hours: float = 1.0, fs: float = 256.0, legs: tuple[str, ...] = ("left", "right")
) -> tuple[EmgRecording, Truth]:
    """A night of tibialis anterior EMG (µV) with known movements."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * fs)
    truth = movement_schedule(rng, hours, legs=legs)
    t = np.arange(n) / fs
    beats = _heart_beats(rng, hours * 3600)
    channels = {}
    for side in legs:
        level = 1.5 * (1 + 0.3 * np.sin(2 * np.pi * t / rng.uniform(1200, 3000) + rng.random() * 6))
        x = rng.normal(0.0, 1.0, n) * level
        x += 25 * np.sin(2 * np.pi * 0.05 * t + rng.random() * 6)  # electrode drift
        x += _ecg(beats, fs, n, amplitude=rng.uniform(10, 20))
        for on, off in zip(
            truth.onset[truth.side == side], truth.offset[truth.side == side], strict=True
        ):
            i0, i1 = int(on * fs), int(off * fs)
            burst = rng.normal(0.0, rng.uniform(15, 60), i1 - i0)
            taper = min(int(0.05 * fs), (i1 - i0) // 2)
            ramp = np.ones(i1 - i0)
            ramp[:taper] = np.linspace(0.3, 1, taper)
            ramp[-taper:] = np.linspace(1, 0.3, taper)
            x[i0:i1] += burst * ramp
        channels[side] = x
    rec = EmgRecording(channels=channels, fs=fs, start=1_700_000_000.0, device="simulated EMG")
    return rec, Truth(truth, np.empty((0, 2)))


def _heart_beats(rng: np.random.Generator, seconds: float) -> np.ndarray:
    rr = rng.uniform(0.8, 1.1) + 0.05 * rng.standard_normal(int(seconds / 0.5))
    return np.cumsum(np.clip(rr, 0.6, 1.4))


def _ecg(beats: np.ndarray, fs: float, n: int, *, amplitude: float) -> np.ndarray:
    """QRS-like biphasic spikes (about 80 ms) at the beat times."""
    k = np.arange(-int(0.04 * fs), int(0.04 * fs) + 1) / fs
    shape = -np.diff(np.exp(-((k / 0.012) ** 2)), prepend=0)
    shape *= amplitude / np.abs(shape).max()
    out = np.zeros(n)
    for b in beats:
        i = int(b * fs)
        if i + shape.size < n:
            out[i : i + shape.size] += shape
    return out


def match(truth: LegMovements, found: LegMovements) -> tuple[float, float, float]:
    """Sensitivity, precision and median onset error (s), matching by overlap per leg."""
    hits_t = np.zeros(len(truth), bool)
    hits_f = np.zeros(len(found), bool)
    errors = []
    for i in range(len(truth)):
        same = found.side == truth.side[i]
        overlap = same & (found.onset < truth.offset[i]) & (found.offset > truth.onset[i])
        if overlap.any():
            hits_t[i] = True
            j = np.flatnonzero(overlap)
            hits_f[j] = True
            errors.append(np.abs(found.onset[j] - truth.onset[i]).min())
    sens = hits_t.mean() if len(truth) else 1.0
    prec = hits_f.mean() if len(found) else 1.0
    return float(sens), float(prec), float(np.median(errors)) if errors else float("nan")
