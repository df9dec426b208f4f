# SPDX-License-Identifier: AGPL-3.0-or-later
"""Add a synthetic clinic history for outcomes research (``research.synthetic``).

Needs the clinic's clinicians and locations (``seed_demo --no-appointments``). Each run
adds new patients; use another ``--prefix`` to add more next to earlier ones.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from nervepath.research.synthetic import make_history


class Command(BaseCommand):
    help = "Add synthetic patients with surgeries, outcomes and nights for research demos."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=1000, help="patients to add")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )
        parser.add_argument("--prefix", default="synthetic", help="e-mail prefix of the patients")
        parser.add_argument("--surgical-share", type=float, default=0.15)
        parser.add_argument("--responses-per-patient", type=float, default=10)
        parser.add_argument("--nights", type=int, default=None, help="nights in all")
        parser.add_argument("--today", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        # Made-up patients never go into a clinic's real records.
        if not (settings.DEBUG or getattr(settings, "DEV", False)):
            raise CommandError("seed_research_history only runs with DEBUG=1 or NERVEPATH_DEV=1.")
        try:
            today = (
                date.fromisoformat(str(options["today"]))
                if options["today"]
                else timezone.localdate()
            )
        except ValueError as exc:
            raise CommandError(f"--today: {exc}") from exc
        if int(options["patients"]) < 0:
            raise CommandError("--patients must not be negative.")
        started = time.perf_counter()
        try:
            counts = make_history(
                int(options["patients"]),
                seed=int(options["seed"]),
                today=today,
                surgical_share=float(options["surgical_share"]),
                responses_per_patient=float(options["responses_per_patient"]),
                nights_total=options["nights"],
                prefix=str(options["prefix"]),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        for name, count in counts.items():
            self.stdout.write(f"{name:>15}: {count}")
        self.stdout.write(f"Done in {elapsed:.1f} s.")
