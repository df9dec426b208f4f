# SPDX-License-Identifier: AGPL-3.0-or-later
"""CSV nights: the NumPy path for the plain layout reads exactly what pandas reads.

Every layout the CSV reader accepts is written here, read by ``read_csv`` and compared
bit for bit with the pandas reading of the same file (``_read_with_pandas``, the reader
before issue 15 §5); each case also says whether the plain (NumPy) path takes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nervepath.science.movement.cli import main
from nervepath.science.movement.errors import CorruptFileError, UnsupportedFormatError
from nervepath.science.movement.readers import csv as csv_reader
from nervepath.science.movement.readers import read_csv, read_night
from nervepath.science.movement.readers.csv_fast import read_plain_csv
from nervepath.science.movement.simulate import simulate_accel_night, write_accel_csv

START = np.datetime64("2024-03-01T23:59:58")  # the date changes after two seconds


def _stamps(n: int, step_ms: int, fmt: str) -> list[str]:
    """ISO date-times every ``step_ms`` from START: ``fmt`` is "us", "ms", "s"."""
    t = START + np.arange(n) * np.timedelta64(step_ms, "ms")
    return [str(s) for s in t.astype(f"datetime64[{fmt}]")]


def _values(rng: np.random.Generator, n: int, decimals: int) -> list[str]:
    v = rng.normal(0, 0.6, n)
    v[::97] = 0.0
    v[1::97] = -0.0
    v[2::113] = rng.uniform(-16, 16, v[2::113].size)  # the range of a 16 g device
    return [f"{x:.{decimals}f}" for x in v]


def _write(path: Path, header: str, rows: list[list[str]], *, eol: str = "\n", last=True) -> Path:
    text = eol.join([header, *(",".join(r) for r in rows)])
    path.write_bytes((text + (eol if last else "")).encode())
    return path


def _same_as_pandas(path: Path) -> None:
    rec = read_csv(path)
    time, accel = csv_reader._read_with_pandas(path)
    assert np.array_equal(rec.accel, accel)
    assert np.array_equal(np.signbit(rec.accel), np.signbit(accel))  # -0.0 stays -0.0
    assert np.array_equal(rec.time + rec.start, time - time[0] + rec.start)
    assert rec.start == time[0]


def _plain(path: Path, **kw) -> bool:
    return read_plain_csv(path, csv_reader._pick, **kw) is not None


@pytest.fixture
def rng():
    return np.random.default_rng(15)


def _rows(rng, n, stamps, decimals=(4, 4, 4)):
    cols = [_values(rng, n, d) for d in decimals]
    return [[t, *v] for t, *v in zip(stamps, *cols, strict=True)]


# Layouts the plain path reads (and pandas reads the same).
# name: (header, time format, line end, whether the last line has one)
PLAIN_CASES: dict[str, tuple[str, str, str, bool]] = {
    "simulator: ISO T, microseconds, 4 decimals": ("time,x,y,z", "us", "\n", True),
    "pandas' default: ISO with a space, milliseconds": (
        "timestamp,x,y,z", "ms-space", "\n", True,
    ),
    "whole seconds": ("datetime,x,y,z", "s", "\n", True),
    "Windows line ends": ("time,x,y,z", "ms", "\r\n", True),
    "no line end after the last line": ("time,x,y,z", "ms", "\n", False),
    "CRLF and no last line end": ("time,x,y,z", "ms", "\r\n", False),
    "other names, other case, other order": ("Z,Timestamp,X,Y", "ms", "\n", True),
    "accel_ names": ("t,accel_x,accel_y,accel_z", "ms", "\n", True),
}  # fmt: skip


@pytest.mark.parametrize("case", list(PLAIN_CASES))
def test_plain_layouts_read_as_pandas_reads_them(tmp_path, rng, case):
    header, fmt, eol, last = PLAIN_CASES[case]
    n = 3000
    stamps = _stamps(n, 1000 if fmt == "s" else 20, fmt.removesuffix("-space"))
    if fmt.endswith("space"):
        stamps = [s.replace("T", " ") for s in stamps]
    rows = _rows(rng, n, stamps)
    if header.startswith("Z,"):
        rows = [[r[3], r[0], r[1], r[2]] for r in rows]
    path = _write(tmp_path / "night.csv", header, rows, eol=eol, last=last)
    assert _plain(path)
    _same_as_pandas(path)
    rec = read_csv(path)
    assert rec.n_samples == n
    # The date changed at midnight: seconds keep counting.
    assert rec.time[-1] == pytest.approx((n - 1) * (1.0 if fmt == "s" else 0.02))


@pytest.mark.parametrize(
    ("decimals", "time_fmt"),
    [((4, 4, 4), "{:.2f}"), ((3, 5, 0), "{:.3f}"), ((6, 1, 2), "{:.0f}")],
)
def test_seconds_and_mixed_decimals_read_as_pandas_reads_them(tmp_path, rng, decimals, time_fmt):
    n = 2000
    seconds = [time_fmt.format(1_700_000_000 + i * 0.04) for i in range(n)]
    if time_fmt == "{:.0f}":
        seconds = [str(i) for i in range(n)]
    path = _write(tmp_path / "night.csv", "time,x,y,z", _rows(rng, n, seconds, decimals))
    assert _plain(path)
    _same_as_pandas(path)


def test_block_edges_fall_inside_lines(tmp_path, rng):
    n = 500
    path = _write(tmp_path / "night.csv", "time,x,y,z", _rows(rng, n, _stamps(n, 10, "us")))
    expected = read_plain_csv(path, csv_reader._pick)
    assert expected is not None
    for block in (61, 64, 100, 4096):  # shorter than one line, about one, many
        got = read_plain_csv(path, csv_reader._pick, block_bytes=block)
        assert got is not None
        assert np.array_equal(got.time, expected.time)
        assert np.array_equal(got.accel, expected.accel)
    _same_as_pandas(path)


def test_the_simulated_night_reads_as_pandas_reads_it(tmp_path):
    rec, _ = simulate_accel_night(4, hours=0.25, fs=100.0)
    path = write_accel_csv([rec], tmp_path / "night.csv")
    assert _plain(path)
    _same_as_pandas(path)


def _pandas_only(rows: list[list[str]]) -> list[str]:
    """Lines of layouts that pandas reads and the plain path leaves to it."""
    return [",".join(r) for r in rows]


# Layouts only pandas reads: the plain path must step aside (and the result is pandas').
OTHER_CASES = {
    "comment lines": lambda lines: ["# exported by a device", *lines],
    "a space after each comma": lambda lines: [ln.replace(",", ", ") for ln in lines],
    "quoted fields": lambda lines: [",".join(f'"{f}"' for f in ln.split(",")) for ln in lines],
    "time zone offset": lambda lines: (
        [lines[0]] + [ln.replace(",", "+01:00,", 1) for ln in lines[1:]]
    ),
    "UTC Z": lambda lines: [lines[0]] + [ln.replace(",", "Z,", 1) for ln in lines[1:]],
    "exponent notation": lambda lines: (
        [lines[0]]
        + [ln + "" if i % 7 else ln.rsplit(",", 1)[0] + ",1e-3" for i, ln in enumerate(lines[1:])]
    ),
    "variable decimals": lambda lines: (
        [lines[0]] + [ln if i % 5 else ln[:-1] for i, ln in enumerate(lines[1:])]
    ),
    "a plus sign": lambda lines: [lines[0]] + [ln.replace(",0.", ",+0.") for ln in lines[1:]],
    "blank lines at the end": lambda lines: [*lines, "", ""],
    "byte order mark": lambda lines: ["\ufeff" + lines[0], *lines[1:]],
    "an extra column": lambda lines: [lines[0] + ",temp"] + [ln + ",21.5" for ln in lines[1:]],
    "nanoseconds": lambda lines: [lines[0]] + [ln.replace(",", "123,", 1) for ln in lines[1:]],
}


@pytest.mark.parametrize("case", list(OTHER_CASES))
def test_other_layouts_are_left_to_pandas(tmp_path, rng, case):
    n = 400
    lines = ["time,x,y,z", *_pandas_only(_rows(rng, n, _stamps(n, 20, "us")))]
    path = tmp_path / "night.csv"
    path.write_text("\n".join(OTHER_CASES[case](lines)) + "\n", encoding="utf-8")
    assert not _plain(path)
    rec = read_csv(path)
    assert rec.n_samples == n
    _same_as_pandas(path)


def test_extreme_numbers_read_as_pandas_reads_them(tmp_path, rng):
    # 15 significant digits, the longest the plain path takes, and every sign of zero.
    n = 600
    big = rng.integers(0, 10**15, n)
    values = [f"{'-' if i % 2 else ''}{b // 10**6}.{b % 10**6:06d}" for i, b in enumerate(big)]
    values[:4] = ["0.000000", "-0.000000", "999999999.999999", "-999999999.999999"]
    rows = [[str(i), v, "1.0", "-1.0"] for i, v in enumerate(values)]
    path = _write(tmp_path / "night.csv", "time,x,y,z", rows)
    assert _plain(path)
    _same_as_pandas(path)
    # One digit more: pandas alone.
    rows[7][1] = "1234567890.123456"
    path = _write(tmp_path / "long.csv", "time,x,y,z", rows)
    assert not _plain(path)
    _same_as_pandas(path)


def test_impossible_dates_are_left_to_pandas_which_refuses_them(tmp_path, rng):
    rows = _rows(rng, 50, _stamps(50, 20, "ms"))
    rows[30][0] = rows[30][0].replace("2024-03-01", "2024-02-30")
    path = _write(tmp_path / "night.csv", "time,x,y,z", rows)
    assert not _plain(path)
    with pytest.raises(CorruptFileError, match="ISO 8601"):
        read_csv(path)


def test_a_cut_short_last_line_is_a_clear_error(tmp_path, rng):
    n = 300
    lines = _pandas_only(_rows(rng, n, _stamps(n, 20, "us")))
    path = tmp_path / "night.csv"
    path.write_text("\n".join(["time,x,y,z", *lines[:-1], lines[-1][:33]]))
    with pytest.raises(CorruptFileError, match="last line, which looks cut short"):
        read_csv(path)


def test_a_non_numeric_cell_names_its_line(tmp_path, rng):
    rows = _rows(rng, 300, _stamps(300, 20, "us"))
    rows[120][2] = "n/a"
    path = _write(tmp_path / "night.csv", "time,x,y,z", rows)
    assert not _plain(path)
    with pytest.raises(CorruptFileError, match="non-numeric acceleration value in data line 121"):
        read_csv(path)


def test_text_in_the_last_line_is_not_called_cut_short(tmp_path):
    path = tmp_path / "night.csv"
    path.write_text("time,x,y,z\n0,0,0,1\n0.01,0,0,1\n0.02,a,0,1\n")
    with pytest.raises(CorruptFileError, match="in data line 3 of 3"):
        read_csv(path)


def test_empty_and_header_only_files_are_clear_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CorruptFileError, match="empty"):
        read_night(empty)
    with pytest.raises(UnsupportedFormatError, match="not a readable CSV"):
        read_csv(empty)
    header = tmp_path / "header.csv"
    header.write_text("time,x,y,z\n")
    with pytest.raises(CorruptFileError, match="fewer than two samples"):
        read_csv(header)


@pytest.mark.parametrize("damage", ["cut short", "non-numeric", "empty"])
def test_a_bad_csv_writes_nothing(tmp_path, rng, capsys, damage):
    n = 300
    lines = _pandas_only(_rows(rng, n, _stamps(n, 20, "us")))
    if damage == "cut short":
        lines[-1] = lines[-1][:30]
    elif damage == "non-numeric":
        lines[10] = lines[10].replace(",", ",abc,", 1).rsplit(",", 1)[0]
    path = tmp_path / "night.csv"
    path.write_text("" if damage == "empty" else "\n".join(["time,x,y,z", *lines]))
    out = tmp_path / "out"
    assert main([str(path), "--out", str(out)]) == 1
    assert "CorruptFileError" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_a_plain_csv_night_gives_the_report_the_pandas_reading_gives(tmp_path):
    from nervepath.science.movement.pipeline import analyze_recording
    from nervepath.science.movement.readers._util import build_accel_recording

    rec, _ = simulate_accel_night(2, hours=1.2, fs=50.0)
    path = write_accel_csv([rec], tmp_path / "night.csv")
    assert _plain(path)
    time, accel = csv_reader._read_with_pandas(path)
    by_pandas = build_accel_recording(time, accel, 50.0, "CSV (time, x, y, z in g)", [])
    a = analyze_recording(read_csv(path), file="night.csv").to_json()
    b = analyze_recording(by_pandas, file="night.csv").to_json()
    assert json.loads(a) == json.loads(b)
    assert len(json.loads(a)["movements"]) > 10


@pytest.mark.parametrize("threads", [1, 2])
def test_one_or_two_decoding_threads_read_the_same(tmp_path, rng, monkeypatch, threads):
    from nervepath.science.movement.readers import csv_fast

    n = 5000
    path = _write(tmp_path / "night.csv", "time,x,y,z", _rows(rng, n, _stamps(n, 10, "us")))
    monkeypatch.setattr(csv_fast, "_threads", lambda: threads)
    got = read_plain_csv(path, csv_reader._pick, block_bytes=4096)  # about 60 blocks
    assert got is not None
    time, accel = csv_reader._read_with_pandas(path)
    assert np.array_equal(got.time, time) and np.array_equal(got.accel, accel)


@pytest.mark.parametrize("times", ["iso", "seconds"])
def test_any_byte_changed_is_read_as_pandas_reads_it_or_left_to_pandas(tmp_path, rng, times):
    # What the plain path accepts, pandas reads to the same values: one byte of a small
    # file is changed at a time, 300 times, to bytes that make or break the layout.
    n = 12
    stamps = _stamps(n, 20, "us") if times == "iso" else [f"{1.7e9 + i / 50:.2f}" for i in range(n)]
    rows = _rows(rng, n, stamps)
    original = ("\n".join(["time,x,y,z", *(",".join(r) for r in rows)]) + "\n").encode()
    alphabet = b'0123456789.-,:T \n\r#+eE"x/'
    path = tmp_path / "night.csv"
    accepted = 0
    for _ in range(FUZZ_ROUNDS):
        data = bytearray(original)
        data[int(rng.integers(11, len(data)))] = alphabet[int(rng.integers(len(alphabet)))]
        path.write_bytes(bytes(data))
        plain = read_plain_csv(path, csv_reader._pick)
        if plain is None:
            continue
        accepted += 1
        time, accel = csv_reader._read_with_pandas(path)
        assert np.array_equal(plain.accel, accel)
        assert np.array_equal(np.signbit(plain.accel), np.signbit(accel))
        assert np.array_equal(plain.time, time)
    # Digit-for-digit changes are read; the rest are left to pandas.
    assert FUZZ_ROUNDS // 10 < accepted < FUZZ_ROUNDS


FUZZ_ROUNDS = 300


def test_only_a_process_of_its_own_changes_the_allocator(tmp_path, monkeypatch):
    import sys

    import nervepath.cli as top

    calls: list[str] = []
    monkeypatch.setattr(top, "_keep_freed_memory", lambda: calls.append("mallopt"))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert top.main(["analyze", str(empty), "--out", str(tmp_path / "out")]) == 1
    assert calls == []  # called from Python (a test, a caller): left alone
    argv = ["nervepath", "analyze", str(empty), "--out", str(tmp_path / "out")]
    monkeypatch.setattr(sys, "argv", argv)
    assert top.main() == 1
    assert calls == ["mallopt"]


def test_keeping_freed_memory_runs_on_this_c_library():
    import nervepath.cli as top

    top._keep_freed_memory()  # glibc here; elsewhere it must return quietly
