# SPDX-License-Identifier: AGPL-3.0-or-later
"""Leg movements, periodic series and the night report, from wearables and sleep studies.

The whole engine in one call::

    from nervepath.science.movement import analyze_file
    report = analyze_file("night.cwa")            # or .bin, .gt3x, .csv, .edf
    report.summary()                              # readable table
    report.to_dict()                              # JSON-ready, for storage
    save_figure(report, "night.png")              # the night on one page

Or step by step: :func:`read_night` -> :func:`detect_emg_movements` /
:func:`detect_accel_movements` -> :func:`candidate_movements` -> :func:`plm_series`.
No Django, no database: only the files it is handed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Names are imported on first use (PEP 562), so that a command that reads one EDF
# night does not pay for the accelerometer readers, pandas or matplotlib.
_WHERE = {
    "AASM_2012": "nervepath.science.movement.rules",
    "AccelRecording": "nervepath.science.movement.recording",
    "Annotation": "nervepath.science.movement.recording",
    "Candidates": "nervepath.science.movement.candidates",
    "CorruptFileError": "nervepath.science.movement.errors",
    "EmgRecording": "nervepath.science.movement.recording",
    "LegMovements": "nervepath.science.movement.events",
    "MissingChannelError": "nervepath.science.movement.errors",
    "MovementInputError": "nervepath.science.movement.errors",
    "MovementRow": "nervepath.science.movement.report",
    "NightReport": "nervepath.science.movement.report",
    "SUPPORTED_SUFFIXES": "nervepath.science.movement.readers",
    "SamplingRateTooLowError": "nervepath.science.movement.errors",
    "ScoringRules": "nervepath.science.movement.rules",
    "SleepWindow": "nervepath.science.movement.sleepwindow",
    "Stretch": "nervepath.science.movement.recording",
    "UnsupportedFormatError": "nervepath.science.movement.errors",
    "WASM_2016": "nervepath.science.movement.rules",
    "analyze_file": "nervepath.science.movement.pipeline",
    "analyze_nights": "nervepath.science.movement.pipeline",
    "analyze_recording": "nervepath.science.movement.pipeline",
    "analyze_recording_nights": "nervepath.science.movement.pipeline",
    "arousal_associated": "nervepath.science.movement.context",
    "candidate_movements": "nervepath.science.movement.candidates",
    "detect_accel_movements": "nervepath.science.movement.accel",
    "detect_emg_movements": "nervepath.science.movement.emg",
    "get_rules": "nervepath.science.movement.rules",
    "hdcza_sleep_window": "nervepath.science.movement.sleepwindow",
    "interval_histogram": "nervepath.science.movement.periodic",
    "parse_annotations": "nervepath.science.movement.context",
    "periodicity_index": "nervepath.science.movement.periodic",
    "plm_series": "nervepath.science.movement.periodic",
    "plot_night": "nervepath.science.movement.figure",
    "read_night": "nervepath.science.movement.readers",
    "respiratory_related": "nervepath.science.movement.context",
    "save_figure": "nervepath.science.movement.figure",
    "window_from_staging": "nervepath.science.movement.sleepwindow",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from nervepath.science.movement.accel import detect_accel_movements
    from nervepath.science.movement.candidates import Candidates, candidate_movements
    from nervepath.science.movement.context import (
        arousal_associated,
        parse_annotations,
        respiratory_related,
    )
    from nervepath.science.movement.emg import detect_emg_movements
    from nervepath.science.movement.errors import (
        CorruptFileError,
        MissingChannelError,
        MovementInputError,
        SamplingRateTooLowError,
        UnsupportedFormatError,
    )
    from nervepath.science.movement.events import LegMovements
    from nervepath.science.movement.figure import plot_night, save_figure
    from nervepath.science.movement.periodic import (
        interval_histogram,
        periodicity_index,
        plm_series,
    )
    from nervepath.science.movement.pipeline import (
        analyze_file,
        analyze_nights,
        analyze_recording,
        analyze_recording_nights,
    )
    from nervepath.science.movement.readers import SUPPORTED_SUFFIXES, read_night
    from nervepath.science.movement.recording import (
        AccelRecording,
        Annotation,
        EmgRecording,
        Stretch,
    )
    from nervepath.science.movement.report import MovementRow, NightReport
    from nervepath.science.movement.rules import AASM_2012, WASM_2016, ScoringRules, get_rules
    from nervepath.science.movement.sleepwindow import (
        SleepWindow,
        hdcza_sleep_window,
        window_from_staging,
    )


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'nervepath.science.movement' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AASM_2012",
    "SUPPORTED_SUFFIXES",
    "WASM_2016",
    "AccelRecording",
    "Annotation",
    "Candidates",
    "CorruptFileError",
    "EmgRecording",
    "LegMovements",
    "MissingChannelError",
    "MovementInputError",
    "MovementRow",
    "NightReport",
    "SamplingRateTooLowError",
    "ScoringRules",
    "SleepWindow",
    "Stretch",
    "UnsupportedFormatError",
    "analyze_file",
    "analyze_nights",
    "analyze_recording",
    "analyze_recording_nights",
    "arousal_associated",
    "candidate_movements",
    "detect_accel_movements",
    "detect_emg_movements",
    "get_rules",
    "hdcza_sleep_window",
    "interval_histogram",
    "parse_annotations",
    "periodicity_index",
    "plm_series",
    "plot_night",
    "read_night",
    "respiratory_related",
    "save_figure",
    "window_from_staging",
]
