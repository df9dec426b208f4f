# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "nervepath.pathway"
    label = "pathway"
    verbose_name = "Care pathway"

    def ready(self) -> None:
        from nervepath.notes.letters import register_letter_section
        from nervepath.pathway import (
            inbox_causes,
            signals,  # noqa: F401 (follow-ups and therapy sessions)
        )
        from nervepath.pathway.letters import surgery_section
        from nervepath.pathway.surgery import follow_up_plan
        from nervepath.pathway.timeline import register_source, register_treatment_events
        from nervepath.pathway.timeline.sources import (
            follow_ups,
            medications,
            nerve_blocks,
            nights,
            questionnaires,
            surgeries,
            therapy,
            visits,
        )

        # Letters to the referring doctor name the tunnels released and the monitoring.
        register_letter_section("surgery", surgery_section)
        follow_up_plan()  # a malformed NERVEPATH_FOLLOW_UPS stops the app at start
        # The course of care's lanes, one source per kind of record. Visits,
        # questionnaires and nights belong to scheduling, assessment and wearables, which
        # sit below the pathway and cannot import it: their sources live in the pathway.
        register_source("visit", visits.events)
        register_source("questionnaire", questionnaires.events)
        register_source("night", nights.events)
        register_source("block", nerve_blocks.events)
        register_source("surgery", surgeries.events)
        register_source("follow_up", follow_ups.events)
        register_source("therapy", therapy.events)
        register_source("medication", medications.events)
        # The course's treatments on the nights timeline and before/after comparison.
        register_treatment_events()
        # The work inbox's follow-ups to book and diaries missing days (issue 18).
        inbox_causes.connect()
