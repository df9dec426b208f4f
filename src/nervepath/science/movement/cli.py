# SPDX-License-Identifier: AGPL-3.0-or-later
"""``nervepath analyze``: nights in, reports and figures out."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nervepath.science.movement.errors import MovementInputError, plain_message
from nervepath.science.movement.readers import SUPPORTED_SUFFIXES
from nervepath.science.movement.report import SUMMARY_FIELDS, NightReport

__all__ = ["analyze_one", "compare_main", "main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nervepath analyze",
        description=(
            "Find leg movements and periodic series in a night file (.cwa, .bin, .gt3x, "
            ".csv, .edf) or in every night file of a folder."
        ),
    )
    p.add_argument("night", type=Path, help="a night file, or a folder of night files")
    p.add_argument(
        "--out", type=Path, default=Path("nervepath-out"), help="output folder (nervepath-out)"
    )
    p.add_argument(
        "--rules", default="wasm2016", choices=["wasm2016", "aasm2012"], help="scoring rules"
    )
    drawing = p.add_mutually_exclusive_group()
    drawing.add_argument(
        "--figure",
        action="store_true",
        help="also draw each night's figure (PNG and SVG); it costs about a second a night",
    )
    drawing.add_argument(
        "--no-figure",
        action="store_true",
        help="draw no figure (the default; kept for scripts written before --figure)",
    )
    p.add_argument(
        "--location",
        default="",
        choices=["", "ankle", "wrist", "waist", "other"],
        help=(
            "where the device was worn, for files whose header does not record it "
            "(a header that does wins); a wrist or waist night gives no PLM index"
        ),
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument("--workers", type=int, default=1, help="processes for a folder (1)")
    group.add_argument(
        "--scheduler", default=None, help="Dask scheduler address (needs nervepath[dask])"
    )
    return p


def analyze_one(
    path: str | Path, out: str | Path, rules: str, figure: bool, location: str = ""
) -> dict[str, Any]:
    """Analyse one night and write its files; never raises for a bad night file.

    Parameters
    ----------
    path : str or Path
        The night file.
    out : str or Path
        Output folder; ``<name>.report.json``, ``<name>.movements.csv`` and
        ``<name>.png``/``.svg`` are written there.
    rules : str
        ``"wasm2016"`` or ``"aasm2012"``.
    figure : bool
        Whether to draw the figure.
    location : str, optional
        Where the device was worn when the file's header does not say.

    Returns
    -------
    dict
        The summary row (:data:`~nervepath.science.movement.report.SUMMARY_FIELDS`);
        ``error`` holds a message when the night could not be analysed.
    """
    from nervepath.science.movement.pipeline import analyze_file

    path, out = Path(path), Path(out)
    try:
        report = analyze_file(path, rules=rules, body_location=location)
        write_outputs(report, out, path.name, figure=figure)
        row = report.summary_row()
        row["_summary"] = report.summary()
        return row
    except (MovementInputError, OSError) as exc:
        return _error_row(path, f"{type(exc).__name__}: {plain_message(exc)}")
    except (ArithmeticError, LookupError, RuntimeError, TypeError, MemoryError) as exc:
        # Anything else that goes wrong in one night is reported and the batch goes on.
        return _error_row(path, f"unexpected {type(exc).__name__}: {plain_message(exc)}")


def write_outputs(report: NightReport, out: Path, name: str, *, figure: bool) -> list[Path]:
    """Write the report JSON, the movement CSV and (optionally) the PNG and SVG figure."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / f"{name}.report.json", out / f"{name}.movements.csv"]
    written[0].write_text(report.to_json(), encoding="utf-8")
    written[1].write_text(report.to_csv(), encoding="utf-8")
    if figure:
        from nervepath.science.movement.figure import plot_night

        fig = plot_night(report)
        for suffix in (".png", ".svg"):
            target = out / f"{name}{suffix}"
            fig.savefig(target, dpi=120)
            written.append(target)
    return written


def _error_row(path: Path, message: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(SUMMARY_FIELDS, "")
    row["file"] = path.name
    row["error"] = message
    return row


def _night_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
    )


def _run_local(
    files: list[Path], out: Path, rules: str, figure: bool, workers: int, location: str = ""
) -> Iterator[dict[str, Any]]:
    if workers <= 1:
        for f in files:
            yield analyze_one(f, out, rules, figure, location)
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(analyze_one, f, out, rules, figure, location) for f in files]
        for fut in as_completed(futures):
            yield fut.result()


def _run_dask(
    files: list[Path], out: Path, rules: str, figure: bool, address: str, location: str = ""
) -> Iterator[dict[str, Any]]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:
        raise SystemExit(
            "--scheduler needs Dask: pip install 'nervepath[dask]' (dask[distributed])."
        ) from exc
    with Client(address) as client:
        futures = client.map(
            analyze_one,
            [str(f) for f in files],
            out=str(out),
            rules=rules,
            figure=figure,
            location=location,
            pure=False,
        )
        for fut in as_completed(futures):
            yield fut.result()


def _print_table(rows: list[dict[str, Any]]) -> None:
    cols = ("file", "plms_index", "n_plm", "moves_every_min", "sleep_window_h", "error")
    heads = ("file", "PLMS/h", "PLM", "every (min)", "window (h)", "error")

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.1f}"
        return "n/a" if v is None else str(v)

    table = [heads] + [tuple(cell(r.get(c, "")) for c in cols) for r in rows]
    widths = [max(len(t[i]) for t in table) for i in range(len(cols) - 1)]
    for t in table:
        print("  ".join(t[i].ljust(widths[i]) for i in range(len(cols) - 1)) + "  " + t[-1])


def main(argv: list[str]) -> int:
    """Run ``nervepath analyze``; returns the process exit code.

    Parameters
    ----------
    argv : list of str
        Arguments after ``analyze``.

    Returns
    -------
    int
        0 when every night was analysed, 1 when any failed, 2 on a usage error.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else 2
    night: Path = args.night
    figure = bool(args.figure)
    if night.is_file():
        row = analyze_one(night, args.out, args.rules, figure, args.location)
        if row["error"]:
            print(f"error: {night.name}: {row['error']}", file=sys.stderr)
            return 1
        print(row["_summary"])
        wrote = "Report, movement table and figure" if figure else "Report and movement table"
        print(f"\n{wrote} written to {args.out}/")
        return 0
    if not night.is_dir():
        print(f"error: no such file or folder: {night}", file=sys.stderr)
        return 2
    files = _night_files(night)
    if not files:
        print(
            f"error: no night files ({', '.join(SUPPORTED_SUFFIXES)}) in {night}", file=sys.stderr
        )
        return 2
    from tqdm import tqdm

    if args.scheduler:
        stream = _run_dask(files, args.out, args.rules, figure, args.scheduler, args.location)
    else:
        stream = _run_local(files, args.out, args.rules, figure, args.workers, args.location)
    rows = []
    for row in tqdm(stream, total=len(files), desc="nights", unit="night", file=sys.stderr):
        row.pop("_summary", None)
        rows.append(row)
    rows.sort(key=lambda r: r["file"])
    args.out.mkdir(parents=True, exist_ok=True)
    summary = args.out / "summary.csv"
    with open(summary, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=SUMMARY_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    _print_table(rows)
    failed = [r for r in rows if r["error"]]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} nights analysed; summary in {summary}")
    return 1 if failed else 0


def compare_main(argv: list[str]) -> int:
    """``nervepath compare-movements STUDY.edf``: nervepath against the scorer.

    Reads the scorer's leg-movement annotations from an EDF+ sleep study, analyses the
    same study, and prints how the two agree. Exit status 0, or 2 when the file cannot
    be read or holds no scored leg movements.
    """
    p = argparse.ArgumentParser(
        prog="nervepath compare-movements",
        description=(
            "Compare nervepath's leg movements with a scorer's leg-movement annotations "
            "in an EDF+ sleep study, movement by movement and as indices."
        ),
    )
    p.add_argument("study", type=Path, help="an EDF+ file with leg EMG and scored annotations")
    p.add_argument(
        "--rules", default="wasm2016", choices=["wasm2016", "aasm2012"], help="scoring rules"
    )
    args = p.parse_args(argv)
    from nervepath.science.movement.agreement import compare_with_scorer, scorer_movements
    from nervepath.science.movement.emg import detect_emg_movements
    from nervepath.science.movement.events import LegMovements
    from nervepath.science.movement.pipeline import analyze_recording, score_movements
    from nervepath.science.movement.readers import read_night
    from nervepath.science.movement.recording import EmgRecording

    try:
        recording = read_night(args.study)
    except (MovementInputError, OSError) as exc:
        print(f"{args.study.name}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(recording, EmgRecording):
        print(f"{args.study.name}: not a sleep study with leg EMG (EDF+).", file=sys.stderr)
        return 2
    scored = scorer_movements(recording.annotations)
    if len(scored) == 0:
        print(
            f"{args.study.name}: no leg-movement annotations found (labels such as "
            "'Limb movement (left)', 'Leg movement', 'LM' or 'PLM').",
            file=sys.stderr,
        )
        return 2
    found = LegMovements.concat(
        [detect_emg_movements(x, recording.fs, side=s) for s, x in recording.channels.items()]
    )
    agreement = compare_with_scorer(
        recording,
        found,
        scored,
        nervepath_report=analyze_recording(recording, rules=args.rules, file=args.study.name),
        scorer_report=score_movements(recording, scored, rules=args.rules, file=args.study.name),
    )
    print(f"{args.study.name}: leg movements, nervepath against the scorer ({args.rules})")
    print("\n".join(agreement.lines()))
    return 0
