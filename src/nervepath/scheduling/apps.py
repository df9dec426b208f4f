# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "nervepath.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from nervepath.access.care import register_care_source
        from nervepath.scheduling import inbox_causes
        from nervepath.scheduling.care import visit_patients

        # Visits put a patient in the clinician's care (scheduling.care).
        register_care_source("visits", visit_patients)
        # Waitlist offers pending and failed messages in the work inbox (issue 18).
        inbox_causes.connect()
