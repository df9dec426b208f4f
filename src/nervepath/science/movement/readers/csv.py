# SPDX-License-Identifier: AGPL-3.0-or-later
"""CSV accelerometer exports: a time column and x, y, z in g."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nervepath.science.movement.errors import (
    CorruptFileError,
    MissingChannelError,
    UnsupportedFormatError,
)
from nervepath.science.movement.readers._util import build_accel_recording
from nervepath.science.movement.recording import AccelRecording

__all__ = ["read_csv"]

_TIME_NAMES = ("time", "timestamp", "datetime", "date_time", "t")
_AXES = (
    ("x", "accel_x", "acc_x", "ax"),
    ("y", "accel_y", "acc_y", "ay"),
    ("z", "accel_z", "acc_z", "az"),
)


def read_csv(path: str | Path) -> AccelRecording:
    """Read a CSV file with a time column and x, y, z acceleration in g.

    The time column holds ISO 8601 date-times (read as device-clock wall time) or
    seconds (POSIX seconds, or seconds from the start). Column names are matched
    case-insensitively: ``time``/``timestamp``/``datetime`` and ``x``/``y``/``z``
    (or ``accel_x``...).

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    AccelRecording
        Acceleration in g; the sampling rate is the median step between samples.

    Raises
    ------
    MissingChannelError
        No time column or no x, y, z columns.
    CorruptFileError
        Non-numeric acceleration, unparseable times, or fewer than two samples.
    """
    import pandas as pd

    path = Path(path)
    try:
        frame = pd.read_csv(path, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UnsupportedFormatError(f"{path.name}: not a readable CSV file ({exc}).") from exc
    columns = {str(c).strip().lower(): c for c in frame.columns}
    time_col = next((columns[n] for n in _TIME_NAMES if n in columns), None)
    if time_col is None:
        raise MissingChannelError(
            f"{path.name}: no time column; name one of {', '.join(_TIME_NAMES)}."
        )
    axis_cols = []
    for names in _AXES:
        col = next((columns[n] for n in names if n in columns), None)
        if col is None:
            raise MissingChannelError(
                f"{path.name}: no '{names[0]}' acceleration column; the CSV needs "
                "columns time, x, y, z (acceleration in g)."
            )
        axis_cols.append(col)
    if len(frame) < 2:
        raise CorruptFileError(f"{path.name}: fewer than two samples in the CSV file.")
    try:
        accel = frame[axis_cols].to_numpy(dtype=np.float64)
    except ValueError as exc:
        raise CorruptFileError(f"{path.name}: non-numeric acceleration values ({exc}).") from exc
    if not np.isfinite(accel).all():
        raise CorruptFileError(f"{path.name}: empty or non-numeric acceleration values.")
    column = frame[time_col]
    if pd.api.types.is_numeric_dtype(column):
        time = column.to_numpy(dtype=np.float64)
    else:
        try:
            stamps = pd.to_datetime(column, format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise CorruptFileError(
                f"{path.name}: the time column is neither seconds nor ISO 8601 date-times ({exc})."
            ) from exc
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_localize(None)
        time = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9
    steps = np.diff(time)
    positive = steps[steps > 0]
    if positive.size == 0:
        raise CorruptFileError(f"{path.name}: the time column does not increase.")
    fs = float(round(1.0 / float(np.median(positive)), 3))
    return build_accel_recording(time, accel, fs, "CSV (time, x, y, z in g)", [])
