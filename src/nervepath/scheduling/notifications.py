# SPDX-License-Identifier: AGPL-3.0-or-later
"""Messages to patients about their appointments.

Each function writes outbox rows (nervepath.messaging) in the caller's transaction; the
task worker sends them, with retries, so a mail server that is down never fails a
booking. Reminders and waitlist offers go by text to a patient who agreed to texts
(instead of the e-mail, or as well when ``NERVEPATH_TEXT_REMINDERS=both``); a text names
the clinic, the day, the time, the location and the manage link, nothing clinical.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from nervepath.accounts import language
from nervepath.accounts.models import Patient
from nervepath.accounts.services import set_password_path
from nervepath.messaging import consent, outbox
from nervepath.scheduling.ical import patient_ics
from nervepath.scheduling.models import Appointment, WaitlistEntry


def _send(
    to: str,
    subject: str,
    template: str,
    context: dict[str, object],
    ics: bytes | None,
    patient: Patient | None = None,
) -> None:
    context = {
        **context,
        "site_url": settings.SITE_URL,
        "clinic": settings.NERVEPATH["CLINIC_NAME"],
    }
    body = render_to_string(f"scheduling/email/{template}.txt", context)
    outbox.queue_email(
        to,
        subject,
        body,
        kind=template,
        patient=patient,
        attachment=(
            ("appointment.ics", ics, f"text/calendar; method={_ics_method(ics)}")
            if ics is not None
            else None
        ),
    )


def _ics_method(ics: bytes) -> str:
    """The iTIP method of the calendar file (RFC 5546): CANCEL when it cancels the visit."""
    return "CANCEL" if b"METHOD:CANCEL" in ics else "PUBLISH"


def _texted(patient: Patient, kind: str, body: str) -> bool:
    """Queue a text when the patient agreed to texts; returns whether the e-mail may be
    left out (the clinic's ``TEXT_REMINDERS`` setting)."""
    number = consent.text_number(patient)
    if number is None:
        return False
    outbox.queue_text(number, body, kind=kind, patient=patient)
    return settings.NERVEPATH["TEXT_REMINDERS"] == "text"


def _when_where(appointment: Appointment) -> str:
    local = appointment.local_start
    place = appointment.location
    return _("%(day)s at %(time)s, %(place)s, %(address)s, %(city)s") % {
        "day": language.day(local, "short"),
        "time": language.clock(local),
        "place": place.name,
        "address": place.address,
        "city": place.city,
    }


def reminder_text(appointment: Appointment) -> str:
    """The reminder text, in the patient's language."""
    clinic = settings.NERVEPATH["CLINIC_NAME"]
    url = settings.SITE_URL + appointment.get_absolute_url()
    with language.for_patient(appointment.patient):
        return _("%(clinic)s: reminder of your visit %(when_where)s. Manage it: %(url)s") % {
            "clinic": clinic,
            "when_where": _when_where(appointment),
            "url": url,
        }


def waitlist_offer_text(entry: WaitlistEntry, appointment: Appointment) -> str:
    """The waitlist offer text, in the patient's language."""
    clinic = settings.NERVEPATH["CLINIC_NAME"]
    url = settings.SITE_URL + reverse("scheduling:waitlist_offer", args=[entry.token])
    with language.for_patient(entry.patient):
        until = ""
        if appointment.hold_expires_at is not None:
            expires = appointment.hold_expires_at.astimezone(appointment.location.tz)
            until = " " + _("Held for you until %(when)s.") % {"when": language.when(expires)}
        return _(
            "%(clinic)s: an earlier visit is free %(when_where)s.%(until)s "
            "Take it or let it go: %(url)s"
        ) % {"clinic": clinic, "when_where": _when_where(appointment), "until": until, "url": url}


def appointment_email(appointment: Appointment, kind: str) -> None:
    """``kind`` is confirmed, moved, cancelled or reminder."""
    patient = appointment.patient
    if kind == "reminder" and _texted(patient, "reminder", reminder_text(appointment)):
        return
    local = appointment.local_start
    context: dict[str, object] = {"appointment": appointment, "local_start": local}
    user = patient.user
    if kind == "confirmed" and not user.has_usable_password():
        context["set_password_url"] = set_password_path(user)
    with language.for_patient(patient):
        subjects = {
            "confirmed": _("Your appointment is booked"),
            "moved": _("Your appointment has moved"),
            "cancelled": _("Your appointment is cancelled"),
            "reminder": _("Reminder: your appointment"),
        }
        subject = _("%(what)s: %(when)s at %(place)s") % {
            "what": subjects[kind],
            "when": language.when(local),
            "place": appointment.location.name,
        }
        _send(patient.email, subject, kind, context, patient_ics(appointment), patient)


def waitlist_offer_email(entry: WaitlistEntry, appointment: Appointment) -> None:
    if _texted(entry.patient, "waitlist_offer", waitlist_offer_text(entry, appointment)):
        return
    with language.for_patient(entry.patient):
        _send(
            entry.patient.email,
            _("An earlier slot is free: %(when)s")
            % {"when": language.when(appointment.local_start)},
            "waitlist_offer",
            {"entry": entry, "appointment": appointment, "local_start": appointment.local_start},
            None,
            entry.patient,
        )


def confirm_booking_email(held: Appointment) -> None:
    """The single-use link that makes a booking made without signing in real."""
    local = held.local_start
    with language.for_patient(held.patient):
        _send(
            held.patient.email,
            _("Please confirm your visit: %(when)s at %(place)s")
            % {"when": language.when(local), "place": held.location.name},
            "confirm_booking",
            {
                "appointment": held,
                "local_start": local,
                "minutes": settings.NERVEPATH["UNCONFIRMED_HOLD_MINUTES"],
            },
            None,
            held.patient,
        )


def staff_address_notice(email: str) -> None:
    """Someone typed a staff account's address into the public booking form: the form
    answers as for any address; the mailbox gets a short notice and nothing else."""
    _send(email, _("Booking request not made"), "staff_address_notice", {}, None)
