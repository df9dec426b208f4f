# SPDX-License-Identifier: AGPL-3.0-or-later
"""Analyse every stored night file again (after an algorithm change), in parallel.

Dask runs the pure function ``wearables.engine.analyze_path`` (a local cluster of
``--workers`` processes, or the cluster at ``--scheduler``); this process copies each
file out of storage, collects the results and replaces each recording's nights in one
transaction, as the background task does. A failing file is marked failed with its
reason and the others go on.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from nervepath.science.movement import MovementInputError
from nervepath.wearables import engine, services
from nervepath.wearables.models import Analysis, State


class Command(BaseCommand):
    help = "Re-analyse all nights (or one patient's) with the current engine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=2, help="local Dask worker processes")
        parser.add_argument("--scheduler", help="address of a running Dask scheduler")
        parser.add_argument("--patient", type=int, help="only this patient's record number")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError:  # pragma: no cover - dask is an optional extra
            raise CommandError("Install Dask: pip install 'nervepath[dask]'") from None
        analyses = Analysis.objects.select_related("recording").exclude(
            state__in=[State.QUEUED, State.RUNNING]
        )
        if options["patient"]:
            analyses = analyses.filter(recording__patient_id=int(options["patient"]))
        todo = list(analyses.order_by("pk"))
        if not todo:
            self.stdout.write("No finished analysis to run again.")
            return
        remote = bool(options["scheduler"])
        with contextlib.ExitStack() as stack:
            if remote:
                client = stack.enter_context(Client(options["scheduler"]))
            else:
                workers = int(options["workers"])
                if workers < 1:
                    raise CommandError("--workers must be 1 or more.")
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                )
                client = stack.enter_context(Client(cluster))
            futures = {}
            for analysis in todo:
                # A local path for local workers; the bytes for a remote cluster, which
                # does not share this machine's disk or storage credentials.
                copy = stack.enter_context(services.local_copy(analysis.recording))
                if remote:
                    future = client.submit(
                        engine.analyze_bytes,
                        Path(copy).read_bytes(),
                        copy.suffix,
                        analysis.recording.body_location,
                        pure=False,
                    )
                else:
                    future = client.submit(
                        engine.analyze_path,
                        str(copy),
                        body_location=analysis.recording.body_location,
                        pure=False,
                    )
                futures[future] = analysis
            done = failed = 0
            bar = tqdm(total=len(futures), unit="night file", file=self.stderr._out)
            for future in as_completed(futures):
                analysis = futures[future]
                try:
                    results = future.result()
                except MovementInputError as exc:
                    code, message = engine.explain(exc)
                    Analysis.objects.filter(pk=analysis.pk).update(
                        state=State.FAILED, error_code=code, error_message=message
                    )
                    failed += 1
                else:
                    services.save_nights(analysis.pk, results, attempt=None)
                    done += 1
                bar.update(1)
            bar.close()
        self.stdout.write(f"Re-analysed {done} file(s); {failed} failed.")
