# SPDX-License-Identifier: AGPL-3.0-or-later
from typing import Any

from django.core.management.base import BaseCommand

from nervepath.messaging.outbox import deliver_due


class Command(BaseCommand):
    help = "Send every outbox message that is due now (the task worker does this by itself)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = deliver_due()
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.stdout.write(summary or "Nothing was due.")
