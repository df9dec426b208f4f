# SPDX-License-Identifier: AGPL-3.0-or-later
"""Analyse a long ``.cwa`` recording chunk by chunk, in bounded memory.

Each chunk of raw samples (1 h by default) is reduced at once to what the analysis
needs and dropped: the 0.1-s activity envelope goes to an
:class:`~nervepath.science.movement.stream_detect.EnvelopeDetector`, which holds only
the last hour or two of it and keeps the bouts it finds; 5-s epoch means are kept for
the sleep window (32 bytes per epoch) and 15-min statistics for non-wear. What grows
with the recording is those epoch means, a 5-s trace for the figure and the movement
table itself (about 2.5 MB a day for a very active recording): 1-, 3- and 7-day
files peak at about +75, +83 and +85 MB (``benchmarks/bench_movement.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nervepath.science.movement.accel import activity_envelope
from nervepath.science.movement.context import StudyEvents
from nervepath.science.movement.errors import CorruptFileError
from nervepath.science.movement.events import LegMovements
from nervepath.science.movement.nights import (
    night_periods,
    slice_movements,
    slice_stretches,
    slice_trace,
    split_note,
)
from nervepath.science.movement.pipeline import (
    _ACCEL_DEFAULTS,
    Place,
    _build_report,
    _not_in_progress,
    _place_of_file,
)
from nervepath.science.movement.readers.cwa_stream import CwaChunk, damage_notes, iter_cwa
from nervepath.science.movement.readers.nonwear import block_stats, nonwear_from_stats
from nervepath.science.movement.recording import AccelRecording, Stretch
from nervepath.science.movement.report import NightReport
from nervepath.science.movement.rules import ScoringRules, get_rules
from nervepath.science.movement.sleepwindow import hdcza_from_epochs
from nervepath.science.movement.stream_detect import EnvelopeDetector

__all__ = ["analyze_cwa_stream", "analyze_cwa_stream_nights"]


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
        # Copies: a view would keep the whole joined chunk alive until the next call.
        self.carry, self.carry_t = a[whole:].copy(), t[whole:].copy()
        return t[:whole], a[:whole]


def analyze_cwa_stream(
    path: str | Path,
    *,
    rules: str | ScoringRules = "wasm2016",
    chunk_blocks: int = 3000,
    body_location: Place | None = None,
    **detector: float,
) -> NightReport:
    """Analyse a ``.cwa`` recording of any length in bounded memory.

    Gives the report of :func:`~nervepath.science.movement.analyze_file` on the same
    samples exactly, whatever the chunk size: envelope blocks are recomputed with 5 s
    of overlap on the grid of the whole file, the detector carries its state across
    chunk edges, and damaged blocks, gaps and non-wear are placed as the whole-file
    reader places them. (For a file without damaged blocks, the whole-file reader takes
    time stamps from scikit-digital-health, which can differ by a few ms.)

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
    got = _stream(path, chunk_blocks=chunk_blocks, **detector)
    return _whole_report(got, path, rules, body_location or _place_of_file(path, ""))


@dataclass
class _Streamed:
    """What the streamed pass keeps of a whole file: enough for one report or several."""

    summary: AccelRecording  # start, length, stretches and notes; no samples
    movements: LegMovements
    excess: np.ndarray
    trace_time: np.ndarray
    epoch_means: np.ndarray
    epoch_times: np.ndarray


def _stream(path: Path, *, chunk_blocks: int, **detector: float) -> _Streamed:
    params = {**_ACCEL_DEFAULTS, **detector}
    resolution_s = params["resolution_s"]
    epochs = _Blocker(1)
    nonwear_blocks = _Blocker(1)
    epoch_means: list[np.ndarray] = []
    epoch_times: list[np.ndarray] = []
    stats: list[tuple[np.ndarray, ...]] = []
    carry_t, carry_a = np.empty(0), np.empty((0, 3))
    carry_start = 0  # sample index of carry_t[0]
    env_done = 0  # envelope blocks handed to the detector
    t0: float | None = None
    fs = 0.0
    last_t = 0.0
    seen: list[CwaChunk] = []  # damage lists only (samples dropped)
    gaps: list[Stretch] = []
    detector_: EnvelopeDetector | None = None
    nonwear: list[Stretch] = []
    block = margin = align = n_stats = 0
    corrupt_posix: list[tuple[float, float]] = []
    corrupt: list[Stretch] = []
    first = True
    for chunk in iter_cwa(path, chunk_blocks=chunk_blocks):
        seen.append(
            CwaChunk(
                np.empty(0),
                np.empty((0, 3)),
                chunk.fs,
                chunk.bad_blocks,
                chunk.block_samples,
                chunk.repeated,
                chunk.out_of_time,
                chunk.reordered,
            )
        )
        corrupt_posix += chunk.corrupt
        if chunk.time.size == 0:
            continue
        if t0 is None:
            t0 = float(chunk.time[0])
            fs = chunk.fs
            block = max(1, round(resolution_s * fs))
            margin = round(5.0 / resolution_s)  # envelope blocks recomputed at each edge
            # Carried samples start on the grid of both the envelope blocks and the
            # 0.5-s gravity blocks, so every block is the whole-file path's block.
            align = math.lcm(block, max(1, round(0.5 * fs)))
            epochs.step = round(5.0 * fs)
            nonwear_blocks.step = round(900.0 * fs)
            detector_ = EnvelopeDetector(
                fs / block,
                onset_g=params["onset_g"],
                offset_g=params["offset_g"],
                offset_min_s=params["offset_min_s"],
                min_duration_s=params["min_duration_s"],
                smooth_s=params["smooth_s"],
            )
        corrupt = [Stretch(a - t0, b - t0, "corrupt") for a, b in corrupt_posix]
        time = chunk.time - t0
        if not first and time[0] - last_t > 1.5 / fs:
            gaps.append(Stretch(last_t + 1.0 / fs, float(time[0]), "gap"))
        first = False
        steps = np.diff(time)
        for i in np.flatnonzero(steps > 1.5 / fs):
            gaps.append(Stretch(float(time[i] + 1.0 / fs), float(time[i + 1]), "gap"))
        last_t = float(time[-1])
        et, ea = epochs.feed(time, chunk.accel)
        if ea.size:
            n_ep = ea.shape[0] // epochs.step
            epoch_means.append(ea.reshape(n_ep, epochs.step, 3).mean(axis=1))
            epoch_times.append(et[:: epochs.step].copy())
        _, na = nonwear_blocks.feed(time, chunk.accel)
        if na.size:
            stats.append(block_stats(na, nonwear_blocks.step))
            n_stats += stats[-1][0].shape[0]
            nonwear = _nonwear(stats, nonwear_blocks.step, fs)
        data_t = np.concatenate((carry_t, time))
        data_a = np.concatenate((carry_a, chunk.accel))
        del time, chunk
        env, _ = activity_envelope(
            data_a, fs, gravity_window_s=params["gravity_window_s"], resolution_s=resolution_s
        )
        lo = env_done - carry_start // block
        hi = max(lo, env.size - margin)
        assert detector_ is not None
        # Non-wear is final up to three 15-min blocks before the last complete one.
        horizon = (n_stats - 3) * 900.0
        detector_.feed(
            env[lo:hi], data_t[lo * block : hi * block : block], gaps + nonwear + corrupt, horizon
        )
        env_done = carry_start // block + hi
        keep_from = max(0, (hi - margin) * block) // align * align
        carry_t, carry_a = data_t[keep_from:].copy(), data_a[keep_from:].copy()
        carry_start += keep_from
        del data_t, data_a, env
    if t0 is None or detector_ is None:
        raise CorruptFileError(f"{path.name}: no readable data block in the .cwa file.")
    corrupt = [Stretch(a - t0, b - t0, "corrupt") for a, b in corrupt_posix]
    # As the whole-file reader: a time-stamp gap that starts in damaged blocks is theirs.
    gaps = [g for g in gaps if not any(c.start - 1.5 / fs <= g.start < c.end for c in corrupt)]
    stretches = sorted(corrupt + gaps + nonwear, key=lambda s: (s.start, s.kind))
    if carry_t.size:
        env, _ = activity_envelope(
            carry_a, fs, gravity_window_s=params["gravity_window_s"], resolution_s=resolution_s
        )
        lo = env_done - carry_start // block
        detector_.feed(env[lo:], carry_t[lo * block :: block], stretches, math.inf)
    movements, excess, trace_time = detector_.finish(stretches)
    notes = damage_notes(seen)
    return _Streamed(
        summary=AccelRecording(
            time=np.array([0.0, last_t]),
            accel=np.zeros((2, 3)),
            fs=fs,
            start=t0,
            device="Axivity (.cwa, streamed)",
            stretches=stretches,
            notes=notes,
        ),
        movements=movements,
        excess=excess,
        trace_time=trace_time,
        epoch_means=np.concatenate(epoch_means) if epoch_means else np.empty((0, 3)),
        epoch_times=np.concatenate(epoch_times) if epoch_times else np.empty(0),
    )


def analyze_cwa_stream_nights(
    path: str | Path,
    *,
    rules: str | ScoringRules = "wasm2016",
    chunk_blocks: int = 3000,
    body_location: Place | None = None,
    **detector: float,
) -> list[NightReport]:
    """One report per noon-to-noon night of a long ``.cwa`` file, in bounded memory.

    Movements are detected over the whole file as :func:`analyze_cwa_stream` does, then
    shared out by night (:mod:`~nervepath.science.movement.nights`); each night's sleep
    window is HDCZA on that night's 5-s epochs. A file within one period gives the
    report of :func:`analyze_cwa_stream`.
    """
    path = Path(path)
    body_location = body_location or _place_of_file(path, "")
    got = _stream(path, chunk_blocks=chunk_blocks, **detector)
    whole = got.summary
    periods = night_periods(whole.start, whole.duration)
    if len(periods) == 1 and periods[0] == (0.0, whole.duration):
        return [_whole_report(got, path, rules, body_location)]
    reports = []
    for i, (a, b) in enumerate(periods):
        lo, hi = np.searchsorted(got.epoch_times, [a, b])
        value, when = slice_trace(got.excess, got.trace_time, a, b, a)
        part = AccelRecording(
            time=np.array([0.0, b - a - 1.0 / whole.fs]),
            accel=np.zeros((2, 3)),
            fs=whole.fs,
            start=whole.start + a,
            device=whole.device,
            stretches=slice_stretches(whole.stretches, a, b, a),
            notes=list(whole.notes),
        )
        report = _build_report(
            part,
            slice_movements(got.movements, a, b, a),
            hdcza_from_epochs(got.epoch_means[lo:hi], got.epoch_times[lo:hi] - a, b - a),
            StudyEvents(),
            get_rules(rules),
            path.name,
            f"accelerometer, {whole.fs:g} Hz",
            value,
            when,
            "g above rest",
            place=body_location,
        )
        report.notes.append(split_note(i, periods, whole.duration))
        reports.append(report)
    return reports


def _whole_report(
    got: _Streamed, path: Path, rules: str | ScoringRules, place: Place | None = None
) -> NightReport:
    whole = got.summary
    window = hdcza_from_epochs(got.epoch_means, got.epoch_times, whole.duration)
    return _build_report(
        whole,
        _not_in_progress(got.movements, got.trace_time),
        window,
        StudyEvents(),
        get_rules(rules),
        path.name,
        f"accelerometer, {whole.fs:g} Hz",
        got.excess,
        got.trace_time,
        "g above rest",
        place=place,
    )


def _nonwear(stats: list[tuple[np.ndarray, ...]], step: int, fs: float) -> list[Stretch]:
    s1, s2, mx, mn = (np.concatenate([s[k] for s in stats]) for k in range(4))
    return nonwear_from_stats(s1, s2, mx, mn, step=step, fs=fs)
