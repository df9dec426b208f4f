# SPDX-License-Identifier: AGPL-3.0-or-later
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nervepath.messaging import bounces


class Command(BaseCommand):
    help = (
        "Read the delivery reports (bounces) in NERVEPATH_BOUNCE_MAILDIR and/or the "
        "NERVEPATH_BOUNCE_IMAP_* folder now (the task worker does this by itself)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not bounces.configured():
            raise CommandError(
                "No place to read bounces from: set NERVEPATH_BOUNCE_MAILDIR or "
                "NERVEPATH_BOUNCE_IMAP_HOST (docs/messages.md, Bounces)."
            )
        counts = bounces.read_all()
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        self.stdout.write(summary or "No new bounce.")
