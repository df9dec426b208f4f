# SPDX-License-Identifier: AGPL-3.0-or-later
"""A recording of several days as several nights, cut noon to noon on the device clock.

A patient may wear the monitor for a week. Each night is reported on its own: every
noon-to-noon period is cut from the recording (:func:`slice_accel`, :func:`slice_emg`)
and analysed as a recording of its own, so its movements, sleep window (HDCZA on that
period's samples), indices and report are those of the night analysed alone. A
movement is counted in the night its onset falls in; one still going at a cut is not
counted again in the next night. Large streamed ``.cwa`` files detect over the whole
file and share movements out by onset (:func:`slice_movements`). A recording that lies
within one period is reported whole, exactly as :func:`analyze_recording` does.

Periods with less than :data:`MIN_NIGHT_H` hours of recording (the afternoon a device
was put on, the morning it came off) are left out, and each night's notes say so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np

from nervepath.science.movement.events import LegMovements
from nervepath.science.movement.recording import (
    AccelRecording,
    Annotation,
    EmgRecording,
    Stretch,
)

__all__ = [
    "MIN_NIGHT_H",
    "NIGHT_CUT_HOUR",
    "night_periods",
    "slice_accel",
    "slice_emg",
    "slice_movements",
    "slice_stretches",
    "slice_trace",
    "split_note",
]

#: Nights are cut at this hour of the device clock (noon to noon).
NIGHT_CUT_HOUR = 12
#: A period with less recording than this is not reported as a night.
MIN_NIGHT_H = 3.0


def night_periods(
    start: float, duration: float, *, min_hours: float = MIN_NIGHT_H
) -> list[tuple[float, float]]:
    """The noon-to-noon periods of a recording, as seconds from its first sample.

    Parameters
    ----------
    start : float
        POSIX seconds of the device clock at the first sample (wall time, no zone).
    duration : float
        Length of the recording in seconds.
    min_hours : float, optional
        Periods shorter than this are left out.

    Returns
    -------
    list of (float, float)
        ``[(0, duration)]`` when the recording crosses no noon or no period is long
        enough; otherwise one ``(from, to)`` per night, in order.
    """
    clock = datetime.fromtimestamp(start, tz=UTC)
    cut = clock.replace(hour=NIGHT_CUT_HOUR, minute=0, second=0, microsecond=0)
    if cut <= clock:
        cut += timedelta(days=1)
    edges = [0.0]
    while (offset := (cut - clock).total_seconds()) < duration:
        edges.append(offset)
        cut += timedelta(days=1)
    edges.append(duration)
    if len(edges) == 2:
        return [(0.0, duration)]
    periods = [(a, b) for a, b in pairwise(edges) if b - a >= min_hours * 3600]
    return periods or [(0.0, duration)]


def slice_movements(movements: LegMovements, lo: float, hi: float, shift: float) -> LegMovements:
    """Movements with onset in ``[lo, hi)``, their times moved back by ``shift``."""
    keep = (movements.onset >= lo) & (movements.onset < hi)
    return LegMovements(
        onset=movements.onset[keep] - shift,
        offset=movements.offset[keep] - shift,
        side=movements.side[keep],
        amplitude=movements.amplitude[keep],
    )


def slice_stretches(stretches: list[Stretch], lo: float, hi: float, shift: float) -> list[Stretch]:
    """The parts of ``stretches`` inside ``[lo, hi)``, moved back by ``shift``."""
    return [
        Stretch(max(s.start, lo) - shift, min(s.end, hi) - shift, s.kind)
        for s in stretches
        if s.end > lo and s.start < hi
    ]


def slice_trace(
    value: np.ndarray, time: np.ndarray, lo: float, hi: float, shift: float
) -> tuple[np.ndarray, np.ndarray]:
    """The figure trace inside ``[lo, hi)``, its times moved back by ``shift``."""
    i0, i1 = np.searchsorted(time, [lo, hi])
    return value[i0:i1], time[i0:i1] - shift


def slice_accel(recording: AccelRecording, lo: float, hi: float) -> tuple[AccelRecording, float]:
    """The samples in ``[lo, hi)`` as a recording of their own (views, no copy).

    Returns the part and its shift: the time of its first sample in the whole recording.
    """
    i0, i1 = (int(i) for i in np.searchsorted(recording.time, [lo, hi]))
    shift = float(recording.time[i0]) if i1 > i0 else lo
    part = AccelRecording(
        time=recording.time[i0:i1] - shift,
        accel=recording.accel[i0:i1],
        fs=recording.fs,
        start=recording.start + shift,
        device=recording.device,
        stretches=slice_stretches(recording.stretches, lo, hi, shift),
        notes=list(recording.notes),
    )
    return part, shift


def slice_emg(recording: EmgRecording, lo: float, hi: float) -> EmgRecording:
    """The EMG and annotations in ``[lo, hi)`` as a recording of their own."""
    i0, i1 = round(lo * recording.fs), round(hi * recording.fs)
    shift = i0 / recording.fs
    return EmgRecording(
        channels={side: x[i0:i1] for side, x in recording.channels.items()},
        fs=recording.fs,
        start=recording.start + shift,
        device=recording.device,
        labels=dict(recording.labels),
        annotations=[
            Annotation(a.onset - shift, a.duration, a.label)
            for a in recording.annotations
            if lo <= a.onset < hi
        ],
        stretches=slice_stretches(recording.stretches, lo, hi, shift),
        notes=list(recording.notes),
    )


def split_note(index: int, periods: list[tuple[float, float]], duration: float) -> str:
    """What each night of a split recording says about where it came from."""
    kept = sum(b - a for a, b in periods)
    note = (
        f"Night {index + 1} of {len(periods)} from a recording of {duration / 3600:.1f} h, "
        "cut at noon (device clock)."
    )
    left = duration - kept
    if left >= 60:
        note += f" {left / 3600:.1f} h outside any night (less than {MIN_NIGHT_H:g} h) left out."
    return note
