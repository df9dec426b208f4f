# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bring the work inbox up to date now (for cron, or after restoring a backup): raise
what needs a person, close what was resolved. Safe to run as often as you like: one
item per cause. Also (re)starts the task worker's periodic sweep."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from nervepath.inbox import work
from nervepath.inbox.tasks import schedule_sweep


class Command(BaseCommand):
    help = "Raise and close work inbox items to match their causes."

    def handle(self, *args: object, **options: object) -> None:
        for kind, counts in work.sync_all().items():
            self.stdout.write(
                f"{kind}: {counts['opened']} opened, {counts['reopened']} reopened, "
                f"{counts['closed']} closed"
            )
        schedule_sweep()
