# SPDX-License-Identifier: AGPL-3.0-or-later
"""The full damage sweep: every real device file (small.gt3x too), every damage kind,
and truncation at ten more points per file.

Each variant must end as issue 16 asks (``tests/science/movement/readers/damage.py``,
:func:`check_outcome`): a typed error with a sentence, or a reading whose damaged
stretch is marked and left out and whose samples are the intact file's at the same
times. Prints one row per variant (outcome, seconds, first note or the error) and a
table of outcomes per format; exit status 1 when any variant fails.

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/bench_damage.py [--json out.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
import traceback
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WEARABLES = (ROOT / ".." / "shared" / "data" / "wearables").resolve()
DAMAGE = ROOT / "tests" / "science" / "movement" / "readers" / "damage.py"


def _damage_module():
    spec = importlib.util.spec_from_file_location("nervepath_bench_damage", DAMAGE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the rows as JSON here")
    parser.add_argument("--only", default="", help="only files whose name holds this")
    args = parser.parse_args()
    damage = _damage_module()
    from nervepath.science.movement.readers import read_night

    rows = []
    failed = 0
    for path in sorted(WEARABLES.iterdir()):
        if path.suffix not in (".cwa", ".bin", ".gt3x") or args.only not in path.name:
            continue
        intact = read_night(path)
        raw = path.read_bytes()
        variants = list(damage.variants_of(path))
        cut = variants[0]
        variants += [
            replace(cut, kind=f"truncated at byte {n}", data=raw[:n])
            for n in (len(raw) * k // 11 for k in range(1, 11))
        ]
        for variant in variants:
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    outcome = damage.check_outcome(variant, intact, Path(tmp))
                except AssertionError as exc:
                    outcome, failed = f"FAIL: {exc}", failed + 1
                except Exception:  # a traceback is a failure of the sweep too
                    outcome, failed = f"TRACEBACK: {traceback.format_exc(limit=2)}", failed + 1
            seconds = time.perf_counter() - started
            rows.append({"file": path.name, "kind": variant.kind, "outcome": outcome, "s": seconds})
            print(f"{path.name:55s} {variant.kind:40s} {seconds:6.2f}s {outcome}", flush=True)
    formats: dict[str, dict[str, int]] = {}
    for row in rows:
        fmt = Path(row["file"]).suffix
        counts = formats.setdefault(fmt, {})
        key = row["outcome"].split(":")[0]
        counts[key] = counts.get(key, 0) + 1
    print()
    for fmt, counts in sorted(formats.items()):
        print(f"{fmt:6s} " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
