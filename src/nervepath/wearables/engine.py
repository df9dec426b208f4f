# SPDX-License-Identifier: AGPL-3.0-or-later
"""The part of night analysis that needs no Django: file in, nights out.

Dask workers (``reanalyze_nights``) and the background task both call
:func:`analyze_path`, so a batch re-run and an upload give the same nights. It checks
what the engine cannot know (a device clock set decades back or into the future),
draws the figure and returns plain values; the caller stores them.
"""

from __future__ import annotations

import importlib
import io
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import nervepath
from nervepath.science.movement import MovementInputError, NightReport, analyze_nights
from nervepath.science.movement.errors import (
    CorruptFileError,
    MissingChannelError,
    OversizedArchiveError,
    SamplingRateTooLowError,
    UnsupportedFormatError,
    plain_message,
)

RULES = "wasm2016"
ENGINE_VERSION = f"{nervepath.__version__}/{RULES}"

#: Recording clocks before this are a device whose clock was never set (factory
#: defaults are 2000-01-01 or 1970-01-01); no such device recorded a clinic night.
EARLIEST_PLAUSIBLE = datetime(2005, 1, 1)
#: A start more than a day past "now" is a clock set into the future.
FUTURE_SLACK = timedelta(days=1)


class ImplausibleClockError(MovementInputError):
    """The recording's start time cannot be right: the device clock was not set."""


# Error code and what it means for the clinician, in front of the engine's own message.
ERROR_TEXT: dict[type[BaseException], tuple[str, str]] = {
    UnsupportedFormatError: ("unsupported_format", "This is not a file nervepath can read."),
    OversizedArchiveError: (
        "archive_too_large",
        "The file unpacks to far more data than a night recording holds.",
    ),
    CorruptFileError: ("corrupt_file", "The file is damaged or was cut short."),
    MissingChannelError: ("missing_channel", "The recording lacks a signal the analysis needs."),
    SamplingRateTooLowError: (
        "sampling_rate_too_low",
        "The device recorded too slowly for leg movements to be measured.",
    ),
    ImplausibleClockError: ("device_clock", "The device clock was wrong."),
    MovementInputError: ("unusable_file", "The recording cannot be analysed."),
}


def explain(exc: MovementInputError) -> tuple[str, str]:
    """(code, sentence) for a typed engine error: what went wrong, then the details."""
    for kind in type(exc).__mro__:
        if kind in ERROR_TEXT:
            code, lead = ERROR_TEXT[kind]
            # A short sentence, never the raw bytes a library may quote.
            detail = plain_message(exc)
            return code, f"{lead} {detail}" if detail else lead
    return "unusable_file", plain_message(exc)


@dataclass
class NightResult:
    """One night from a recording, ready to store."""

    night_of: date
    report: dict[str, Any]
    csv: str
    figure_png: bytes
    plms_index: float | None
    movements_per_hour: float | None
    moves_every_min: float | None
    sleep_window_start: datetime | None
    sleep_window_end: datetime | None
    total_sleep_h: float | None
    notes: list[str] = field(default_factory=list)


def _num(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _clock(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def night_date(start: datetime) -> date:
    """The evening a night belongs to: a start before noon counts for the day before."""
    return (start - timedelta(days=1)).date() if start.hour < 12 else start.date()


def check_clock(report: NightReport, *, now: datetime) -> None:
    started = _clock(report.recording_start)
    if started is None:
        return
    if started < EARLIEST_PLAUSIBLE:
        raise ImplausibleClockError(
            f"It says the recording began on {started:%B %-d, %Y}, so the clock was probably "
            "never set. Set the device clock and record the night again."
        )
    if started > now + FUTURE_SLACK:
        raise ImplausibleClockError(
            f"It says the recording began on {started:%B %-d, %Y}, which is in the future. "
            "Correct the device clock and record the night again."
        )


def preload() -> None:
    """Import what analyses use (the device readers' libraries, pandas for CSV files,
    matplotlib for the figure) in this process, once.

    The worker analyses each night in a forked child (``sandbox.run``): a module the
    worker has imported is there in every child at no cost, while one imported in the
    child is imported again for each night. scikit-digital-health alone (the .cwa
    reader) costs about 1.5 s of CPU to import, against 0.5 s for analysing a short
    night; the worker holds some 130 MB more for it."""
    for module in PRELOADED:
        importlib.import_module(module)


#: What :func:`preload` imports.
PRELOADED = (
    "edfio",
    "matplotlib.backends.backend_agg",
    "matplotlib.figure",
    "pandas",
    "pygt3x.reader",
    "skdh.io",
    "nervepath.science.movement.figure",
    "nervepath.science.movement.pipeline",
)


def render_png(report: NightReport) -> bytes:
    """The engine's one-page figure as PNG bytes."""
    from nervepath.science.movement import save_figure

    with tempfile.TemporaryDirectory(prefix="nervepath-fig-") as folder:
        path = Path(folder) / "night.png"
        save_figure(report, path)
        return path.read_bytes()


def result_from_report(report: NightReport, *, figure: bool = True) -> NightResult:
    start = _clock(report.sleep_window_start) or _clock(report.recording_start)
    if start is None:
        raise CorruptFileError("The recording has no readable start time.")
    return NightResult(
        night_of=night_date(start),
        report=report.to_dict(),
        csv=report.to_csv(),
        figure_png=render_png(report) if figure else b"",
        plms_index=_num(report.plms_index),
        movements_per_hour=_num(report.movements_per_hour),
        moves_every_min=_num(report.moves_every_min),
        sleep_window_start=_clock(report.sleep_window_start),
        sleep_window_end=_clock(report.sleep_window_end),
        total_sleep_h=_num(report.sleep_h),
        notes=list(report.notes),
    )


#: The engine call: a path in, the night's report or the reports of each night out.
Analyzer = Callable[..., NightReport | list[NightReport]]


def analyze_path(
    path: str | os.PathLike[str],
    *,
    now: datetime | None = None,
    analyzer: Analyzer = analyze_nights,
    body_location: str = "",
) -> list[NightResult]:
    """Analyse a night file; raise :class:`MovementInputError` when it cannot be used.

    A file of several days gives one result per night (cut noon to noon on the device
    clock by the engine's ``analyze_nights``), one night date each. ``now`` is the
    device-clock "now" for the future check (the machine's clock by default). Large
    ``.cwa`` files are streamed by the engine itself. ``body_location`` is where the
    monitor was worn as given at upload; the file header's place wins where it has one.
    """
    found = analyzer(path, rules=RULES, body_location=body_location)
    reports = found if isinstance(found, list) else [found]
    if not reports:
        raise CorruptFileError("The recording holds no night that could be analysed.")
    for report in reports:
        check_clock(report, now=now or datetime.now())
    results = [result_from_report(report) for report in reports]
    dates = [r.night_of for r in results]
    if len(set(dates)) != len(dates):  # two parts of one night: cannot be stored apart
        raise CorruptFileError(
            "The recording's time stamps put two parts in the same night; check the device clock."
        )
    return results


def analyze_bytes(data: bytes, suffix: str, body_location: str = "") -> list[NightResult]:
    """For a Dask worker on another machine: the file's bytes, written to a temp file."""
    with tempfile.NamedTemporaryFile(suffix=suffix, prefix="nervepath-night-") as fh:
        fh.write(data)
        fh.flush()
        return analyze_path(fh.name, body_location=body_location)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG (for placing it on the PDF page)."""
    buf = io.BytesIO(data)
    buf.seek(16)
    return int.from_bytes(buf.read(4), "big"), int.from_bytes(buf.read(4), "big")
