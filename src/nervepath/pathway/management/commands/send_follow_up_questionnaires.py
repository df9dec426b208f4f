# SPDX-License-Identifier: AGPL-3.0-or-later
"""Open the outcome questionnaires of post-operative follow-ups falling due (for cron;
the task worker does the same on its own). Safe to run as often as you like: each
follow-up's questionnaires are opened once."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from nervepath.pathway.follow_ups import send_questionnaires


class Command(BaseCommand):
    help = (
        "Open the outcome questionnaires of follow-ups due within QUESTIONNAIRE_LEAD_DAYS "
        "and email the patients."
    )

    def handle(self, *args: object, **options: object) -> None:
        made = send_questionnaires()
        self.stdout.write(f"Opened {made} follow-up questionnaire request(s).")
