# SPDX-License-Identifier: AGPL-3.0-or-later
"""Booking → therapy session: an electrical-stimulation or laser visit booked for a patient
with a course under way becomes the course's next planned session, however it was booked
(online by the patient, by the front desk, through the API or from the waitlist). Sessions
booked from the course page are linked by ``therapy.book_session`` itself."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from nervepath.scheduling.models import Appointment


@receiver(post_save, sender=Appointment, dispatch_uid="pathway_therapy_session_on_booking")
def therapy_session_on_booking(
    sender: type[Appointment], instance: Appointment, **kwargs: Any
) -> None:
    if kwargs.get("raw"):
        return  # loading fixtures
    fields = kwargs.get("update_fields")
    if fields is not None and not {"status", "starts_at"} & set(fields):
        return  # a reminder stamp, a note: neither a booking nor a move
    from nervepath.pathway import therapy

    therapy.link_appointment(instance)
