# SPDX-License-Identifier: AGPL-3.0-or-later
"""iCalendar (RFC 5545) renderings of appointments.

Every event's UID is ``appointment-<id>-<check>@<site host>``: the same for an
appointment in the patient's e-mailed .ics and in the clinician's feed, unchanged when
the visit moves (so calendar apps update the event instead of adding a second one),
and free of secrets. The check is an HMAC of the id under ``SECRET_KEY`` (so UIDs from
two installations never collide and say nothing guessable); it is never the manage
link's token, which is the authorisation to open, move or cancel the visit.

Every event carries the appointment's stored SEQUENCE, one more at every move or
cancellation (RFC 5545 3.8.7.4), so calendar apps take each update as the newer one.
The patient's .ics is ``METHOD:PUBLISH`` while the visit stands and ``METHOD:CANCEL``
with ``STATUS:CANCELLED`` once it is cancelled (RFC 5546 3.2.5), same UID: calendar
apps then remove the event instead of keeping it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from icalendar import Calendar, Event, vCalAddress, vText

from nervepath.accounts import language
from nervepath.scheduling.models import Appointment, Status

_UID_SALT = "nervepath.scheduling.ical.uid"


def _calendar(name: str, method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//nervepath//scheduling//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    if method:
        cal.add("method", method)
    return cal


def event_uid(appointment: Appointment) -> str:
    """The appointment's stable, secret-free UID (see the module docstring)."""
    check = salted_hmac(_UID_SALT, str(appointment.pk), algorithm="sha256").hexdigest()[:20]
    host = urlsplit(settings.SITE_URL).hostname or "nervepath"
    return f"appointment-{appointment.pk}-{check}@{host}"


def _event(appointment: Appointment, *, for_clinician: bool) -> Event:
    event = Event()
    event.add("uid", event_uid(appointment))
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    location = appointment.location
    event.add("location", vText(f"{location.name}, {location.address}, {location.city}"))
    if for_clinician:
        # Calendar apps sync to third parties: the feed names the visit type only, not
        # the patient (minimum necessary), and links to the staff page of the visit,
        # which asks for a signed-in clinician; never to the patient's manage link.
        event.add("summary", f"{appointment.appointment_type.name} at {location.name}")
        event.add(
            "description",
            f"Open in nervepath (sign-in needed): {settings.SITE_URL}"
            f"{appointment_staff_path(appointment)}",
        )
    else:
        # The patient's file is in the patient's language (the caller's override).
        event.add("summary", f"{gettext(appointment.appointment_type.name)} — {location.name}")
        manage = gettext("Manage or cancel:")
        questions = gettext("Questions:")
        event.add(
            "description",
            f"{manage} {settings.SITE_URL}{appointment.get_absolute_url()}\n"
            f"{questions} {location.phone}",
        )
    cancelled = appointment.status == Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", appointment.sequence)
    if not for_clinician:
        # RFC 5546 asks an organizer of PUBLISH and CANCEL, and the attendees a CANCEL
        # removes: the clinic's sending address and the patient (this file goes only to
        # the patient; the clinician feed names no patient).
        _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        organizer = vCalAddress(f"mailto:{address}")
        organizer.params["cn"] = vText(settings.NERVEPATH["CLINIC_NAME"])
        event.add("organizer", organizer)
        if cancelled:
            event.add("attendee", vCalAddress(f"mailto:{appointment.patient.email}"))
    return event


def patient_method(appointment: Appointment) -> str:
    """The iTIP method of the patient's .ics: CANCEL once cancelled, else PUBLISH."""
    return "CANCEL" if appointment.status == Status.CANCELLED else "PUBLISH"


def appointment_staff_path(appointment: Appointment) -> str:
    return reverse("scheduling:staff_appointment", args=[appointment.pk])


def patient_ics(appointment: Appointment) -> bytes:
    """The patient's calendar file, in the patient's language."""
    with language.for_patient(appointment.patient):
        cal = _calendar(settings.NERVEPATH["CLINIC_NAME"], method=patient_method(appointment))
        cal.add_component(_event(appointment, for_clinician=False))
        return cal.to_ical()


def clinician_feed(name: str, appointments: Iterable[Appointment]) -> bytes:
    cal = _calendar(name)
    for appointment in appointments:
        cal.add_component(_event(appointment, for_clinician=True))
    return cal.to_ical()
