# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "nervepath.access"
    label = "access"
    verbose_name = "Access to patient records"

    def ready(self) -> None:
        from nervepath.access import care

        # An open care assignment puts the patient in the clinician's care; other apps
        # register their own ways (scheduling: visits).
        care.register_care_source("assignments", care.open_assignments)
