# SPDX-License-Identifier: AGPL-3.0-or-later
"""Small helpers for tests: dates relative to today, instants in a location's zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from nervepath.scheduling.models import AppointmentType, Location


def kind(slug: str) -> AppointmentType:
    return AppointmentType.objects.get(slug=slug)


def next_weekday(weekday: int, *, after_days: int = 3, start: date | None = None) -> date:
    """The first ``weekday`` (0 = Monday) at least ``after_days`` from ``start`` (today)."""
    day = (start or date.today()) + timedelta(days=after_days)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def at(location: Location, day: date, clock: str) -> datetime:
    """An aware instant at a wall-clock time in the location's zone."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=location.tz)
