# SPDX-License-Identifier: AGPL-3.0-or-later
"""How the course words numbers, dates, people, legs and nerves."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from nervepath.scheduling.models import Leg
from nervepath.science.nerves import monitoring

DOCTOR_TITLES = {"MD", "DO", "DPM", "PHD", "DC"}


def num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{round(value, 1):g}"


def on_day(day: date, today: date) -> str:
    """E.g. "Mar 4", with the year when it is not this year's."""
    return f"{day:%b %-d}" if day.year == today.year else f"{day:%b %-d, %Y}"


def ago(day: date, today: date) -> str:
    days = (today - day).days
    if days < 0:
        return f"on {on_day(day, today)}"
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 60:
        return f"{days} days ago"
    return f"{round(days / 30.44)} months ago"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def person(user: Any) -> str:
    """E.g. "Dr Hale" for a doctor, else the full name (or email)."""
    if user is None:
        return "someone"
    try:
        clinician = user.clinician
    except (ObjectDoesNotExist, AttributeError):
        clinician = None
    title = (getattr(clinician, "title", "") or "").replace(".", "").upper()
    if title in DOCTOR_TITLES and user.last_name:
        return f"Dr {user.last_name}"
    return user.get_full_name() or user.email


def page_url(obj: Any, fallback: str = "") -> str:
    """The record's own page when its model has one, else ``fallback``."""
    get = getattr(obj, "get_absolute_url", None)
    return str(get()) if callable(get) else fallback


def short(label: str) -> str:
    """E.g. "Common peroneal nerve (fibular neck)" → "Common peroneal nerve"."""
    return label.split(" (")[0]


def nerve_name(nerve: str) -> str:
    return short(monitoring.NERVE_LABELS.get(nerve, nerve))


def leg_name(leg: str) -> str:
    return Leg(leg).label if leg in Leg.values else leg


def leg_word(leg: str) -> str:
    return {"right": "right", "left": "left"}.get(leg, leg)
