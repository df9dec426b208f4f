# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course's questionnaires: the current response of each correction chain, with its
main score and red flags."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone

from nervepath.accounts.models import Patient
from nervepath.assessment import summary as assessment_summary
from nervepath.assessment.services import instrument
from nervepath.pathway.timeline.base import Event, Found
from nervepath.pathway.timeline.words import num, plural, short
from nervepath.science.instruments import Flag


def events(patient: Patient, today: date) -> Found:
    """``records``: the series of points per instrument (``assessment.summary.points``)."""
    series = assessment_summary.points(patient)
    summary_url = reverse("assessment:summary", args=[patient.pk])
    found = Found(records=series)
    for instrument_id in assessment_summary.ordered(list(series)):
        inst = instrument(instrument_id)
        max_score = None
        score_label = ""
        if inst.main_score is not None:
            score = inst.score_def(inst.main_score)
            max_score, score_label = score.range[1], score.label
        for point in series[instrument_id]:
            found.events.append(
                Event(
                    day=timezone.localtime(point.measured_at).date(),
                    kind="questionnaire",
                    title=short(inst.title),
                    detail=_detail(point, score_label, max_score),
                    obj=point.response,
                    url=summary_url,
                    status="flagged" if _flags(point) else "done",
                    value=None if point.total is None else float(point.total),
                    group=instrument_id,
                    key=f"questionnaire-{point.response.pk}",
                )
            )
    return found


def _flags(point: assessment_summary.Point) -> list[Flag]:
    scored = point.response.scored
    return [] if scored is None else scored.flags


def _detail(point: assessment_summary.Point, score_label: str, max_score: Any) -> str:
    """E.g. "IRLS total 28 of 40 (severe) · 1 red flag (urgent)"."""
    flags = _flags(point)
    if point.total is not None:
        detail = f"{score_label} {num(point.total)} of {num(max_score)}"
        if point.band_label:
            detail += f" ({point.band_label})"
    else:
        detail = "answers recorded"
    if flags:
        worst = sorted({f.severity for f in flags})
        detail += f" · {plural(len(flags), 'red flag')} ({', '.join(worst)})"
    return detail
