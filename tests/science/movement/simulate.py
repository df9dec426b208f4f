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
from nervepath.science.movement.recording import Annotation, EmgRecording
from nervepath.science.movement.simulate import (
    Truth,
    _legs_for,
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


# --- Hard nights: what real tibialis recordings carry ---------------------------------


def _smooth_walk(rng: np.random.Generator, t: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """A level wandering between ``lo`` and ``hi`` over minutes (sum of slow sines)."""
    x = np.zeros(t.size)
    for period in rng.uniform(300, 4000, 4):
        x += np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi)) * rng.uniform(0.5, 1)
    x = (x - x.min()) / max(np.ptp(x), 1e-9)
    return lo + (hi - lo) * x


def hard_schedule(
    rng: np.random.Generator, hours: float, legs: tuple[str, ...]
) -> tuple[LegMovements, list[tuple[float, float]]]:
    """Movements with rule edge cases, and the apneas some of them follow.

    Besides periodic series and isolated movements (:func:`movement_schedule`), the
    night has series with intervals just above 10 s and just below 90 s, a series
    broken by an interval just below 10 s, movements a little longer than 10 s,
    bilateral movements whose legs follow each other with a short gap and a cluster of five
    monolateral movements. Margins to every rule boundary are 0.4 s or more, so that a
    detector's timing error of a few tens of milliseconds cannot flip a rule.
    """
    total = hours * 3600
    rows: list[tuple[float, float, str]] = []
    apneas: list[tuple[float, float]] = []
    t = rng.uniform(60, 200)
    two = len(legs) > 1

    def add(on: float, dur: float, side: str | None = None) -> None:
        rows.append((on, on + dur, side or str(rng.choice(legs))))

    while t < total - 400:
        kind = rng.choice(
            [
                "series",
                "series",
                "series",
                "isolated",
                "edge10",
                "edge90",
                "break",
                "long",
                "bilat",
                "many",
                "resp",
            ]
        )
        if kind == "series":
            for _ in range(int(rng.integers(5, 22))):
                dur = rng.uniform(0.8, 5.0)
                for leg in _legs_for(rng, t, dur, legs):
                    rows.append(leg)
                t += rng.uniform(14, 45)
        elif kind == "isolated":
            add(t, rng.uniform(0.8, 6.0))
            t += rng.uniform(100, 250)
        elif kind in ("edge10", "edge90"):
            for _ in range(int(rng.integers(4, 8))):
                add(t, rng.uniform(0.8, 3.0))
                t += rng.uniform(10.5, 11.5) if kind == "edge10" else rng.uniform(85, 89)
        elif kind == "break":
            for i in range(8):
                add(t, rng.uniform(0.8, 3.0))
                t += rng.uniform(9.0, 9.5) if i == 3 else rng.uniform(18, 30)
        elif kind == "long":
            for _ in range(5):
                add(t, rng.uniform(10.6, 13.0) if rng.random() < 0.3 else rng.uniform(1, 4))
                t += rng.uniform(20, 35)
        elif kind == "bilat" and two:
            for _ in range(5):
                d = rng.uniform(0.8, 3.0)
                add(t, d, "left")
                # The gap is under 0.1 s: ramped onsets and tapered ends move detected
                # edges by up to 0.4 s, and the gap must stay under 0.5 s through that.
                add(t + d + rng.uniform(0.0, 0.1), rng.uniform(0.8, 2.0), "right")
                t += rng.uniform(20, 35)
        elif kind == "many" and two:
            # Five monolateral movements alternating legs, each within 0.5 s of the
            # last: one bilateral movement of more than 4 parts (not a candidate).
            s = t
            for i in range(5):
                d = rng.uniform(0.7, 1.2)
                add(s, d, legs[i % 2])
                s += d - 0.3
            t += rng.uniform(40, 60)
        elif kind == "resp":
            # Apneas, each with a movement near its end (inside the AASM window of
            # 0.5 s or only inside the WASM one).
            for _ in range(int(rng.integers(4, 8))):
                a_dur = rng.uniform(12, 30)
                apneas.append((t, t + a_dur))
                lag = rng.uniform(-1.5, 0.0) if rng.random() < 0.5 else rng.uniform(1.2, 4.0)
                add(t + a_dur + lag, rng.uniform(1, 4))
                t += a_dur + rng.uniform(12, 30)
        t += rng.uniform(100, 300)
    rows = sorted(r for r in rows if r[1] < total - 5)
    apneas = [a for a in apneas if a[1] < total - 5]
    mov = LegMovements(
        np.array([r[0] for r in rows]),
        np.array([r[1] for r in rows]),
        np.array([r[2] for r in rows], dtype="<U5"),
        np.ones(len(rows)),
    )
    return mov, apneas


def _hypnogram(rng: np.random.Generator, hours: float) -> list[tuple[float, float, str]]:
    """30-s epochs: wake at lights-out, then sleep with a few short awakenings."""
    n = int(hours * 120)
    stages = np.array(["N2"] * n, dtype="<U2")
    stages[: int(rng.integers(10, 30))] = "W"
    for _ in range(max(1, int(hours * 2))):
        i = int(rng.integers(n // 5, n))
        stages[i : i + int(rng.integers(2, 12))] = "W"
    for _ in range(max(1, int(hours))):
        i = int(rng.integers(n // 4, n))
        stages[i : i + int(rng.integers(10, 40))] = "R"
    return [(i * 30.0, i * 30.0 + 30.0, str(s)) for i, s in enumerate(stages)]


def simulate_hard_emg_night(
    seed: int,
    *,
    hours: float = 1.0,
    fs: float = 256.0,
    legs: tuple[str, ...] = ("left", "right"),
    noise: tuple[float, float] = (2.0, 6.0),
    drift: bool = True,
    hum: bool = True,
    ecg: bool = True,
    bursts: bool = True,
    ratio: tuple[float, float] = (4.0, 40.0),
    mains_hz: float = 60.0,
) -> tuple[EmgRecording, Truth]:
    """A sleep study with what real tibialis recordings carry, and known movements.

    - resting noise wandering through the night between ``noise`` µV RMS;
    - electrode drift (slow sines and a few baseline steps) and mains hum at
      ``mains_hz`` with a wandering amplitude;
    - ECG (QRS spikes 5-60 µV at a varying heart rate);
    - artefact bursts shorter than 0.5 s up to 100 µV, and twitches (20-150 ms);
    - movements whose RMS is ``ratio`` (log-uniform) times the local noise, with
      onsets ramped over 0.05-0.4 s and tapered ends; at the lowest noise a 4-times
      movement would not reach the 8-µV onset of WASM 2016 and is not a leg movement
      by the standard, so each is made at least large enough to rise 10 µV above rest;
    - arousals (with a raised resting tone), apneas followed by movements, and sleep
      staging with awakenings, as EDF+ annotations.

    Each switch turns one kind of artefact off, for the per-artefact table of the
    benchmark. The truth is the movements put in (start of ramp to end of taper).
    """
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * fs)
    mov, apneas = hard_schedule(rng, hours, legs)
    t = np.arange(n) / fs
    beats = _heart_beats(rng, hours * 3600)
    annotations = [Annotation(a, b - a, st) for a, b, st in _hypnogram(rng, hours)]
    annotations += [Annotation(a, b - a, "Obstructive apnea") for a, b in apneas]
    arousals = []
    for on in mov.onset[rng.random(len(mov)) < 0.2]:
        a0 = on + rng.uniform(-1.0, 1.0)
        arousals.append((a0, a0 + rng.uniform(3, 15)))
    for a0 in rng.uniform(0, hours * 3600 - 20, int(hours * 6)):
        arousals.append((a0, a0 + rng.uniform(3, 15)))
    annotations += [Annotation(a, b - a, "Arousal") for a, b in arousals]
    # Artefacts go where no movement is within 1.5 s, so the truth stays unambiguous.
    busy = np.zeros(int(hours * 3600 * 10) + 1, dtype=bool)  # 0.1-s grid
    for on, off in zip(mov.onset, mov.offset, strict=True):
        busy[max(0, int((on - 1.5) * 10)) : int((off + 1.5) * 10) + 1] = True

    def free(at: float, length: float) -> bool:
        return not busy[int(at * 10) : int((at + length) * 10) + 1].any()

    channels = {}
    for side in legs:
        sigma = _smooth_walk(rng, t, *noise) if noise[1] > noise[0] else np.full(n, noise[0])
        aroused = np.zeros(n, dtype=bool)
        for a, b in arousals:
            aroused[int(a * fs) : min(n, int(b * fs))] = True
        sigma[aroused] *= 1.3  # raised resting tone during an arousal
        x = rng.normal(0.0, 1.0, n) * sigma
        if drift:
            for _ in range(3):
                x += rng.uniform(5, 40) * np.sin(
                    2 * np.pi * rng.uniform(0.02, 0.4) * t + rng.uniform(0, 6)
                )
            for at in rng.uniform(0, hours * 3600, int(hours * 4)):
                x[int(at * fs) :] += rng.uniform(-80, 80) * (
                    1 - np.exp(-(t[int(at * fs) :] - at) / 0.3)
                )
        if hum:
            amp = _smooth_walk(rng, t, 0.5, rng.uniform(5, 20))
            x += amp * np.sin(2 * np.pi * mains_hz * t + rng.uniform(0, 6))
        if ecg:
            x += _ecg(beats, fs, n, amplitude=rng.uniform(5, 60))
        if bursts:
            for at in rng.uniform(0, hours * 3600 - 1, int(hours * 60)):
                length = rng.uniform(0.05, 0.4)
                if free(at, length):
                    i0 = int(at * fs)
                    k = max(2, int(length * fs))
                    x[i0 : i0 + k] += rng.normal(0, rng.uniform(10, 100) / 1.5, k) * np.hanning(k)
            for at in rng.uniform(0, hours * 3600 - 1, int(hours * 120)):
                length = rng.uniform(0.02, 0.15)
                if free(at, length):
                    i0 = int(at * fs)
                    k = max(2, int(length * fs))
                    x[i0 : i0 + k] += rng.normal(0, rng.uniform(10, 60), k)
        mine = mov.side == side
        for on, off in zip(mov.onset[mine], mov.offset[mine], strict=True):
            i0, i1 = int(on * fs), min(n, int(off * fs))
            local = float(sigma[i0:i1].mean())
            size = local * np.exp(rng.uniform(np.log(ratio[0]), np.log(ratio[1])))
            # A leg movement is one that meets the WASM onset rule: its rectified
            # mean (0.8 RMS for Gaussian EMG) rises at least 10 µV above rest.
            size = max(size, float(np.sqrt((12.5 + local) ** 2 - local**2)))
            env = np.ones(i1 - i0)
            up = min(int(rng.uniform(0.05, 0.4) * fs), (i1 - i0) // 3)
            down = min(int(rng.uniform(0.05, 0.2) * fs), (i1 - i0) // 3)
            env[:up] = np.linspace(0.15, 1, up)
            if down:
                env[-down:] = np.linspace(1, 0.15, down)
            x[i0:i1] += rng.normal(0.0, size, i1 - i0) * env
        channels[side] = x
    rec = EmgRecording(
        channels=channels,
        fs=fs,
        start=1_700_000_000.0,
        device="simulated EMG",
        annotations=sorted(annotations, key=lambda a: a.onset),
    )
    return rec, Truth(mov, np.empty((0, 2)))


def plms_match(truth_report, found_report) -> tuple[float, float]:
    """Per-movement sensitivity and precision for PLMS (matched by overlap in time)."""

    def spans(report):
        rows = [m for m in report.movements if m.series >= 0 and m.in_sleep]
        return np.array([m.onset_s for m in rows]), np.array([m.offset_s for m in rows])

    to, tf = spans(truth_report)
    fo, ff = spans(found_report)
    hit_t = [((fo < b) & (ff > a)).any() for a, b in zip(to, tf, strict=True)]
    hit_f = [((to < b) & (tf > a)).any() for a, b in zip(fo, ff, strict=True)]
    return (
        float(np.mean(hit_t)) if hit_t else 1.0,
        float(np.mean(hit_f)) if hit_f else 1.0,
    )
