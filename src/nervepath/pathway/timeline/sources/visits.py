# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course's visits: every appointment of the patient, whatever its status."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from nervepath.accounts.models import Patient
from nervepath.pathway.timeline.base import Event, Found
from nervepath.pathway.timeline.words import person
from nervepath.scheduling.models import Appointment


def events(patient: Patient, today: date) -> Found:
    visits = list(
        Appointment.objects.filter(patient=patient)
        .select_related("appointment_type", "clinician__user", "location")
        .order_by("starts_at")
    )
    found = Found(records=visits)
    for visit in visits:
        found.events.append(
            Event(
                day=visit.local_start.date(),
                kind="visit",
                title=visit.appointment_type.name,
                detail=(
                    f"{visit.local_start:%-I:%M %p} · {person(visit.clinician.user)} · "
                    f"{visit.location.name}"
                ),
                obj=visit,
                url=reverse("scheduling:staff_appointment", args=[visit.pk]),
                status=visit.status,
                status_label=visit.get_status_display(),
                key=f"visit-{visit.pk}",
            )
        )
    return found
