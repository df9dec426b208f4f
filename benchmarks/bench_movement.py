# SPDX-License-Identifier: AGPL-3.0-or-later
"""Speed and memory of the leg-movement engine, side by side with peer tools.

Run on demand (never in CI)::

    .venv/bin/python benchmarks/bench_movement.py [--repeat 5] [--skip-week | --only-long]

Each measurement runs in a fresh Python process (``--case NAME``), so peak memory is
that process's own high-water mark (``resource.getrusage(RUSAGE_SELF).ru_maxrss``,
what ``/usr/bin/time -v`` reports as "Maximum resident set size") minus its resident
size after imports; wall time is the median of ``--repeat`` runs after one warm-up.

Inputs are made here: an 8-hour 100 Hz AX3 .cwa (real blocks of ``ax3_testfile.cwa``
re-stamped, see ``tests/science/movement/cwa_writer.py``), 1-, 3- and 7-day ones the
same way, and simulated 8-hour two-leg EMG nights at 256 and 1000 Hz (the simulator of
the test suite). Peer readers: scikit-digital-health (the library nervepath uses for
.cwa), pygt3x, and actipy where installed (not a nervepath dependency: its Academic Use
Licence is not AGPL-compatible). Peer scorer: psgscoring's ``plm`` module (AASM rules)
on the same simulated EMG, with agreement against the known movements.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WEARABLES = (ROOT / ".." / "shared" / "data" / "wearables").resolve()
SUPPORT = ROOT / "tests" / "science" / "movement"


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _support(name: str):
    """A test-support module (simulator, .cwa writer) loaded from the test suite."""
    spec = importlib.util.spec_from_file_location(f"nervepath_bench_{name}", SUPPORT / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _timed(fn, repeat: int, *, traced: bool = False) -> tuple[float, float, object]:
    """Peak memory increment of the first run (MB) and median wall time of the rest.

    With ``traced``, the peak is tracemalloc's (NumPy allocations included): for cases
    whose inputs are generated in the process first, whose own peak would otherwise
    hide the measured one in ``ru_maxrss``.
    """
    base = _rss_mb()
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    if traced:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        peak = _peak_mb() - base
    if repeat == 0:
        return peak, first, result
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return peak, statistics.median(times), result


def run_case(case: str, arg: str, repeat: int) -> dict:
    """One measurement, in this (fresh) process."""
    warnings.simplefilter("ignore")
    out: dict = {"case": case}
    if case.startswith(("read_", "week_")) or case == "cwa_e2e":
        # Import the reader library first: its import cost is not part of a measurement.
        importlib.import_module("skdh.io")
        from nervepath.science.movement import analyze_file
        from nervepath.science.movement.readers import read_cwa, read_gt3x
    if case == "cwa_e2e":
        peak, wall, report = _timed(lambda: analyze_file(arg), repeat)
        out.update(wall_s=wall, peak_mb=peak, n_candidates=report.n_candidates)
    elif case == "read_nervepath_cwa":
        peak, wall, rec = _timed(lambda: read_cwa(arg), repeat)
        out.update(wall_s=wall, peak_mb=peak, samples=rec.n_samples)
    elif case == "read_skdh_cwa":
        from skdh.io import ReadCwa

        peak, wall, data = _timed(lambda: ReadCwa().predict(file=arg), repeat)
        out.update(wall_s=wall, peak_mb=peak, samples=int(data["accel"].shape[0]))
    elif case in {"read_actipy_cwa", "read_actipy_gt3x"}:
        import actipy

        def read():
            return actipy.read_device(
                arg,
                lowpass_hz=None,
                calibrate_gravity=False,
                detect_nonwear=False,
                resample_hz=None,
                verbose=False,
            )[0]

        peak, wall, data = _timed(read, repeat)
        out.update(wall_s=wall, peak_mb=peak, samples=len(data))
    elif case == "read_nervepath_gt3x":
        peak, wall, rec = _timed(lambda: read_gt3x(arg), repeat)
        out.update(wall_s=wall, peak_mb=peak, samples=rec.n_samples)
    elif case == "read_pygt3x_gt3x":
        from pygt3x.reader import FileReader

        def read():
            with FileReader(arg) as reader:
                return reader.to_pandas()

        peak, wall, data = _timed(read, repeat)
        out.update(wall_s=wall, peak_mb=peak, samples=len(data))
    elif case.startswith("emg"):
        from nervepath.science.movement import analyze_recording

        fs = float(arg)
        rec, _ = _support("simulate").simulate_emg_night(1, hours=8.0, fs=fs)
        peak, wall, report = _timed(lambda: analyze_recording(rec), repeat, traced=True)
        out.update(wall_s=wall, peak_mb=peak, n_plm=report.n_plm)
    elif case == "psg_compare":
        out.update(_psgscoring_compare(float(arg), repeat))
    elif case == "week_stream":
        from nervepath.science.movement.stream import analyze_cwa_stream

        peak, wall, report = _timed(lambda: analyze_cwa_stream(arg), 0)
        out.update(wall_s=wall, peak_mb=peak, n_candidates=report.n_candidates)
        out.update(table_mb=_report_mb(report), n_movements=report.n_leg_movements)
    elif case == "week_full":
        from nervepath.science.movement import analyze_recording

        peak, wall, report = _timed(lambda: analyze_recording(read_cwa(arg)), 0)
        out.update(wall_s=wall, peak_mb=peak, n_candidates=report.n_candidates)
    return out


def _report_mb(report) -> float:
    """Memory held by a report, measured by unpickling a copy of it under tracemalloc
    (unpickling makes new float objects, which a deep copy would share)."""
    import pickle

    blob = pickle.dumps(report)
    tracemalloc.start()
    clone = pickle.loads(blob)
    size = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del clone
    return size


def _psgscoring_compare(fs: float, repeat: int) -> dict:
    import numpy as np
    import psgscoring.plm as psg

    from nervepath.science.movement import (
        LegMovements,
        analyze_recording,
        candidate_movements,
        get_rules,
        plm_series,
    )

    sim = _support("simulate")
    rec, truth = sim.simulate_emg_night(2, hours=8.0, fs=fs)
    hypno = ["N2"] * int(np.ceil(rec.duration / 30))
    rules = get_rules("aasm2012")

    def ours():
        return analyze_recording(rec, rules=rules)

    def theirs():
        return psg.analyze_plm(
            rec.channels["left"],
            rec.channels["right"],
            rec.fs,
            hypno=hypno,
            leg_unit="uV",
            event_list_cap=None,
        )

    t_ours = statistics.median(_wall(ours) for _ in range(max(1, repeat)))
    t_theirs = statistics.median(_wall(theirs) for _ in range(max(1, repeat)))
    report, result = ours(), theirs()
    true_c = candidate_movements(truth.movements, rules)
    true_lm = LegMovements(
        true_c.onset, true_c.offset, np.full(len(true_c), "leg"), np.ones(len(true_c))
    )
    our_lm = LegMovements(
        np.array([m.onset_s for m in report.movements]),
        np.array([m.offset_s for m in report.movements]),
        np.full(len(report.movements), "leg"),
        np.ones(len(report.movements)),
    )
    ev = result["events"]
    their_lm = LegMovements(
        np.array([float(e["onset_s"]) for e in ev]),
        np.array([float(e["onset_s"]) + float(e["duration_s"]) for e in ev]),
        np.full(len(ev), "leg"),
        np.ones(len(ev)),
    )
    s_o, p_o, _ = sim.match(true_lm, our_lm)
    s_t, p_t, _ = sim.match(true_lm, their_lm)
    s_x, p_x, _ = sim.match(their_lm, our_lm)
    true_plm = int((plm_series(true_c.onset, true_c.is_candidate, rules) >= 0).sum())
    return {
        "ours_s": t_ours,
        "psgscoring_s": t_theirs,
        "ours_sens": s_o,
        "ours_prec": p_o,
        "psg_sens": s_t,
        "psg_prec": p_t,
        "agree_sens": s_x,
        "agree_prec": p_x,
        "true_plm": true_plm,
        "ours_plm": report.n_plm,
        "psg_plm": int(result["summary"].get("n_plm", -1)),
    }


def _wall(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


#: Python module each peer case needs (absent peers are reported as "not installed").
_PEER_MODULE = {
    "read_skdh_cwa": "skdh",
    "read_actipy_cwa": "actipy",
    "read_actipy_gt3x": "actipy",
    "read_pygt3x_gt3x": "pygt3x",
    "psg_compare": "psgscoring",
}


def _installed(case: str) -> bool:
    module = _PEER_MODULE.get(case)
    return module is None or importlib.util.find_spec(module) is not None


def _long_recordings(tmp: Path, write_cwa_night) -> list[tuple[str, str, str]]:
    """Streamed peak memory for 1-, 3- and 7-day files side by side; 7 days read whole."""
    from nervepath.science.movement.pipeline import STREAM_CHUNK_BLOCKS

    rows = []
    peaks, walls, tables = [], [], []
    week = tmp / "week-7d.cwa"
    n_week = 0
    for days in (1, 3, 7):
        path = tmp / f"long-{days}d.cwa"
        n = write_cwa_night(WEARABLES / "ax3_testfile.cwa", path, hours=24 * days)
        # Three fresh processes each: the allocator's high-water mark varies a little.
        runs = [_child("week_stream", str(path), 0) for _ in range(3)]
        peaks.append(statistics.median(r.get("peak_mb", float("nan")) for r in runs))
        walls.append(statistics.median(r.get("wall_s", float("nan")) for r in runs))
        tables.append(runs[0].get("table_mb", float("nan")))
        if days == 7:
            week, n_week = path, n
        else:
            path.unlink()
    chunk_mb = STREAM_CHUNK_BLOCKS * 120 * 4 * 8 / 2**20
    rows.append(
        (
            "1 / 3 / 7-day .cwa streamed: peak memory (median of 3)",
            " / ".join(f"+{p:.0f} MB" for p in peaks),
            (
                f"chunk budget {STREAM_CHUNK_BLOCKS} blocks = 1 h at 100 Hz "
                f"(~{chunk_mb:.0f} MB of samples and times as float64); "
                f"wall {' / '.join(f'{w:.1f}' for w in walls)} s"
            ),
        )
    )
    rows.append(
        (
            "  of which the report itself (mostly the movement table)",
            " / ".join(f"{t:.1f} MB" for t in tables),
            "inherent output: grows with the number of movements, not with samples",
        )
    )
    week_raw = n_week * 3 * 8 / 2**20
    res = _child("week_full", str(week), 0)
    rows.append(
        (
            f"7-day .cwa ({week.stat().st_size / 2**20:.0f} MB), read whole",
            f"{res.get('wall_s', float('nan')):.2f} s",
            (
                f"peak +{res.get('peak_mb', float('nan')):.0f} MB "
                f"(raw samples {week_raw:.0f} MB) {res.get('error', '')}"
            ).rstrip(),
        )
    )
    week.unlink()
    return rows


def _child(case: str, arg: str, repeat: int) -> dict:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, __file__, "--case", case, "--arg", str(arg), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"case": case, "error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case")
    parser.add_argument("--arg", default="")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-week", action="store_true", help="skip the multi-day files")
    parser.add_argument("--only-long", action="store_true", help="only the 1-, 3- and 7-day files")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.arg, args.repeat)))
        return 0

    write_cwa_night = _support("cwa_writer").write_cwa_night

    tmp = Path(tempfile.mkdtemp(prefix="nervepath-bench-"))
    if args.only_long:
        _print_rows(_long_recordings(tmp, write_cwa_night))
        return 0
    night = tmp / "night-8h.cwa"
    n = write_cwa_night(WEARABLES / "ax3_testfile.cwa", night, hours=8)
    raw_mb = n * 3 * 8 / 2**20
    rows: list[tuple[str, str, str]] = []
    print(
        f"8-h AX3 file: {night.stat().st_size / 2**20:.1f} MB, {n:,} samples "
        f"(raw samples as float64 x,y,z: {raw_mb:.1f} MB)\n",
        flush=True,
    )

    e2e = _child("cwa_e2e", str(night), args.repeat)
    rows.append(
        (
            "8-h .cwa end to end (read, detect, report)",
            f"{e2e.get('wall_s', float('nan')):.3f} s",
            (
                f"{e2e.get('peak_mb', float('nan')):.0f} MB = "
                f"{e2e.get('peak_mb', float('nan')) / raw_mb:.2f}x raw  (target <0.5 s, <4x)"
            ),
        )
    )
    ours = _child("read_nervepath_cwa", str(night), args.repeat)
    for case, name in (("read_skdh_cwa", "scikit-digital-health"), ("read_actipy_cwa", "actipy")):
        if not _installed(case):
            rows.append((f"read 8-h .cwa: {name}", "not installed", ""))
            continue
        peer = _child(case, str(night), args.repeat)
        ratio = peer.get("wall_s", float("nan")) / ours.get("wall_s", float("nan"))
        rows.append(
            (
                f"read 8-h .cwa: {name}",
                f"{peer.get('wall_s', float('nan')):.3f} s",
                (
                    f"{ratio:.2f}x nervepath's reader ({ours.get('wall_s', 0):.3f} s), "
                    f"{peer.get('samples', '?')} samples {peer.get('error', '')}"
                ).rstrip(),
            )
        )
    small = WEARABLES / "small.gt3x"
    ours_g = _child("read_nervepath_gt3x", str(small), args.repeat)
    rows.append(
        (
            "read small.gt3x: nervepath (pygt3x)",
            f"{ours_g.get('wall_s', 0):.3f} s",
            f"{ours_g.get('samples', '?')} samples, idle stretches reported",
        )
    )
    for case, name in (("read_pygt3x_gt3x", "pygt3x to_pandas"), ("read_actipy_gt3x", "actipy")):
        if not _installed(case):
            rows.append((f"read small.gt3x: {name}", "not installed", ""))
            continue
        peer = _child(case, str(small), args.repeat)
        ratio = peer.get("wall_s", float("nan")) / ours_g.get("wall_s", float("nan"))
        rows.append(
            (
                f"read small.gt3x: {name}",
                f"{peer.get('wall_s', float('nan')):.3f} s",
                f"{ratio:.2f}x nervepath, {peer.get('samples', '?')} samples",
            )
        )
    for fs in (256, 1000):
        emg = _child("emg", str(fs), args.repeat)
        rows.append(
            (
                f"8-h two-leg EMG at {fs} Hz (detect, report)",
                f"{emg.get('wall_s', float('nan')):.3f} s",
                f"peak +{emg.get('peak_mb', float('nan')):.0f} MB traced (target <1 s)",
            )
        )
    cmp_ = (
        _child("psg_compare", "256", max(1, args.repeat // 2))
        if _installed("psg_compare")
        else {"error": "not installed"}
    )
    if "ours_s" in cmp_:
        rows.append(
            (
                "psgscoring plm vs nervepath (AASM 2012, 8 h, 256 Hz)",
                f"{cmp_['psgscoring_s']:.3f} s",
                f"{cmp_['psgscoring_s'] / cmp_['ours_s']:.1f}x nervepath ({cmp_['ours_s']:.3f} s)",
            )
        )
        rows.append(
            (
                "  agreement with the known movements",
                f"nervepath sens {cmp_['ours_sens']:.3f} prec {cmp_['ours_prec']:.3f}",
                f"psgscoring sens {cmp_['psg_sens']:.3f} prec {cmp_['psg_prec']:.3f}",
            )
        )
        rows.append(
            (
                "  PLM count (truth / nervepath / psgscoring)",
                f"{cmp_['true_plm']} / {cmp_['ours_plm']} / {cmp_['psg_plm']}",
                (
                    f"movement-level agreement nervepath vs psgscoring: "
                    f"{cmp_['agree_sens']:.3f} / {cmp_['agree_prec']:.3f}"
                ),
            )
        )
    else:
        status = "not installed" if cmp_["error"] == "not installed" else "failed"
        rows.append(("psgscoring comparison", status, "" if status != "failed" else str(cmp_)))
    if not args.skip_week:
        rows += _long_recordings(tmp, write_cwa_night)
    night.unlink()
    _print_rows(rows)
    return 0


def _print_rows(rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    print(f"{'measurement'.ljust(width)}  {'median'.ljust(w2)}  notes")
    for a, b, c in rows:
        print(f"{a.ljust(width)}  {b.ljust(w2)}  {c}".rstrip())


if __name__ == "__main__":
    sys.exit(main())
