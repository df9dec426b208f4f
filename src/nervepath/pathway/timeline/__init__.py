# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patient's whole course of care on one page: every visit, questionnaire, night,
nerve block, surgery, follow-up, therapy session and medication change as dated events,
an "at a glance" summary of where the patient stands, and a swimlane SVG of it all.

- ``base``: the kinds of event (one lane each), ``Event``, ``Bar``, ``Course`` and the
  registry of sources (``register_source(kind, source)``);
- ``sources``: one source per kind of record, registered by ``PathwayConfig.ready``;
- ``assemble``: ``course(patient)`` asks every registered source;
- ``glance``: the "at a glance" summary, from the records the sources read;
- ``figure``: the swimlane SVG (``course_svg``);
- ``treatments``: the pathway's treatments for the nights timeline (``wearables.events``).

``course(patient)`` reads each kind of record with one query (related rows joined or
prefetched), so the number of queries does not grow with the length of the history.
Stored values that the science layer refuses (a monitoring set with an "after" reading
but no baseline, a diary that cannot be summarised) are shown as recorded, without a
computed change, rather than failing the page.
"""

from nervepath.pathway.timeline.assemble import course
from nervepath.pathway.timeline.base import (
    KIND_LABELS,
    KIND_SINGULAR,
    KINDS,
    Bar,
    Course,
    Event,
    Found,
    Source,
    register_source,
    registered_sources,
)
from nervepath.pathway.timeline.figure import COLOURS, course_svg
from nervepath.pathway.timeline.glance import Glance, Measure
from nervepath.pathway.timeline.sources.nerve_blocks import BlockView
from nervepath.pathway.timeline.treatments import register_treatment_events, treatment_events

__all__ = [
    "COLOURS",
    "KINDS",
    "KIND_LABELS",
    "KIND_SINGULAR",
    "Bar",
    "BlockView",
    "Course",
    "Event",
    "Found",
    "Glance",
    "Measure",
    "Source",
    "course",
    "course_svg",
    "register_source",
    "register_treatment_events",
    "registered_sources",
    "treatment_events",
]
