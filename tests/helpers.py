# SPDX-License-Identifier: AGPL-3.0-or-later
"""Small helpers for tests: signing in, dates relative to today, instants in a location's
zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from nervepath.accounts import twofactor
from nervepath.accounts.models import User
from nervepath.scheduling.models import AppointmentType, Location


def login(client: Client, user: User) -> Client:
    """Sign ``user`` in on the test client as if they had passed every sign-in step.

    Staff (and patients who turned two-step sign-in on) also get a confirmed
    authenticator if they have none, and the session is marked as having given its code
    (django-otp keeps the device's ``persistent_id`` in the session).
    """
    client.force_login(user)
    if twofactor.needs_two_factor(user):
        device = twofactor.confirmed_totp(user) or TOTPDevice.objects.create(
            user=user, name=twofactor.TOTP_NAME, confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def kind(slug: str) -> AppointmentType:
    return AppointmentType.objects.get(slug=slug)


def today() -> date:
    """The clinic's date now (America/Denver): the session's clock, never the machine's
    own date (tests/clock.py)."""
    return timezone.localdate()


def next_weekday(weekday: int, *, after_days: int = 3, start: date | None = None) -> date:
    """The first ``weekday`` (0 = Monday) at least ``after_days`` from ``start`` (the
    clinic's today)."""
    day = (start or today()) + timedelta(days=after_days)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def at(location: Location, day: date, clock: str) -> datetime:
    """An aware instant at a wall-clock time in the location's zone."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=location.tz)


def send_outbox() -> dict[str, int]:
    """What the task worker does with the outbox: send every message due now (into
    ``django.core.mail.outbox`` under the test settings' mail backend)."""
    from nervepath.messaging.outbox import deliver_due

    return deliver_due()
