# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "nervepath.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from nervepath.audit import signals  # noqa: F401  (connects the receivers)
