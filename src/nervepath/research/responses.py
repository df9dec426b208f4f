# SPDX-License-Identifier: AGPL-3.0-or-later
"""Current questionnaire responses for research, dated when they were first answered.

A correction is a new row submitted later (`assessment.services.correct`); the clinic's
own summary dates the corrected score by the first submission of its chain, and so must
research, or a baseline corrected months later would move out of its window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from nervepath.assessment.models import Response, ResponseStatus
from nervepath.research.cohorts import chunks


def current(
    ids: list[int], fields: Iterable[str], instruments: Iterable[str] | None = None
) -> list[tuple[Any, ...]]:
    """(patient id, instrument, first answered at, *fields) of every current response of
    these patients (oldest first, then by row), one query per 5,000 patients."""
    fields = list(fields)
    wanted = list(instruments) if instruments is not None else None
    out: list[tuple[Any, ...]] = []
    for part in chunks(ids):
        rows = Response.objects.filter(status=ResponseStatus.SUBMITTED, patient_id__in=part)
        if wanted is not None:
            rows = rows.filter(instrument_id__in=wanted)
        found = list(
            rows.values_list(
                "pk",
                "corrects_id",
                "corrected_by",
                "submitted_at",
                "patient_id",
                "instrument_id",
                *fields,
            )
        )
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


def local_day(at: dt.datetime) -> dt.date:
    """The clinic's calendar day of an instant (the analysis counts days in that zone)."""
    from django.utils import timezone

    return timezone.localtime(at).date()
