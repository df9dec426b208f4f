# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers shared by the booking pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from nervepath.scheduling.availability import Slot
from nervepath.scheduling.models import Clinician, Location


@dataclass(frozen=True)
class SlotChoice:
    local: datetime
    start_iso: str
    clinician_id: int
    clinician: str


@dataclass(frozen=True)
class SlotDay:
    day: date
    choices: list[SlotChoice]


def slot_days(slots: list[Slot], location: Location, *, one_per_time: bool = True) -> list[SlotDay]:
    """Slots grouped by the location's local day; with ``one_per_time`` each time is shown
    once (the first free clinician takes it)."""
    names = {c.id: str(c) for c in Clinician.objects.filter(id__in={s.clinician_id for s in slots})}
    tz = location.tz
    choices = []
    seen: set[datetime] = set()
    for slot in slots:
        if slot.location_id != location.id:
            continue
        if one_per_time and slot.starts_at in seen:
            continue
        seen.add(slot.starts_at)
        choices.append(
            SlotChoice(
                slot.starts_at.astimezone(tz),
                slot.starts_at.isoformat(),
                slot.clinician_id,
                names[slot.clinician_id],
            )
        )
    return [
        SlotDay(day, list(group)) for day, group in groupby(choices, key=lambda c: c.local.date())
    ]


@dataclass(frozen=True)
class StripDay:
    day: date
    free: int


def day_strip(first: date, days: int, shown: list[SlotDay]) -> list[StripDay]:
    """The days of the page, each with how many free times it has (for the day strip)."""
    counts = {d.day: len(d.choices) for d in shown}
    return [
        StripDay(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0))
        for i in range(days)
    ]


def requested_day(request: HttpRequest, earliest: date, latest: date) -> date:
    """The ``from`` query parameter as a date between ``earliest`` and ``latest``; bad
    values are ignored (the page shows the first week instead)."""
    raw = request.GET.get("from", "")
    try:
        chosen = date.fromisoformat(raw)
    except ValueError:
        return earliest
    return min(max(chosen, earliest), max(latest, earliest))


def week_links(first: date, earliest: date, days: int) -> dict[str, date | None]:
    previous = first - timedelta(days=days)
    return {
        "previous": max(previous, earliest) if first > earliest else None,
        "next": first + timedelta(days=days),
    }


def link_gone(request: HttpRequest) -> HttpResponse:
    """The one answer for an emailed link that does not work (unknown, used, or expired
    since the visit ended or was cancelled): 404, and the clinic's phone numbers."""
    return render(
        request,
        "scheduling/link_gone.html",
        {"locations": Location.objects.order_by("name")},
        status=404,
    )
