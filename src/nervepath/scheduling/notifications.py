# SPDX-License-Identifier: AGPL-3.0-or-later
"""Emails to patients about their appointments."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from nervepath.accounts.services import set_password_path
from nervepath.scheduling.ical import patient_ics
from nervepath.scheduling.models import Appointment, WaitlistEntry


def _send(
    to: str, subject: str, template: str, context: dict[str, object], ics: bytes | None
) -> None:
    context = {
        **context,
        "site_url": settings.SITE_URL,
        "clinic": settings.NERVEPATH["CLINIC_NAME"],
    }
    body = render_to_string(f"scheduling/email/{template}.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[to])
    if ics is not None:
        method = "CANCEL" if b"METHOD:CANCEL" in ics else "PUBLISH"
        message.attach("appointment.ics", ics, f"text/calendar; method={method}")
    message.send()


def appointment_email(appointment: Appointment, kind: str) -> None:
    """``kind`` is confirmed, moved, cancelled or reminder."""
    subjects = {
        "confirmed": "Your appointment is booked",
        "moved": "Your appointment has moved",
        "cancelled": "Your appointment is cancelled",
        "reminder": "Reminder: your appointment",
    }
    local = appointment.local_start
    context: dict[str, object] = {"appointment": appointment, "local_start": local}
    user = appointment.patient.user
    if kind == "confirmed" and not user.has_usable_password():
        context["set_password_url"] = set_password_path(user)
    subject = f"{subjects[kind]}: {local:%a %b %-d, %-I:%M %p} at {appointment.location.name}"
    _send(
        appointment.patient.email,
        subject,
        kind,
        context,
        patient_ics(appointment),
    )


def waitlist_offer_email(entry: WaitlistEntry, appointment: Appointment) -> None:
    _send(
        entry.patient.email,
        f"An earlier slot is free: {appointment.local_start:%a %b %-d, %-I:%M %p}",
        "waitlist_offer",
        {"entry": entry, "appointment": appointment, "local_start": appointment.local_start},
        None,
    )


def confirm_booking_email(held: Appointment) -> None:
    """The single-use link that makes a booking made without signing in real."""
    local = held.local_start
    _send(
        held.patient.email,
        f"Please confirm your visit: {local:%a %b %-d, %-I:%M %p} at {held.location.name}",
        "confirm_booking",
        {
            "appointment": held,
            "local_start": local,
            "minutes": settings.NERVEPATH["UNCONFIRMED_HOLD_MINUTES"],
        },
        None,
    )


def staff_address_notice(email: str) -> None:
    """Someone typed a staff account's address into the public booking form: the form
    answers as for any address; the mailbox gets a short notice and nothing else."""
    _send(email, "Booking request not made", "staff_address_notice", {}, None)
