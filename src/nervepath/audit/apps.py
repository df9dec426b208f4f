# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "nervepath.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from nervepath.audit import signals  # noqa: F401  (connects the receivers)
        from nervepath.config import checks  # noqa: F401  (registers the deploy checks)
        from nervepath.config import converters  # noqa: F401  (the <id:...> path converter)
