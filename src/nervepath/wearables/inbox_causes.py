# SPDX-License-Identifier: AGPL-3.0-or-later
"""Failed night analyses in the work inbox (issue 18; ``inbox.work``): a recording whose
analysis failed is an item for the clinicians caring for the patient, linking to the
patient's nights (where "Run again" is); it closes itself when the analysis is queued
again (and reopens if that run fails too)."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from django.db import models
from django.db.models.signals import post_save
from django.urls import reverse

from nervepath.inbox import work
from nervepath.inbox.models import Kind


def failed_analyses(only: Collection[int] | None) -> Iterator[work.Cause]:
    from nervepath.wearables.models import Analysis, State

    rows = Analysis.objects.filter(state=State.FAILED).select_related("recording")
    if only is not None:
        rows = rows.filter(pk__in=only)
    for analysis in rows.only(
        "pk",
        "error_code",
        "error_message",
        "finished_at",
        "recording__patient_id",
        "recording__uploaded_at",
    ):
        recording = analysis.recording
        yield work.Cause(
            pk=analysis.pk,
            patient_id=recording.patient_id,
            title=f"Night analysis failed ({analysis.error_code or 'error'}) for the file "
            f"uploaded {recording.uploaded_at:%b %-d, %Y}",
            body=analysis.error_message,
            link=reverse("wearables:patient", args=[recording.patient_id]),
        )


def analysis_changed(analysis_id: int) -> None:
    """Called where an analysis changes state without ``save`` (queryset updates)."""
    work.refresh(Kind.NIGHT_FAILED, [analysis_id])


def _saved(sender: object, instance: models.Model, **kwargs: object) -> None:
    if not kwargs.get("raw"):
        analysis_changed(instance.pk)


def connect() -> None:
    from nervepath.wearables.models import Analysis

    work.register(Kind.NIGHT_FAILED, "wearables.Analysis", failed_analyses)
    post_save.connect(_saved, sender=Analysis, dispatch_uid="inbox_analysis")
