# SPDX-License-Identifier: AGPL-3.0-or-later
"""Treatment events drawn on a patient's night timeline and offered for before/after.

Apps register a function that lists a patient's events; the timeline and the
comparison ask every registered source. Scheduling registers completed treatment
visits (nerve blocks, surgery, therapy sessions) from ``WearablesConfig.ready``; the
pathway app will register its own (medication changes, therapy courses).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from nervepath.accounts.models import Patient


@dataclass(frozen=True)
class TreatmentEvent:
    key: str  # stable id within the patient, e.g. "appointment-42"
    day: date  # local date of the event
    label: str  # e.g. "Diagnostic nerve block"
    kind: str  # "block", "surgery", "therapy", "medication", ...


EventSource = Callable[[Patient], list[TreatmentEvent]]
_SOURCES: list[EventSource] = []


def register(source: EventSource) -> EventSource:
    """Add a source of events (usable as a decorator); registering twice is harmless."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def events_for(patient: Patient) -> list[TreatmentEvent]:
    found = [event for source in _SOURCES for event in source(patient)]
    return sorted(found, key=lambda e: (e.day, e.key))


# The event kind of each treatment an appointment type gives (its ``treatment`` field,
# never its slug): therapy sessions of either modality are "therapy".
EVENT_KIND = {
    "block": "block",
    "surgery": "surgery",
    "estim": "therapy",
    "laser": "therapy",
}


def completed_treatments(patient: Patient) -> list[TreatmentEvent]:
    from nervepath.scheduling.models import Appointment, Status

    visits = Appointment.objects.filter(
        patient=patient,
        status=Status.COMPLETED,
        appointment_type__treatment__in=list(EVENT_KIND),
    ).select_related("appointment_type", "location")
    return [
        TreatmentEvent(
            key=f"appointment-{a.pk}",
            day=a.local_start.date(),
            label=a.appointment_type.name,
            kind=EVENT_KIND[a.appointment_type.treatment],
        )
        for a in visits
    ]
