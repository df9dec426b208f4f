# SPDX-License-Identifier: AGPL-3.0-or-later
"""Background work: appointment reminders and the expiry of waitlist holds.

Each is enqueued to run at its due time (``run_after``); the worker process
(``nervepath db_worker``) runs it. A task re-reads the appointment and does nothing
when it was moved or cancelled meanwhile, so stale tasks are harmless.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from nervepath.scheduling.models import Appointment, Status


@task()
def send_reminder(appointment_id: int, starts_at_iso: str) -> bool:
    from nervepath.scheduling.notifications import appointment_email

    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update()
            .select_related("location", "appointment_type", "patient__user")
            .filter(pk=appointment_id)
            .first()
        )
        if (
            appointment is None
            or appointment.status != Status.BOOKED
            or appointment.reminder_sent_at is not None
            or appointment.starts_at != datetime.fromisoformat(starts_at_iso)
            or appointment.starts_at <= timezone.now()
        ):
            return False
        appointment.reminder_sent_at = timezone.now()
        appointment.save(update_fields=["reminder_sent_at"])
        # The message is an outbox row written with the mark: the worker sends it and
        # retries it until the mail server or text provider takes it.
        appointment_email(appointment, "reminder")
    return True


@task()
def release_hold(appointment_id: int) -> bool:
    from nervepath.scheduling.waitlist import expire_hold

    return expire_hold(appointment_id)


def reminder_due(appointment: Appointment) -> datetime:
    """The reminder goes out ``reminder_hours_before`` elapsed hours before the visit (UTC
    arithmetic, so a DST change in between neither shifts nor skips it)."""
    return appointment.starts_at - timedelta(hours=appointment.location.reminder_hours_before)


def schedule_reminder(appointment: Appointment) -> None:
    due = max(reminder_due(appointment), timezone.now())
    send_reminder.using(run_after=due).enqueue(appointment.id, appointment.starts_at.isoformat())


def schedule_hold_expiry(appointment: Appointment) -> None:
    if appointment.hold_expires_at is not None:
        release_hold.using(run_after=appointment.hold_expires_at).enqueue(appointment.id)
