# SPDX-License-Identifier: AGPL-3.0-or-later
"""Email every patient whose relief diary misses days (for cron; the task worker does
the same on its own). Safe to run as often as you like: a diary is reminded at most
once a day."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from nervepath.pathway.tasks import send_diary_reminders


class Command(BaseCommand):
    help = "Remind patients whose relief diary after a nerve block misses days."

    def handle(self, *args: object, **options: object) -> None:
        sent = send_diary_reminders()
        self.stdout.write(f"Sent {sent} diary reminder(s).")
