# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project's own wiring as an app, so the deploy checks and the ``<id:...>`` path
    converter register when Django starts, without a lower app importing config."""

    name = "nervepath.config"
    label = "config"
    verbose_name = "Configuration"

    def ready(self) -> None:
        from nervepath.config import checks, converters  # noqa: F401  (registers them)
