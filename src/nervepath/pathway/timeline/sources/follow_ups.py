# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course's follow-ups after surgery, drawn on the day of their visit once booked."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from nervepath.accounts.models import Patient
from nervepath.pathway.models import FollowUp, FollowUpStatus
from nervepath.pathway.timeline.base import Event, Found
from nervepath.pathway.timeline.words import leg_name, on_day, page_url


def events(patient: Patient, today: date) -> Found:
    follow_ups = list(
        FollowUp.objects.filter(patient=patient)
        .select_related("surgery", "appointment__location")
        .order_by("due_on", "pk")
    )
    found = Found(records=follow_ups)
    for follow_up in follow_ups:
        found.events.append(_event(follow_up, today))
    return found


def _event(follow_up: FollowUp, today: date) -> Event:
    detail = f"due {on_day(follow_up.due_on, today)}"
    url = ""
    day = follow_up.due_on  # drawn on the day of its visit once one is booked
    if follow_up.appointment is not None:
        visit = follow_up.appointment
        day = visit.local_start.date()
        detail += f" · visit {on_day(day, today)}"
        url = reverse("scheduling:staff_appointment", args=[visit.pk])
    if (
        follow_up.status == FollowUpStatus.TO_BOOK
        and follow_up.due_on < today
        and follow_up.window[1] < today
    ):
        detail += " · overdue"
    return Event(
        day=day,
        kind="follow_up",
        title=f"{follow_up.label} follow-up, {leg_name(follow_up.surgery.leg).lower()}",
        detail=detail,
        obj=follow_up,
        url=page_url(follow_up, url or page_url(follow_up.surgery)),
        status=follow_up.status,
        status_label=follow_up.get_status_display(),
        key=f"follow_up-{follow_up.pk}",
    )
