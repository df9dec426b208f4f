# SPDX-License-Identifier: AGPL-3.0-or-later
"""Outcomes research on a large synthetic clinic: cohort selection plus the full analysis.

Run on demand (never in CI)::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_research.py [--patients 20000]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres PYTHONPATH=src \\
        .venv/bin/python benchmarks/bench_research.py

Data: the demo's reference data (locations, clinicians), then ``--patients`` made-up
patients from `nervepath.research.synthetic.make_history` (default 20,000 patients with
about 200,000 scored questionnaire responses and 50,000 nights; 15 % operated on, with
blocks, monitoring and follow-ups). A throw-away database (the test settings: an SQLite
file, or PostgreSQL's ``test_<name>`` with ``DATABASE_URL``).

Timed, ``--repeat`` times each, for three cohorts (all decompressions, diabetic
decompressions that reached 12 months, everyone with a nerve block): the selection
(`cohorts.select`), reading the records into the science layer (`dataset.build`), the
analysis (`analyse`) and turning it into the stored JSON: the wall time a researcher waits
after "Run the analysis", less the page redirect. Then, once each, the de-identified CSV and
FHIR exports of the largest cohort. Target (issue 7): selection + analysis under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.test_settings")

COHORTS = {
    "all decompressions": {"procedure": "decompression"},
    "diabetic, 12 months reached": {
        "procedure": "decompression",
        "diabetes": "yes",
        "follow_up_reached": "12 months",
    },
    "nerve blocks": {"procedure": "block"},
}


def build(patients: int, nights: int) -> dict[str, int]:
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from nervepath.research.synthetic import make_history

    call_command("seed_demo", "--no-appointments", stdout=io.StringIO())
    return make_history(
        patients,
        seed=1,
        today=timezone.localdate(),
        surgical_share=0.15,
        responses_per_patient=10,
        nights_total=nights,
        prefix="bench",
    )


def one_run(filters: dict[str, object]) -> dict[str, float]:
    from nervepath.research import cohorts, dataset
    from nervepath.science.outcomes.analysis import analyse

    times: dict[str, float] = {}
    start = time.perf_counter()
    selection = cohorts.select(filters)
    times["select"] = time.perf_counter() - start
    mark = time.perf_counter()
    data = dataset.build("bench", selection)
    times["read"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result = analyse(data)
    times["analyse"] = time.perf_counter() - mark
    mark = time.perf_counter()
    stored = json.dumps(result.as_dict())
    times["to_json"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    times["patients"] = selection.patients
    times["observations"] = len(data.observations)
    times["json_kib"] = len(stored) // 1024
    times["mixed_model"] = 1.0 if result.mixed and result.mixed.fitted else 0.0
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--nights", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    try:
        start = time.perf_counter()
        counts = build(args.patients, args.nights)
        built = time.perf_counter() - start
        print(f"database: {connection.vendor}; built in {built:.0f} s: {counts}")
        report: dict[str, object] = {"database": connection.vendor, "counts": counts}
        print(
            f"{'cohort':<30}{'patients':>9}{'select':>9}{'read':>9}{'analyse':>9}"
            f"{'json':>9}{'total med':>11}{'max':>8}  (s, median of {args.repeat})"
        )
        for name, filters in COHORTS.items():
            runs = [one_run(filters) for _ in range(args.repeat)]

            def med(key: str, runs: list[dict[str, float]] = runs) -> float:
                return statistics.median(r[key] for r in runs)

            row = {key: med(key) for key in ("select", "read", "analyse", "to_json", "total")}
            row["max_total"] = max(r["total"] for r in runs)
            row["patients"] = runs[0]["patients"]
            row["observations"] = runs[0]["observations"]
            row["json_kib"] = runs[0]["json_kib"]
            row["mixed_model"] = bool(runs[0]["mixed_model"])
            report[name] = row
            print(
                f"{name:<30}{int(row['patients']):>9}{row['select']:>9.2f}{row['read']:>9.2f}"
                f"{row['analyse']:>9.2f}{row['to_json']:>9.2f}{row['total']:>11.2f}"
                f"{row['max_total']:>8.2f}"
            )

        from django.utils import timezone

        from nervepath.research import cohorts
        from nervepath.research.deidentify import deidentified_zip
        from nervepath.research.fhir_export import fhir_bulk_zip

        selection = cohorts.select(COHORTS["all decompressions"])
        mark = time.perf_counter()
        csv_zip = deidentified_zip(
            selection, definition_lines=[], snapshot_at=timezone.now(), code_version="bench"
        )
        csv_s = time.perf_counter() - mark
        mark = time.perf_counter()
        fhir_zip = fhir_bulk_zip(selection, snapshot_at=timezone.now())
        fhir_s = time.perf_counter() - mark
        print(
            f"exports of all decompressions: de-identified CSV {csv_s:.2f} s "
            f"({len(csv_zip) // 1024} KiB), FHIR NDJSON {fhir_s:.2f} s "
            f"({len(fhir_zip) // 1024} KiB)"
        )
        report["exports"] = {"csv_s": csv_s, "fhir_s": fhir_s}
        print(json.dumps(report, default=str))
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
