# SPDX-License-Identifier: AGPL-3.0-or-later
"""Open the questionnaires of every schedule due today (for cron; the task worker does the
same on its own). Safe to run as often as you like: nothing is opened twice."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from nervepath.assessment.services import run_due_schedules


class Command(BaseCommand):
    help = "Open the questionnaires of schedules that are due and email the patients."

    def handle(self, *args: object, **options: object) -> None:
        made = run_due_schedules()
        self.stdout.write(f"Opened {made} questionnaire request(s).")
