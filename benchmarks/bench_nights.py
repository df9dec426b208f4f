# SPDX-License-Identifier: AGPL-3.0-or-later
"""Nights in the clinic: time from the end of an upload to the night page being ready,
and the batch re-analysis throughput with 1 and 2 Dask workers.

Run on demand (never in CI)::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_nights.py [--nights 6] [--repeat 3]

Inputs: 8-hour 100 Hz AX3 .cwa files written by ``tests/science/movement/cwa_writer.py``
(real blocks of ``ax3_testfile.cwa`` re-stamped), each on a different evening so each
has its own checksum. A throw-away SQLite database and storage folder (the test
settings). "Upload to night page ready" is ``services.run_analysis``: copy out of
storage with the checksum check, read, detect, report, figure (PNG), store the files
and write the night in one transaction: everything between the end of the upload
request and the status poll answering "done" (the worker's polling interval, 1 s by
default, comes on top).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.test_settings")
WEARABLES = (ROOT / ".." / "shared" / "data" / "wearables").resolve()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nights", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment
    from tests.science.movement.cwa_writer import write_cwa_night

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    from django.conf import settings

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-media-")
    from nervepath.accounts.models import Patient, Role, User
    from nervepath.wearables import services
    from nervepath.wearables.models import Analysis

    user = User.objects.create_user("bench@example.org", "x" * 16, role=Role.PATIENT)
    patient = Patient.objects.create(user=user)
    folder = Path(tempfile.mkdtemp(prefix="bench-nights-"))
    files = []
    for i in range(max(args.nights, args.repeat)):
        path = folder / f"night{i}.cwa"
        write_cwa_night(
            WEARABLES / "ax3_testfile.cwa",
            path,
            hours=8,
            start=dt.datetime(2024, 3, 1, 22) + dt.timedelta(days=i),
        )
        files.append(path)
    print(f"8-hour 100 Hz .cwa: {files[0].stat().st_size / 2**20:.1f} MB each")

    ready = []
    for path in files[: args.repeat]:
        with path.open("rb") as fh:
            upload = SimpleUploadedFile(path.name, fh.read())
        recording, _ = services.add_recording(patient, upload, by=user)
        t0 = time.perf_counter()
        state = services.run_analysis(recording.analysis.pk)
        ready.append(time.perf_counter() - t0)
        assert state == "done", state
    print(f"upload end -> night page ready: median {statistics.median(ready):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in ready)})")  # fmt: skip

    for path in files[args.repeat : args.nights]:
        with path.open("rb") as fh:
            upload = SimpleUploadedFile(path.name, fh.read())
        recording, _ = services.add_recording(patient, upload, by=user)
        services.run_analysis(recording.analysis.pk)
    n = Analysis.objects.count()
    for workers in (1, 2):
        t0 = time.perf_counter()
        call_command("reanalyze_nights", "--workers", str(workers), stdout=io.StringIO(),
                     stderr=io.StringIO())  # fmt: skip
        took = time.perf_counter() - t0
        print(f"reanalyze_nights --workers {workers}: {n} nights in {took:.1f} s = "
              f"{n / took * 60:.1f} nights/min (cluster start-up included)")  # fmt: skip


if __name__ == "__main__":
    main()
