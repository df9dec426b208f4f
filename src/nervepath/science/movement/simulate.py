# SPDX-License-Identifier: AGPL-3.0-or-later
"""Simulated ankle-accelerometer nights with known leg movements.

For the accuracy tests, the demo clinic's nights and the multi-night tests: an ankle
device at rest with sensor noise, leg movements as a foot rotation of 10-30 degrees
with tremor, periodic (series of 5-25 movements every 15-40 s) and isolated, and
occasional turns in bed (long movements that are not candidates). ``series_share`` sets
how much of the night is periodic, so a night before a treatment can be restless and
one after it calmer. :func:`write_accel_csv` writes what the CSV reader reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nervepath.science.movement.events import LegMovements
from nervepath.science.movement.recording import AccelRecording

__all__ = ["Truth", "movement_schedule", "simulate_accel_night", "write_accel_csv"]

#: The device clock of a simulated night unless given (2023-11-14 22:13:20).
DEFAULT_START = 1_700_000_000.0


@dataclass
class Truth:
    """The movements put into a simulated night (monolateral, per leg)."""

    movements: LegMovements
    turns: np.ndarray  # (K, 2) long movements (accelerometer) in seconds


def movement_schedule(
    rng: np.random.Generator,
    hours: float,
    *,
    legs: tuple[str, ...],
    series_share: float = 0.6,
) -> LegMovements:
    """Onsets, offsets and legs of periodic series and isolated movements.

    ``series_share`` is the chance that the next event is a periodic series rather
    than one isolated movement."""
    total = hours * 3600
    rows: list[tuple[float, float, str]] = []
    t = rng.uniform(30, 120)
    while t < total - 120:
        if rng.random() < series_share:  # a periodic series
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


def simulate_accel_night(
    seed: int,
    *,
    hours: float = 1.0,
    fs: float = 50.0,
    start: float = DEFAULT_START,
    series_share: float = 0.6,
    noise_g: float = 0.004,
) -> tuple[AccelRecording, Truth]:
    """A night of an ankle accelerometer (g) with known movements and turns in bed.

    ``start`` is the device clock of the first sample (POSIX seconds of wall time);
    ``noise_g`` the sensor noise (SD per axis). A worn device also picks up the
    sleeper's small shifts; with the default noise, a still hour reads as not worn."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * fs)
    truth = movement_schedule(rng, hours, legs=("leg",), series_share=series_share)
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
    for begin in np.arange(rng.uniform(600, 1200), hours * 3600 - 60, rng.uniform(1500, 2400)):
        # A turn is put where no leg movement is within 30 s.
        near = np.abs(truth.onset - begin).min() if len(truth) else np.inf
        if near < 30:
            continue
        dur = rng.uniform(12, 20)
        i0, i1 = int(begin * fs), int((begin + dur) * fs)
        new_roll = np.radians(rng.uniform(-60, 60))
        roll[i0:i1] = np.linspace(roll[i0], new_roll, i1 - i0)
        roll[i1:] = new_roll
        tremor[i0:i1] += 0.05
        turns.append((begin, begin + dur))
    g = np.stack([np.sin(tilt), np.cos(tilt) * np.sin(roll), np.cos(tilt) * np.cos(roll)], axis=1)
    g += rng.normal(0, noise_g, (n, 3))
    g += tremor[:, None] * rng.normal(0, 1, (n, 3))
    rec = AccelRecording(
        time=t, accel=g, fs=fs, start=start, device="simulated ankle accelerometer"
    )
    return rec, Truth(truth, np.asarray(turns).reshape(-1, 2))


def write_accel_csv(parts: list[AccelRecording], path: str | Path) -> Path:
    """Write recordings as one CSV file (``time, x, y, z``; ISO device-clock times, g).

    Several parts make one file with gaps between them, as a device set to record
    only at night writes it. Times are device-clock milliseconds written to the
    microsecond (``2026-11-20T22:30:00.100000``), values to four decimals: the bytes
    pandas' ``to_csv`` gave, at less than half its cost (a demo seed writes a dozen
    nights)."""
    path = Path(path)
    lines = ["time,x,y,z\n"]
    for p in parts:
        ms = np.round((p.start + p.time) * 1e3).astype("int64").astype("datetime64[ms]")
        stamps = np.datetime_as_string(ms.astype("datetime64[us]"), unit="us").tolist()
        lines.extend(
            "%s,%.4f,%.4f,%.4f\n" % (stamp, x, y, z)  # noqa: UP031 (one format, fast)
            for stamp, (x, y, z) in zip(stamps, p.accel.tolist(), strict=True)
        )
    with open(path, "w", newline="") as fh:
        fh.writelines(lines)
    return path
