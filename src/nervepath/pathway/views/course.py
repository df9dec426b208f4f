# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patient's course of care on one page (clinicians in care): the at-a-glance box,
the swimlane figure and every event by month, newest first, with a kind filter."""

from __future__ import annotations

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from nervepath.accounts.requests import SignedInRequest
from nervepath.pathway import timeline
from nervepath.pathway.views import clinical_patient


@require_GET
@login_required
def course_page(request: SignedInRequest, pk: int) -> HttpResponse:
    patient = clinical_patient(request, pk)
    course = timeline.course(patient)
    kind = request.GET.get("kind", "")
    if kind not in timeline.KINDS:
        kind = ""  # an unknown kind is ignored: the whole course is shown
    shown = [e for e in course.events if not kind or e.kind == kind]
    shown.sort(key=lambda e: (e.day, timeline.KINDS.index(e.kind), e.key), reverse=True)
    months = [(month, list(items)) for month, items in groupby(shown, key=lambda e: e.month)]
    counts = course.counts
    filters = [
        {"kind": k, "label": timeline.KIND_LABELS[k], "count": counts[k], "current": k == kind}
        for k in timeline.KINDS
    ]
    response = render(
        request,
        "pathway/course.html",
        {
            "patient": patient,
            "course": course,
            "glance": course.glance,
            # Built with ElementTree: every text and attribute in it is escaped.
            "figure": mark_safe(timeline.course_svg(course)),  # noqa: S308
            "months": months,
            "kind": kind,
            "kind_label": timeline.KIND_LABELS.get(kind, ""),
            "filters": filters,
            "total": len(course.events),
        },
    )
    response["Cache-Control"] = "no-store, private"
    return response
