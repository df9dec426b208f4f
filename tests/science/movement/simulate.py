# SPDX-License-Identifier: AGPL-3.0-or-later
"""Simulated nights with known leg movements, for accuracy tests and benchmarks.

EMG: Gaussian baseline noise whose level wanders slowly through the night, slow
electrode drift, ECG-like QRS spikes at a varying heart rate, and leg movements as
bursts of band-limited noise (15-60 µV) with tapered edges, periodic (series of
5-25 movements every 15-40 s) and isolated, on one or both legs (bilateral ones with
a short lag). Accelerometer: an ankle device at rest with sensor noise, leg
movements as a foot rotation of 10-30 degrees with tremor, and occasional turns in
bed (long movements that are not candidates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nervepath.science.movement.events import LegMovements
from nervepath.science.movement.recording import AccelRecording, EmgRecording


@dataclass
class Truth:
    """The movements put into a simulated night (monolateral, per leg)."""

    movements: LegMovements
    turns: np.ndarray  # (K, 2) long movements (accelerometer) in seconds


def movement_schedule(
    rng: np.random.Generator, hours: float, *, legs: tuple[str, ...]
) -> LegMovements:
    """Onsets, offsets and legs of periodic series and isolated movements."""
    total = hours * 3600
    rows: list[tuple[float, float, str]] = []
    t = rng.uniform(30, 120)
    while t < total - 120:
        if rng.random() < 0.6:  # a periodic series
            for _ in range(int(rng.integers(5, 26))):
                dur = rng.uniform(0.8, 5.0)
                if t + dur > total - 5:
                    break
                rows += _legs_for(rng, t, dur, legs)
                t += rng.uniform(15, 40)
            t += rng.uniform(120, 400)
        else:  # isolated movement
            rows += _legs_for(rng, t, rng.uniform(0.8, 6.0), legs)
            t += rng.uniform(100, 300)
    rows.sort()
    return LegMovements(
        np.array([r[0] for r in rows]),
        np.array([r[1] for r in rows]),
        np.array([r[2] for r in rows], dtype="<U5"),
        np.ones(len(rows)),
    )


def _legs_for(
    rng: np.random.Generator, onset: float, dur: float, legs: tuple[str, ...]
) -> list[tuple[float, float, str]]:
    if len(legs) == 1:
        return [(onset, onset + dur, legs[0])]
    if rng.random() < 0.4:  # bilateral, second leg a little later
        lag = rng.uniform(0.0, 0.3)
        d2 = float(np.clip(dur + rng.uniform(-0.3, 0.3), 0.8, 6))
        return [(onset, onset + dur, "left"), (onset + lag, onset + lag + d2, "right")]
    return [(onset, onset + dur, str(rng.choice(legs)))]


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


def simulate_accel_night(
    seed: int, *, hours: float = 1.0, fs: float = 50.0
) -> tuple[AccelRecording, Truth]:
    """A night of an ankle accelerometer (g) with known movements and turns in bed."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * fs)
    truth = movement_schedule(rng, hours, legs=("leg",))
    t = np.arange(n) / fs
    tilt = np.full(n, np.radians(rng.uniform(-20, 20)))
    roll = np.full(n, np.radians(rng.uniform(-30, 30)))
    tremor = np.zeros(n)
    for on, off in zip(truth.onset, truth.offset, strict=True):
        i0, i1 = int(on * fs), int(off * fs)
        phase = np.linspace(0, np.pi, i1 - i0)
        tilt[i0:i1] += np.radians(rng.uniform(10, 30)) * np.sin(phase)
        tremor[i0:i1] += rng.uniform(0.01, 0.03)
    turns = []
    for start in np.arange(rng.uniform(600, 1200), hours * 3600 - 60, rng.uniform(1500, 2400)):
        # A turn is put where no leg movement is within 30 s.
        near = np.abs(truth.onset - start).min() if len(truth) else np.inf
        if near < 30:
            continue
        dur = rng.uniform(12, 20)
        i0, i1 = int(start * fs), int((start + dur) * fs)
        new_roll = np.radians(rng.uniform(-60, 60))
        roll[i0:i1] = np.linspace(roll[i0], new_roll, i1 - i0)
        roll[i1:] = new_roll
        tremor[i0:i1] += 0.05
        turns.append((start, start + dur))
    g = np.stack([np.sin(tilt), np.cos(tilt) * np.sin(roll), np.cos(tilt) * np.cos(roll)], axis=1)
    g += rng.normal(0, 0.004, (n, 3))
    g += tremor[:, None] * rng.normal(0, 1, (n, 3))
    rec = AccelRecording(
        time=t, accel=g, fs=fs, start=1_700_000_000.0, device="simulated ankle accelerometer"
    )
    return rec, Truth(truth, np.asarray(turns).reshape(-1, 2))


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
