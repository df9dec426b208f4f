# SPDX-License-Identifier: AGPL-3.0-or-later
"""Analyse a long ``.cwa`` recording chunk by chunk, in bounded memory.

Each chunk of raw samples is reduced to what the analysis needs: the 0.1-s activity
envelope (4 bytes per block plus its 8-byte time), 5-s epoch means for the sleep
window and 15-min statistics for non-wear. Raw samples are dropped after each chunk,
so memory is a fixed chunk budget plus about 12 bytes per 0.1 s of recording
(about 70 MB for 7 days).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nervepath.science.movement.accel import activity_envelope, movements_from_envelope
from nervepath.science.movement.context import StudyEvents
from nervepath.science.movement.errors import CorruptFileError
from nervepath.science.movement.pipeline import _ACCEL_DEFAULTS, _build_report
from nervepath.science.movement.readers.cwa_stream import iter_cwa
from nervepath.science.movement.readers.nonwear import block_stats, nonwear_from_stats
from nervepath.science.movement.recording import AccelRecording, Stretch
from nervepath.science.movement.report import NightReport
from nervepath.science.movement.rules import ScoringRules, get_rules
from nervepath.science.movement.sleepwindow import hdcza_from_epochs

__all__ = ["analyze_cwa_stream"]


class _Blocker:
    """Cut a stream of samples into whole blocks of ``step``, carrying the rest."""

    def __init__(self, step: int) -> None:
        self.step = step
        self.carry = np.empty((0, 3))
        self.carry_t = np.empty(0)

    def feed(self, time: np.ndarray, accel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = np.concatenate((self.carry_t, time))
        a = np.concatenate((self.carry, accel))
        whole = (a.shape[0] // self.step) * self.step
        self.carry, self.carry_t = a[whole:], t[whole:]
        return t[:whole], a[:whole]


def analyze_cwa_stream(
    path: str | Path,
    *,
    rules: str | ScoringRules = "wasm2016",
    chunk_blocks: int = 3000,
    **detector: float,
) -> NightReport:
    """Analyse a ``.cwa`` recording of any length in bounded memory.

    Gives the same movements as :func:`~nervepath.science.movement.analyze_file` up
    to the edges of chunks (the envelope is computed with a 10-s overlap, so no
    movement is lost at a chunk boundary).

    Parameters
    ----------
    path : str or Path
        The ``.cwa`` file.
    rules : str or ScoringRules, optional
        Scoring rules.
    chunk_blocks : int, optional
        Blocks decoded at a time (3000 = 1 h at 100 Hz).
    **detector
        Accelerometer detector settings (see ``detect_accel_movements``).

    Returns
    -------
    NightReport
    """
    path = Path(path)
    params = {**_ACCEL_DEFAULTS, **detector}
    resolution_s = params["resolution_s"]
    envelopes: list[np.ndarray] = []
    env_times: list[np.ndarray] = []
    epochs = _Blocker(1)
    nonwear_blocks = _Blocker(1)
    epoch_means: list[np.ndarray] = []
    epoch_times: list[np.ndarray] = []
    stats: list[tuple[np.ndarray, ...]] = []
    carry_t, carry_a = np.empty(0), np.empty((0, 3))
    t0: float | None = None
    fs = 0.0
    last_t = 0.0
    bad_total: list[int] = []
    gaps: list[Stretch] = []
    first = True
    block = margin = 0
    for chunk in iter_cwa(path, chunk_blocks=chunk_blocks):
        bad_total += chunk.bad_blocks
        if chunk.time.size == 0:
            continue
        if t0 is None:
            t0 = float(chunk.time[0])
            fs = chunk.fs
            block = max(1, round(resolution_s * fs))
            margin = round(5.0 / resolution_s)  # envelope blocks kept back at each edge
            epochs.step = round(5.0 * fs)
            nonwear_blocks.step = round(900.0 * fs)
        time = chunk.time - t0
        prev = last_t if not first else None
        if prev is not None and time[0] - prev > 1.5 / fs:
            kind = "corrupt" if chunk.bad_blocks else "gap"
            gaps.append(Stretch(prev + 1.0 / fs, float(time[0]), kind))
        steps = np.diff(time)
        for i in np.flatnonzero(steps > 1.5 / fs):
            gaps.append(Stretch(float(time[i] + 1.0 / fs), float(time[i + 1]), "gap"))
        last_t = float(time[-1])
        data_t = np.concatenate((carry_t, time))
        data_a = np.concatenate((carry_a, chunk.accel))
        env, _ = activity_envelope(
            data_a, fs, gravity_window_s=params["gravity_window_s"], resolution_s=resolution_s
        )
        lo = 0 if first else margin
        hi = max(lo, env.size - margin)
        # Copies, so that no slice keeps a chunk's raw samples alive.
        envelopes.append(env[lo:hi].copy())
        env_times.append(data_t[lo * block : hi * block : block].copy())
        keep_from = max(0, hi - margin) * block
        carry_t, carry_a = data_t[keep_from:], data_a[keep_from:]
        et, ea = epochs.feed(time, chunk.accel)
        if ea.size:
            n_ep = ea.shape[0] // epochs.step
            epoch_means.append(ea.reshape(n_ep, epochs.step, 3).mean(axis=1))
            epoch_times.append(et[:: epochs.step].copy())
        _, na = nonwear_blocks.feed(time, chunk.accel)
        if na.size:
            stats.append(block_stats(na, nonwear_blocks.step))
        first = False
    if t0 is None:
        raise CorruptFileError(f"{path.name}: no readable data block in the .cwa file.")
    if carry_t.size and not first:
        env, _ = activity_envelope(
            carry_a, fs, gravity_window_s=params["gravity_window_s"], resolution_s=resolution_s
        )
        skip = margin if len(envelopes) else 0
        envelopes.append(env[skip:].copy())
        env_times.append(carry_t[skip * block : env.size * block : block].copy())
    env_all = np.concatenate(envelopes)
    t_all = np.concatenate(env_times)[: env_all.size]
    del envelopes, env_times
    duration = last_t + 1.0 / fs
    stretches = list(gaps)
    if stats:
        s1, s2, mx, mn = (np.concatenate([s[k] for s in stats]) for k in range(4))
        stretches += nonwear_from_stats(s1, s2, mx, mn, step=nonwear_blocks.step, fs=fs)
    stretches.sort(key=lambda s: (s.start, s.kind))
    movements, excess, trace_time = movements_from_envelope(
        env_all,
        t_all,
        fs / block,
        stretches,
        onset_g=params["onset_g"],
        offset_g=params["offset_g"],
        offset_min_s=params["offset_min_s"],
        min_duration_s=params["min_duration_s"],
        smooth_s=params["smooth_s"],
    )
    if epoch_means:
        window = hdcza_from_epochs(
            np.concatenate(epoch_means), np.concatenate(epoch_times), duration
        )
    else:
        window = hdcza_from_epochs(np.empty((0, 3)), np.empty(0), duration)
    notes = []
    if bad_total:
        notes.append(f"{len(bad_total)} damaged data block(s) skipped.")
    summary = AccelRecording(
        time=np.array([0.0, last_t]),
        accel=np.zeros((2, 3)),
        fs=fs,
        start=t0,
        device="Axivity (.cwa, streamed)",
        stretches=stretches,
        notes=notes,
    )
    return _build_report(
        summary,
        movements,
        window,
        StudyEvents(),
        get_rules(rules),
        path.name,
        f"accelerometer, {fs:g} Hz",
        excess,
        trace_time,
        "g above rest",
    )
