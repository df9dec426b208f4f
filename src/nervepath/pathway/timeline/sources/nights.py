# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course's nights: each analysed night with its PLMS index."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from nervepath.accounts.models import Patient
from nervepath.pathway.timeline.base import Event, Found
from nervepath.pathway.timeline.words import num
from nervepath.wearables.clinical import PLMS_CUTOFF_ADULT
from nervepath.wearables.models import Night


def events(patient: Patient, today: date) -> Found:
    nights = list(
        Night.objects.filter(patient=patient)
        .only("pk", "public_id", "night_of", "plms_index", "patient_id")
        .order_by("night_of", "pk")
    )
    found = Found(records=nights)
    for night in nights:
        if night.plms_index is None:
            detail = "PLMS index not computed"
        else:
            above = " (above 15/h)" if night.plms_index > PLMS_CUTOFF_ADULT else ""
            detail = f"PLMS index {num(night.plms_index)}/h{above}"
        found.events.append(
            Event(
                day=night.night_of,
                kind="night",
                title="Night recorded",
                detail=detail,
                obj=night,
                url=reverse("wearables:night", args=[night.public_id]),
                status="done",
                value=night.plms_index,
                key=f"night-{night.pk}",
            )
        )
    return found
