# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "nervepath.pathway"
    label = "pathway"
    verbose_name = "Care pathway"

    def ready(self) -> None:
        from nervepath.pathway import therapy_signals  # noqa: F401 (links therapy bookings)

        # The course's treatments on the nights timeline and before/after comparison.
        from nervepath.pathway.timeline import register_treatment_events

        register_treatment_events()
        from nervepath.pathway import signals  # noqa: F401 (connects the follow-up hooks)
        from nervepath.pathway.surgery import follow_up_plan

        follow_up_plan()  # a malformed NERVEPATH_FOLLOW_UPS stops the app at start
