# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "nervepath.assessment"
    label = "assessment"
    verbose_name = "Questionnaires and assessment"

    def ready(self) -> None:
        from nervepath.assessment import signals  # noqa: F401 (connects the booking hook)
