# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course of care assembled from the registered sources, one per kind of record."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from nervepath.accounts.models import Patient
from nervepath.pathway.timeline.base import KINDS, Course, registered_sources
from nervepath.pathway.timeline.glance import glance


def course(patient: Patient, *, today: date | None = None) -> Course:
    """Everything recorded about ``patient``'s care as dated events, oldest first."""
    today = today or timezone.localdate()
    found = {kind: source(patient, today) for kind, source in registered_sources()}
    order = {k: n for n, k in enumerate(KINDS)}
    events = sorted(
        (event for part in found.values() for event in part.events),
        key=lambda e: (e.day, order[e.kind], e.key),
    )
    medications = found.get("medication")
    return Course(
        patient=patient,
        today=today,
        events=events,
        bars=[bar for part in found.values() for bar in part.bars],  # in the lanes' order
        glance=glance(today, {kind: part.records for kind, part in found.items()}),
        medication_rows=list(medications.rows) if medications else [],
    )
