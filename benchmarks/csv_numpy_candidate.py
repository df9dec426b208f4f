# SPDX-License-Identifier: AGPL-3.0-or-later
"""Candidate for issue 15 §5 (measured by ``bench_csv_reader.py``, not used by the
engine): a vectorised reader for the common CSV layout: one header line, then rows of equal
shape, the time as fixed-width ISO 8601 date-times or as seconds.

Measured on an 8-hour 100 Hz ankle night (2.88 M rows, 104 MB; see
``bench_csv_reader.py``): pandas' ``read_csv`` plus ``to_datetime`` spends
most of its time making 2.88 M Python strings of the time column and parsing them.
Here the file's bytes are split at commas and newlines with NumPy, the time digits are
read position by position (all rows share one width), and the numbers are parsed by
NumPy's C text parser (``np.fromstring`` with a separator) after the time field is
blanked. Anything else (quoted fields, comment lines after the header, ragged rows,
time stamps of varying width or with a zone) returns ``None`` and the caller reads the
file with pandas, which is the reference this reader is tested against.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["read_columns"]

_NL, _COMMA, _SPACE, _CR = 10, 44, 32, 13


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _iso_seconds(data: np.ndarray, start: np.ndarray, width: int) -> np.ndarray | None:
    """POSIX seconds of fixed-width ``YYYY-MM-DD[T ]HH:MM:SS[.f...]`` fields, or None."""
    if width < 19 or width > 29:
        return None
    first = data[start[0] : start[0] + width].tobytes()
    layout = first[:4].isdigit() and first[4:5] == b"-" and first[7:8] == b"-"
    layout = layout and first[10:11] in (b"T", b" ") and first[13:14] == b":"
    layout = layout and first[16:17] == b":" and (width == 19 or first[19:20] == b".")
    if not layout:
        return None
    for pos, char in ((4, 45), (7, 45), (13, 58), (16, 58)):
        if not np.array_equal(data[start + pos], np.full(start.size, char, np.uint8)):
            return None

    def digits(a: int, b: int) -> np.ndarray | None:
        out = np.zeros(start.size, dtype=np.int64)
        for pos in range(a, b):
            d = data[start + pos].astype(np.int64) - 48
            if ((d < 0) | (d > 9)).any():
                return None
            out = out * 10 + d
        return out

    parts = [digits(0, 4), digits(5, 7), digits(8, 10), digits(11, 13), digits(14, 16)]
    sec = digits(17, 19)
    frac = digits(20, width) if width > 20 else np.zeros(start.size, dtype=np.int64)
    if sec is None or frac is None or any(p is None for p in parts):
        return None
    year, month, day, hour, minute = (p for p in parts if p is not None)
    bad = (month < 1) | (month > 12) | (day < 1) | (day > 31) | (hour > 23) | (minute > 59)
    if bad.any() or (sec > 60).any():
        return None
    days = _days_from_civil(year, month, day)
    whole = ((days * 24 + hour) * 60 + minute) * 60 + sec
    scale = 10.0 ** max(0, width - 20)
    return whole.astype(np.float64) + frac / scale


def read_columns(
    raw: bytes, time_index: int, axis_index: list[int], n_columns: int, header_end: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """(time in POSIX or given seconds, accel (N, 3)) from a CSV's bytes, or None.

    ``header_end`` is the offset just past the header line's newline; the column
    indices are those of the header. None means "not this reader's layout".
    """
    data = np.frombuffer(raw, dtype=np.uint8)[header_end:]
    if data.size == 0:
        return None
    if data[-1] != _NL:
        data = np.concatenate((data, np.array([_NL], np.uint8)))
    if (data == 34).any() or (data == 35).any():  # quotes or comments: pandas reads them
        return None
    ends = np.flatnonzero(data == _NL)
    starts = np.concatenate(([0], ends[:-1] + 1))
    if (ends - starts < 2 * n_columns - 1).any():  # blank or short lines
        return None
    commas = np.flatnonzero(data == _COMMA)
    if commas.size != ends.size * (n_columns - 1):
        return None
    commas = commas.reshape(ends.size, n_columns - 1)
    if n_columns > 1 and ((commas[:, 0] < starts) | (commas[:, -1] > ends)).any():
        return None
    field_start = np.column_stack((starts, commas + 1))
    field_end = np.column_stack((commas, ends))
    t0 = field_start[:, time_index]
    while True:  # skipinitialspace
        blank = data[np.minimum(t0, data.size - 1)] == _SPACE
        if not blank.any():
            break
        t0 = t0 + blank
    t_end = field_end[:, time_index]
    if time_index == n_columns - 1:
        t_end = t_end - (data[t_end - 1] == _CR)
    widths = t_end - t0
    time: np.ndarray | None = None
    if (widths == widths[0]).all() and not (data[t0[0]] in b"0123456789.-+" and widths[0] < 19):
        time = _iso_seconds(data, t0, int(widths[0]))
        if time is None:
            return None
    # Blank every column but the time (if numeric) and the axes, each with one comma:
    # only columns of one width throughout (the ISO time, a fixed-width extra column).
    keep = set(axis_index) | (set() if time is not None else {time_index})
    work = data.copy()
    if (data == _CR).any():
        work[work == _CR] = _SPACE
    for k in range(n_columns):
        if k in keep:
            continue
        a = field_start[:, k]
        width = field_end[:, k] - a
        if not (width == width[0]).all():
            return None
        first = -1 if k == n_columns - 1 else 0  # the comma before the last column
        for j in range(first, int(width[0]) + (0 if k == n_columns - 1 else 1)):
            work[a + j] = _SPACE
    work[ends] = _COMMA
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a malformed number warns: not this layout
        try:
            values = np.fromstring(work.tobytes(), dtype=np.float64, sep=",")
        except (DeprecationWarning, ValueError):
            return None
    kept = sorted(keep)
    if values.size != ends.size * len(kept):
        return None
    values = values.reshape(ends.size, len(kept))
    accel = np.ascontiguousarray(values[:, [kept.index(i) for i in axis_index]])
    if time is None:
        time = np.ascontiguousarray(values[:, kept.index(time_index)])
    return time, accel
