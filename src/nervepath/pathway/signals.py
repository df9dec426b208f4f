# SPDX-License-Identifier: AGPL-3.0-or-later
"""Appointments → the pathway, whichever way a visit was booked.

Post-operative follow-ups, whichever way the visit was booked (online by the
patient, by the front desk, through the API): a booked visit of the follow-up type is
linked to the follow-up whose window holds it once the booking is committed; a linked
visit completed, cancelled or missed updates its follow-up at once, and so does one moved
out of its follow-up's window (or to its surgery's day or before), which puts the
follow-up back to "to book"; a planned surgery's visit moved in the calendar moves the
surgery's date.

Therapy sessions: an electrical-stimulation or laser visit booked for a patient with a
course under way becomes the course's next planned session (sessions booked from the
course page are linked by ``therapy.book_session`` itself).

Rows loaded as they are (fixtures, ``loaddata``) are left alone."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from nervepath.scheduling.models import Appointment, Status


@receiver(post_save, sender=Appointment, dispatch_uid="pathway_follow_up_on_booking")
def follow_up_on_booking(sender: type[Appointment], instance: Appointment, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loading fixtures: the rows are stored as they were
    fields = kwargs.get("update_fields")
    if fields is not None and "status" not in fields and "starts_at" not in fields:
        return  # a reminder stamp, a note: nothing a follow-up depends on
    from nervepath.pathway import follow_ups, surgery

    if instance.status == Status.BOOKED:
        surgery.follow_visit(instance)
        if not kwargs.get("created"):
            follow_ups.visit_changed(instance)  # moved out of its follow-up's window?
        appointment_id = instance.pk
        transaction.on_commit(lambda: follow_ups.link_booking(appointment_id))
    else:
        follow_ups.visit_changed(instance)


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
