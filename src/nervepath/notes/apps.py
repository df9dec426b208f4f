# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "nervepath.notes"
    label = "notes"
    verbose_name = "Clinical notes"

    def ready(self) -> None:
        from nervepath.notes import intake
        from nervepath.notes.consent import visit_notice
        from nervepath.scheduling.notices import register_visit_notice

        # A block or surgery visit's staff page says whether a valid consent is on file.
        register_visit_notice("consent", visit_notice)
        # Filed referrals wait in the front desk's inbox for a new-patient visit (issue 20).
        intake.connect()
