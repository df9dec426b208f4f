# SPDX-License-Identifier: AGPL-3.0-or-later
"""Leg movements on real-world EMG: accuracy on hard simulated nights, and the speed of
a whole ``nervepath analyze`` process against psgscoring on the same EDF+ file.

Run on demand (never in CI)::

    .venv/bin/python benchmarks/bench_emg_night.py accuracy [--seeds 0 1 2 3 4] [--hours 2]
    .venv/bin/python benchmarks/bench_emg_night.py make DIR
    .venv/bin/python benchmarks/bench_emg_night.py speed DIR [--runs 5] [--psg-python PY]

``accuracy`` scores the detector per seed on clean nights and on hard nights
(``tests/science/movement/simulate.py``: varying 2-6 µV noise, drift, mains hum, ECG,
bursts and twitches, weak ramped movements, arousals, apneas, rule edge cases), then
with each artefact alone and the detector step that meets it switched off, so the table
shows what each step buys. The truth is the simulated movements scored by the same rules.

``make`` writes 8-hour two-leg hard nights as EDF+ at 256 and 1000 Hz. ``speed`` times
``nervepath analyze FILE --no-figure`` as whole processes (median wall time and peak
resident memory from the operating system's accounting of each finished child,
``os.wait4``), alternating with ``benchmarks/psgscoring_night.py`` run by a Python that
has psgscoring 0.37 (``--psg-python``), and prints medians and the pairwise ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SUPPORT = ROOT / "tests" / "science" / "movement"


def _support(name: str):
    spec = importlib.util.spec_from_file_location(f"nervepath_bench_{name}", SUPPORT / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _load_sim():
    # simulate.py imports its package siblings relatively; load it as a package module.
    sys.path.insert(0, str(ROOT))
    from tests.science.movement import simulate

    return simulate


def _score(sim, rec, truth, rules="wasm2016", **settings):
    from nervepath.science.movement import analyze_recording
    from nervepath.science.movement.pipeline import score_movements

    found = analyze_recording(rec, rules=rules, **settings)
    expected = score_movements(rec, truth.movements, rules=rules)
    sens, prec = sim.plms_match(expected, found)
    err = (found.plms_index - expected.plms_index) / expected.plms_index * 100
    return sens, prec, err, found.n_plms, expected.n_plms


ALONE = {
    # artefact alone: (simulator switches, the detector step that meets it switched off)
    "noise 2-6 µV only": (
        dict(drift=False, hum=False, ecg=False, bursts=False),
        dict(offset_median_s=0.0),
    ),
    "drift": (dict(hum=False, ecg=False, bursts=False), dict(median_s=0.01, offset_median_s=0.0)),
    "60 Hz hum": (dict(drift=False, ecg=False, bursts=False), dict(remove_mains=0.0)),
    "ECG": (dict(drift=False, hum=False, bursts=False), dict(median_s=0.01, offset_median_s=0.0)),
    "bursts and twitches": (dict(drift=False, hum=False, ecg=False), dict(burst_max_s=0.0)),
}


def accuracy(seeds: list[int], hours: float) -> None:
    sim = _load_sim()
    print(
        "| night | seed | PLMS sensitivity | PLMS precision | PLMS-index error "
        + "| PLMS found / true |"
    )
    print("|---|---|---|---|---|---|")
    for seed in seeds:
        rec, truth = sim.simulate_emg_night(seed, hours=hours)
        s, p, e, n, t = _score(sim, rec, truth)
        print(f"| clean | {seed} | {s:.3f} | {p:.3f} | {e:+.1f} % | {n} / {t} |")
    for seed in seeds:
        rec, truth = sim.simulate_hard_emg_night(seed, hours=hours)
        s, p, e, n, t = _score(sim, rec, truth)
        print(f"| hard | {seed} | {s:.3f} | {p:.3f} | {e:+.1f} % | {n} / {t} |")
        s, p, e, n, t = _score(sim, rec, truth, rules="aasm2012")
        print(f"| hard, AASM 2012 | {seed} | {s:.3f} | {p:.3f} | {e:+.1f} % | {n} / {t} |")
    print()
    print(
        "| artefact alone | step off | sensitivity | precision | index error (step on) "
        "| sens / prec / error (step off) |"
    )
    print("|---|---|---|---|---|---|")
    for name, (switches, off) in ALONE.items():
        on_rows, off_rows = [], []
        for seed in seeds:
            rec, truth = sim.simulate_hard_emg_night(seed, hours=hours, **switches)
            on_rows.append(_score(sim, rec, truth))
            off_rows.append(_score(sim, rec, truth, **off))

        def mean(rows, i):
            return statistics.fmean(r[i] for r in rows)

        def worst(rows):
            return max(rows, key=lambda r: abs(r[2]))[2]

        print(
            f"| {name} | {', '.join(f'{k}={v:g}' for k, v in off.items())} | "
            f"{mean(on_rows, 0):.3f} | {mean(on_rows, 1):.3f} | worst {worst(on_rows):+.1f} % | "
            f"{mean(off_rows, 0):.3f} / {mean(off_rows, 1):.3f} / worst {worst(off_rows):+.1f} % |"
        )


def make(folder: Path) -> None:
    import datetime as dt

    import edfio
    import numpy as np

    sim = _load_sim()
    folder.mkdir(parents=True, exist_ok=True)
    for fs in (256.0, 1000.0):
        rec, _ = sim.simulate_hard_emg_night(300, hours=8.0, fs=fs)
        signals = [
            edfio.EdfSignal(
                np.clip(rec.channels[side], -499.0, 499.0),
                fs,
                label=label,
                physical_dimension="uV",
                physical_range=(-500.0, 500.0),
            )
            for side, label in (("left", "Leg L"), ("right", "Leg R"))
        ]
        notes = [edfio.EdfAnnotation(a.onset, a.duration, a.label) for a in rec.annotations]
        path = folder / f"night{fs:.0f}.edf"
        edfio.Edf(signals, starttime=dt.time(22, 30), annotations=notes).write(path)
        print(path, f"{path.stat().st_size / 2**20:.1f} MB")


def _run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one finished child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}")
    return wall, usage.ru_maxrss / 1024


def speed(folder: Path, runs: int, psg_python: str | None) -> None:
    out = folder / "out"
    for path in sorted(folder.glob("night*.edf")):
        ours = [
            sys.executable,
            "-m",
            "nervepath.cli",
            "analyze",
            str(path),
            "--out",
            str(out),
            "--no-figure",
        ]
        theirs = [psg_python, str(HERE / "psgscoring_night.py"), str(path)] if psg_python else None
        _run(ours)  # warm-up (file cache, bytecode)
        if theirs:
            _run(theirs)
        a, b = [], []
        for _ in range(runs):
            a.append(_run(ours))
            if theirs:
                b.append(_run(theirs))
        n_samples = 2 * 8 * 3600 * float(path.stem.removeprefix("night"))
        raw_mib = n_samples * 8 / 2**20
        wall = statistics.median(w for w, _ in a)
        peak = statistics.median(m for _, m in a)
        line = (
            f"{path.name}: nervepath median {wall:.2f} s, peak {peak:.0f} MiB "
            f"({peak / raw_mib:.2f}x the raw float64 samples, {raw_mib:.0f} MiB)"
        )
        if theirs:
            ratios = [bw / aw for (aw, _), (bw, _) in zip(a, b, strict=True)]
            line += (
                f"; psgscoring median {statistics.median(w for w, _ in b):.2f} s, "
                f"ratio psgscoring/nervepath median {statistics.median(ratios):.1f}x"
            )
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    acc = sub.add_parser("accuracy")
    acc.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    acc.add_argument("--hours", type=float, default=2.0)
    mk = sub.add_parser("make")
    mk.add_argument("folder", type=Path)
    sp = sub.add_parser("speed")
    sp.add_argument("folder", type=Path)
    sp.add_argument("--runs", type=int, default=5)
    sp.add_argument("--psg-python", default=None)
    args = parser.parse_args()
    if args.what == "accuracy":
        accuracy(args.seeds, args.hours)
    elif args.what == "make":
        make(args.folder)
    else:
        speed(args.folder, args.runs, args.psg_python)


if __name__ == "__main__":
    main()
