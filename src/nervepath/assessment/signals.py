# SPDX-License-Identifier: AGPL-3.0-or-later
"""Booking → intake questionnaires, whichever way the visit was booked (online, by the
front desk, through the API or from the waitlist): a booked appointment whose type sends
questionnaires opens them once the booking is committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from nervepath.scheduling.models import Appointment, Status


@receiver(post_save, sender=Appointment, dispatch_uid="assessment_intake_on_booking")
def intake_on_booking(sender: type[Appointment], instance: Appointment, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if fields is not None and "status" not in fields:
        return  # a reminder stamp, a note: not a booking
    if instance.status != Status.BOOKED:
        return
    from nervepath.assessment.services import intake_for_appointment

    appointment_id = instance.pk
    transaction.on_commit(lambda: intake_for_appointment(appointment_id))
