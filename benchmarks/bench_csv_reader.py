# SPDX-License-Identifier: AGPL-3.0-or-later
"""Accelerometer CSV nights (issue 15 §5): the engine's readers against pyarrow's.

Run on demand (never in CI)::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_csv_reader.py [--csv FILE] [--runs 3]

The engine reads the plain layout (one header line, fixed-width ISO times or seconds,
fixed-decimal numbers) with ``readers.csv_fast.read_plain_csv`` (NumPy only) and every
other layout with pandas (``readers.csv._read_with_pandas``); both are measured here.
The whole command is timed from outside as a process (``/usr/bin/time -v``, runs
alternated with the checkout it is compared with; docs/movement.md).

pyarrow is not a nervepath dependency; to measure it without changing the project's
environment (pandas 3 infers pyarrow-backed strings when pyarrow is importable), install
it into a folder of its own and add that to PYTHONPATH for this run only:
``pip install --target /tmp/pa pyarrow`` then ``PYTHONPATH=src:/tmp/pa``.

Input: an 8-hour 100 Hz ankle night written by the simulator's ``write_accel_csv``
(``time,x,y,z``, ISO date-times with microseconds, g to 4 decimals; 2.88 M rows,
about 104 MB), made once into a temp folder unless ``--csv`` names one. Each reader
gives POSIX seconds and an (N, 3) float64 array; each is checked against pandas (the
engine's reader today) sample for sample. Figures: wall and CPU seconds (medians of
``--runs``; CPU time is the steadier figure on a shared machine) and the peak of
traced allocations (tracemalloc, one more run) over the raw samples as float64
(N x 3 x 8 bytes, the x, y and z samples, as issue 15 counts them).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "benchmarks")]

Reader = Callable[[Path], tuple[np.ndarray, np.ndarray]]


def read_pandas(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """What ``readers.csv.read_csv`` does before building the recording."""
    import pandas as pd

    frame = pd.read_csv(path, comment="#", skipinitialspace=True)
    stamps = pd.to_datetime(frame["time"], format="ISO8601")
    time_s = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9
    return time_s, frame[["x", "y", "z"]].to_numpy(dtype=np.float64)


def read_plain(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The engine's NumPy path for the plain layout (POSIX seconds, (N, 3) g)."""
    from nervepath.science.movement.readers.csv import _pick
    from nervepath.science.movement.readers.csv_fast import read_plain_csv

    got = read_plain_csv(path, _pick)
    if got is None:
        raise ValueError("not the plain layout")
    return got.time, got.accel


def read_numpy(path: Path) -> tuple[np.ndarray, np.ndarray]:
    from csv_numpy_candidate import read_columns

    raw = path.read_bytes()
    got = read_columns(raw, 0, [1, 2, 3], 4, raw.index(b"\n") + 1)
    if got is None:
        raise ValueError("not the candidate's layout")
    return got


def read_pyarrow(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import pyarrow as pa
    from pyarrow import csv

    table = csv.read_csv(
        path,
        convert_options=csv.ConvertOptions(
            column_types={"time": pa.timestamp("us"), "x": pa.float64(), "y": pa.float64(),
                          "z": pa.float64()},
        ),
    )  # fmt: skip
    time_s = table["time"].to_numpy().astype("datetime64[us]").astype(np.int64) / 1e6
    accel = np.column_stack([table[c].to_numpy() for c in ("x", "y", "z")])
    return time_s, accel


def read_pandas_arrow(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """pandas with pyarrow's parser underneath (``engine="pyarrow"``)."""
    import pandas as pd
    import pyarrow  # noqa: F401  (ImportError: not installed)

    frame = pd.read_csv(path, engine="pyarrow", parse_dates=["time"])
    time_s = frame["time"].to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9
    return time_s, frame[["x", "y", "z"]].to_numpy(dtype=np.float64)


READERS: dict[str, Reader] = {
    "pandas": read_pandas,
    "plain": read_plain,
    "numpy": read_numpy,
    "pyarrow": read_pyarrow,
    "pandas+pa": read_pandas_arrow,
}


def make_csv(folder: Path) -> Path:
    from nervepath.science.movement.simulate import simulate_accel_night, write_accel_csv

    rec, _ = simulate_accel_night(1, hours=8.0, fs=100.0)
    return write_accel_csv([rec], folder / "night-8h-100hz.csv")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nervepath-csv-") as folder:
        path = args.csv or make_csv(Path(folder))
        reference = read_pandas(path)
        raw_mb = reference[1].shape[0] * 3 * 8 / 2**20
        print(f"{path.name}: {path.stat().st_size / 2**20:.0f} MB, {reference[1].shape[0]:,} "
              f"rows, raw samples {raw_mb:.0f} MB")  # fmt: skip
        for name, reader in READERS.items():
            try:
                got = reader(path)
            except ImportError:
                print(f"{name:9s} not installed")
                continue
            same = np.array_equal(got[1], reference[1]) and bool(
                np.abs(got[0] - reference[0]).max() < 1e-5
            )
            walls, cpus = [], []
            for _ in range(args.runs):
                w, c = time.perf_counter(), time.process_time()
                reader(path)
                walls.append(time.perf_counter() - w)
                cpus.append(time.process_time() - c)
            tracemalloc.start()
            reader(path)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            print(f"{name:9s} wall {statistics.median(walls):6.2f} s  cpu "
                  f"{statistics.median(cpus):6.2f} s  peak {peak:5.0f} MB = "
                  f"{peak / raw_mb:4.1f}x raw  same as pandas: {same}")  # fmt: skip


if __name__ == "__main__":
    main()
