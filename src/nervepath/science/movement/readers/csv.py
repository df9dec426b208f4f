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
from nervepath.science.movement.readers.csv_fast import read_plain_csv
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
    path = Path(path)
    plain = read_plain_csv(path, _pick)
    if plain is not None:
        # The plain layout, read without pandas to the same values (csv_fast).
        time, accel = plain
        del plain
    else:
        time, accel = _read_with_pandas(path)
    steps = np.diff(time)
    positive = steps[steps > 0]
    del steps
    if positive.size == 0:
        raise CorruptFileError(f"{path.name}: the time column does not increase.")
    fs = float(round(1.0 / _median(positive), 3))
    del positive
    return build_accel_recording(time, accel, fs, "CSV (time, x, y, z in g)", [])


def _median(x: np.ndarray) -> float:
    """``np.median(x)``, the same double, partitioning ``x`` in place (no copies)."""
    half = x.size // 2
    if x.size % 2:
        x.partition(half)
        return float(x[half])
    x.partition((half - 1, half))
    return float(np.mean(x[half - 1 : half + 1]))


def _columns(names: list[str], path: Path) -> tuple[str, list[str]]:
    """The time column and the x, y, z columns among ``names`` (raises when missing)."""
    columns = {str(c).strip().lower(): c for c in names}
    time_col = next((columns[n] for n in _TIME_NAMES if n in columns), None)
    if time_col is None:
        raise MissingChannelError(
            f"{path.name}: no time column; name one of {', '.join(_TIME_NAMES)}."
        )
    axis_cols = []
    for options in _AXES:
        col = next((columns[n] for n in options if n in columns), None)
        if col is None:
            raise MissingChannelError(
                f"{path.name}: no '{options[0]}' acceleration column; the CSV needs "
                "columns time, x, y, z (acceleration in g)."
            )
        axis_cols.append(col)
    return time_col, axis_cols


def _pick(names: list[str]) -> tuple[int, list[int]] | None:
    """Column positions for the plain path, or ``None`` (pandas then reads the file
    and says what is missing)."""
    try:
        time_col, axis_cols = _columns(names, Path())
    except MissingChannelError:
        return None
    return names.index(time_col), [names.index(c) for c in axis_cols]


def _read_with_pandas(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Any other layout pandas reads: seconds or POSIX seconds, and (N, 3) g."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UnsupportedFormatError(f"{path.name}: not a readable CSV file ({exc}).") from exc
    time_col, axis_cols = _columns(list(frame.columns), path)
    if len(frame) < 2:
        raise CorruptFileError(f"{path.name}: fewer than two samples in the CSV file.")
    try:
        accel = frame[axis_cols].to_numpy(dtype=np.float64)
    except ValueError:
        # Text in a cell: the numbers pandas can read, and NaN for the others.
        accel = np.column_stack(
            [pd.to_numeric(frame[c], errors="coerce").to_numpy(np.float64) for c in axis_cols]
        )
    finite = np.isfinite(accel).all(axis=1)
    if not finite.all():
        row = int(np.argmin(finite))
        cut = row == len(frame) - 1 and bool(frame[axis_cols].iloc[row].isna().any())
        where = (
            "the last line, which looks cut short"
            if cut
            else f"data line {row + 1:,} of {len(frame):,}"
        )
        raise CorruptFileError(
            f"{path.name}: an empty or non-numeric acceleration value in {where}."
        )
    column = frame[time_col]
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=np.float64), accel
    try:
        stamps = pd.to_datetime(column, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise CorruptFileError(
            f"{path.name}: the time column is neither seconds nor ISO 8601 date-times ({exc})."
        ) from exc
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_localize(None)
    return stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9, accel
