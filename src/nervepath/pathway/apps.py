# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "nervepath.pathway"
    label = "pathway"
    verbose_name = "Care pathway"

    def ready(self) -> None:
        from nervepath.pathway import signals  # noqa: F401 (follow-ups and therapy sessions)
        from nervepath.pathway.surgery import follow_up_plan
        from nervepath.pathway.timeline import register_treatment_events

        follow_up_plan()  # a malformed NERVEPATH_FOLLOW_UPS stops the app at start
        # The course's treatments on the nights timeline and before/after comparison.
        register_treatment_events()
