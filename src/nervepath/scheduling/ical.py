# SPDX-License-Identifier: AGPL-3.0-or-later
"""iCalendar (RFC 5545) renderings of appointments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from icalendar import Calendar, Event, vText

from nervepath.scheduling.models import Appointment, Status


def _calendar(name: str, method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//nervepath//scheduling//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    if method:
        cal.add("method", method)
    return cal


def _event(appointment: Appointment, *, for_clinician: bool) -> Event:
    event = Event()
    event.add("uid", f"appointment-{appointment.manage_token}@nervepath")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    location = appointment.location
    event.add("location", vText(f"{location.name}, {location.address}, {location.city}"))
    if for_clinician:
        # Calendar apps sync to third parties: the feed names the visit type only, not
        # the patient (minimum necessary).
        event.add("summary", f"{appointment.appointment_type.name} at {location.name}")
        event.add("description", f"Open in nervepath: {settings.SITE_URL}/staff/")
    else:
        event.add("summary", f"{appointment.appointment_type.name} — {location.name}")
        event.add(
            "description",
            f"Manage or cancel: {settings.SITE_URL}{appointment.get_absolute_url()}\n"
            f"Questions: {location.phone}",
        )
    cancelled = appointment.status == Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", int(appointment.starts_at.timestamp()) // 60 % 100000)
    return event


def patient_ics(appointment: Appointment) -> bytes:
    cal = _calendar(settings.NERVEPATH["CLINIC_NAME"], method="PUBLISH")
    cal.add_component(_event(appointment, for_clinician=False))
    return cal.to_ical()


def clinician_feed(name: str, appointments: Iterable[Appointment]) -> bytes:
    cal = _calendar(name)
    for appointment in appointments:
        cal.add_component(_event(appointment, for_clinician=True))
    return cal.to_ical()
