# SPDX-License-Identifier: AGPL-3.0-or-later
"""The .ics files patients are sent, read back with the icalendar library as a calendar
app would: a stable UID, a SEQUENCE that grows with every change, and a cancellation
that says so (RFC 5545, RFC 5546)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from helpers import at, kind, next_weekday
from nervepath.scheduling import services
from nervepath.scheduling.models import Status

pytestmark = pytest.mark.booking


def _sent_event(message):
    name, content, mimetype = message.attachments[0]
    assert name == "appointment.ics"
    calendar = Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event, mimetype


def test_every_change_sends_a_higher_sequence_under_the_same_uid(
    clinic, hale, alice, django_capture_on_commit_callbacks
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0, after_days=5)
    with django_capture_on_commit_callbacks(execute=True):
        appt = services.book(
            services.Request(kind("follow-up"), fc, hale, at(fc, monday, "14:00")),
            alice,
            by=alice.user,
        )
    # Moved earlier (the old SEQUENCE, minutes since 1970, went down here), then again.
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule(appt, at(fc, monday, "09:00"), by=alice.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule(appt, at(fc, monday, "11:00"), by=alice.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(appt, by=alice.user)
    sent = [_sent_event(m) for m in mail.outbox]
    assert len(sent) == 4
    assert len({str(event["uid"]) for _, event, _ in sent}) == 1
    sequences = [int(event["sequence"]) for _, event, _ in sent]
    assert sequences == sorted(set(sequences)) and sequences[0] == 0
    starts = [event.decoded("dtstart") for _, event, _ in sent[:3]]
    assert starts == [at(fc, monday, c) for c in ("14:00", "09:00", "11:00")]
    methods = [(str(cal["method"]), str(event["status"])) for cal, event, _ in sent]
    assert methods == [("PUBLISH", "CONFIRMED")] * 3 + [("CANCEL", "CANCELLED")]
    assert sent[-1][2] == "text/calendar; method=CANCEL"
    cancel = sent[-1][1]
    assert str(cancel["attendee"]) == "mailto:alice@example.org"
    assert str(cancel["organizer"]).startswith("mailto:")
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED and appt.sequence == 3


def test_the_downloaded_ics_carries_the_stored_sequence(client, clinic, hale, alice):
    fc = clinic["fort-collins"]
    monday = next_weekday(0, after_days=5)
    appt = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "14:00")), alice, by=None
    )
    services.reschedule(appt, appt.starts_at - timedelta(hours=4), by=None)
    response = client.get(f"/appointments/{appt.manage_token}/appointment.ics")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert int(str(event["sequence"])) == 1
