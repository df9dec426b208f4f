# SPDX-License-Identifier: AGPL-3.0-or-later
"""Current questionnaire responses for research, dated when they were first answered.

A correction is a new row submitted later (`assessment.services.correct`); the clinic's
own summary dates the corrected score by the first submission of its chain, and so must
research, or a baseline corrected months later would move out of its window.

Cohorts of thousands read tens of thousands of rows, so the values asked for are computed
by the database (a JSON key as text or number, the clinic's calendar day of an instant)
rather than decoded row by row in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Expression, F, FloatField, Func
from django.db.models.fields.json import KT, KeyTextTransform
from django.db.models.functions import Cast, TruncDate

from nervepath.assessment.models import Response, ResponseStatus
from nervepath.research.cohorts import chunks


def json_text(path: str, field: str = "result") -> KeyTextTransform:
    """A JSON key (or nested path, "cutoffs__all_criteria") of a response as text."""
    return KT(f"{field}__{path}")


def json_number(path: str, field: str = "result") -> Cast:
    return Cast(KT(f"{field}__{path}"), FloatField())


def current(
    ids: list[int],
    instruments: Iterable[str] | None = None,
    *,
    when: str = "day",
    **fields: str | Expression,
) -> list[tuple[Any, ...]]:
    """(patient id, instrument, first answered, *fields) of every current response of these
    patients, oldest first (then by row), one query per 5,000 patients.

    ``when="day"`` gives the clinic's calendar day of the first submission (what the
    analysis counts in), ``"time"`` the instant itself. ``fields`` name the values wanted:
    a model field ("answers") or an expression (`json_text("band")`)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    # PostgreSQL works out the clinic's day itself. SQLite would call back into Python for
    # every row, so there the stored UTC text is read as it is and turned into the clinic's
    # day here, once per distinct minute.
    moment: F | Func = F("submitted_at")
    to_day = when == "day" and connection.vendor != "postgresql"
    if when == "day" and not to_day:
        moment = TruncDate("submitted_at", tzinfo=zone)
    elif to_day:
        moment = Cast("submitted_at", CharField())
    days: dict[str, dt.date] = {}

    def day_of(text: str) -> dt.date:
        minute = text[:16]
        if minute not in days:
            at = dt.datetime.fromisoformat(minute).replace(tzinfo=dt.UTC)
            days[minute] = at.astimezone(zone).date()
        return days[minute]

    names = [f"v_{name}" for name in fields]
    wanted = list(instruments) if instruments is not None else None
    out: list[tuple[Any, ...]] = []
    for part in chunks(ids):
        rows = Response.objects.filter(status=ResponseStatus.SUBMITTED, patient_id__in=part)
        if wanted is not None:
            rows = rows.filter(instrument_id__in=wanted)
        found = list(
            rows.annotate(
                moment=moment,
                **{
                    alias: F(value) if isinstance(value, str) else value
                    for alias, value in zip(names, fields.values(), strict=True)
                },
            )
            .order_by()
            .values_list(
                "pk",
                "corrects_id",
                "corrected_by",
                "moment",
                "patient_id",
                "instrument_id",
                *names,
            )
        )
        if to_day:
            found = [
                (pk, corrects, by, day_of(at) if at else None, *rest)
                for pk, corrects, by, at, *rest in found
            ]
        earlier = {pk: (corrects, at) for pk, corrects, _by, at, *_rest in found}
        for pk, corrects, corrected_by, at, pid, instrument, *values in found:
            if corrected_by is not None or at is None:
                continue
            first, seen = at, {pk}
            while corrects is not None and corrects in earlier and corrects not in seen:
                seen.add(corrects)
                corrects, earlier_at = earlier[corrects]
                first = earlier_at or first
            out.append((pid, instrument, first, pk, *values))
    out.sort(key=lambda r: (r[0], r[2], r[3]))
    return [(pid, instrument, first, *values) for pid, instrument, first, _pk, *values in out]


def truthy(value: Any) -> bool:
    """A JSON true read as text: "true" (PostgreSQL) or 1 (SQLite)."""
    return value in (True, 1, "1", "true")
