# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 22, finding 7: ceilings on what one patient or one address can take online.
Future online visits per patient (NERVEPATH_MAX_FUTURE_ONLINE_VISITS; staff are not
bound) and patient records started by e-mail per client address per day
(NERVEPATH_NEW_ACCOUNTS_PER_IP_PER_DAY)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from helpers import kind, login
from nervepath.accounts.models import User
from nervepath.accounts.services import AccountError, patient_for_email
from nervepath.scheduling import availability, services
from nervepath.scheduling.errors import BookingError
from nervepath.scheduling.models import Appointment, Source, WaitlistEntry

pytestmark = pytest.mark.booking


def _one_slot_a_day(location, count, type_slug="follow-up"):
    """The first free online slot of ``count`` different days (visits never overlap)."""
    window = availability.online_window(location)
    slots = availability.free_slots(
        kind(type_slug),
        [location],
        window.earliest.astimezone(location.tz).date(),
        28,
        window=window,
    )
    by_day: dict[date, Any] = {}
    for slot in slots:
        by_day.setdefault(slot.starts_at.astimezone(location.tz).date(), slot)
    assert len(by_day) >= count, "the demo clinic has too few open days"
    return [by_day[day] for day in sorted(by_day)[:count]]


def _request(location, slot, type_slug="follow-up"):
    clinician = availability.Clinician.objects.get(pk=slot.clinician_id)
    return services.Request(kind(type_slug), location, clinician, slot.starts_at)


def test_a_patient_cannot_hold_more_than_the_ceiling_of_online_visits(
    client, clinic, alice, frontdesk, settings
):
    settings.NERVEPATH = {**settings.NERVEPATH, "MAX_FUTURE_ONLINE_VISITS": 3}
    fc = clinic["fort-collins"]
    first, second, third, fourth, fifth = _one_slot_a_day(fc, 5)
    for slot, source in [(first, Source.ONLINE), (second, Source.API), (third, Source.ONLINE)]:
        services.book(_request(fc, slot), alice, by=alice.user, source=source)

    # The fourth, booked by the patient on the booking page: refused with a message.
    login(client, alice.user)
    response = client.post(
        reverse("scheduling:book_confirm", args=[fc.slug, "follow-up"]),
        {"start": fourth.starts_at.isoformat(), "clinician": fourth.clinician_id},
    )
    assert response.status_code == 400
    assert "You already have 3 upcoming visits booked online" in response.content.decode()
    assert Appointment.objects.filter(patient=alice).count() == 3
    # ... and by the API path of the same service.
    with pytest.raises(BookingError, match="3 upcoming visits booked online"):
        services.book(_request(fc, fourth), alice, by=alice.user, source=Source.API)

    # Staff bookings are not bound, and do not count against the patient.
    services.book(_request(fc, fourth), alice, by=frontdesk, source=Source.STAFF)
    assert Appointment.objects.filter(patient=alice).count() == 4
    # A cancelled online visit frees a place again.
    online = Appointment.objects.filter(patient=alice, source=Source.ONLINE).order_by("pk")
    services.cancel(online.first(), by=frontdesk)
    services.book(_request(fc, fifth), alice, by=alice.user, source=Source.ONLINE)
    assert Appointment.objects.filter(patient=alice, status="booked").count() == 4


def _join(client, fc, email, address):
    return client.post(
        reverse("scheduling:join_waitlist", args=[fc.slug, "new-patient"]),
        {"first_name": "Pat", "last_name": "Doe", "email": email},
        REMOTE_ADDR=address,
    )


def test_new_accounts_per_address_per_day(client, clinic, alice, settings):
    settings.NERVEPATH = {**settings.NERVEPATH, "NEW_ACCOUNTS_PER_IP_PER_DAY": 2}
    fc = clinic["fort-collins"]
    for n in (1, 2):
        assert _join(client, fc, f"new{n}@example.org", "203.0.113.7").status_code == 302
    assert User.objects.filter(email__in=["new1@example.org", "new2@example.org"]).count() == 2

    refused = _join(client, fc, "new3@example.org", "203.0.113.7")
    assert refused.status_code == 400
    assert "Too many bookings without signing in came from your internet address today" in (
        refused.content.decode()
    )
    assert not User.objects.filter(email="new3@example.org").exists()
    # A known e-mail is refused alike: the ceiling does not tell who has an account.
    known = _join(client, fc, alice.user.email, "203.0.113.7")
    assert known.status_code == 400
    assert "Too many bookings without signing in" in known.content.decode()
    assert not WaitlistEntry.objects.filter(patient=alice).exists()
    # The same ceiling holds in the service the booking form calls.
    with pytest.raises(AccountError, match="Too many bookings"):
        patient_for_email("new4@example.org", "Pat", "Doe", client_ip="203.0.113.7")

    # Another address, and staff (who pass no address), are not bound by it.
    assert _join(client, fc, "new5@example.org", "198.51.100.2").status_code == 302
    assert patient_for_email("new6@example.org", "Pat", "Doe").user.email == "new6@example.org"


def test_a_hold_confirmed_from_the_mailbox_past_the_ceiling_is_refused_and_stays_a_hold(
    clinic, alice, settings
):
    """The ceiling is asked of the mailbox's owner when they confirm, not when a stranger
    types their address (that answer is the same for every address)."""
    settings.NERVEPATH = {**settings.NERVEPATH, "MAX_FUTURE_ONLINE_VISITS": 2}
    fc = clinic["fort-collins"]
    first, second, third = _one_slot_a_day(fc, 3)
    services.book(_request(fc, first), alice, by=alice.user, source=Source.ONLINE)
    held = services.hold_for_confirmation(_request(fc, second), alice)
    services.confirm_hold(held.confirm_token)  # the second: within the ceiling
    assert Appointment.objects.get(pk=held.pk).status == "booked"
    third_hold = services.hold_for_confirmation(_request(fc, third), alice)
    with pytest.raises(BookingError, match="2 upcoming visits booked online"):
        services.confirm_hold(third_hold.confirm_token)
    assert Appointment.objects.get(pk=third_hold.pk).status == "held"
