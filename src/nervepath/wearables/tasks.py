# SPDX-License-Identifier: AGPL-3.0-or-later
"""The background analysis of an uploaded night file (``nervepath db_worker`` runs it)."""

from __future__ import annotations

from django_tasks import task


@task()
def analyze_recording(analysis_id: int) -> str:
    from nervepath.wearables.services import run_analysis

    return run_analysis(analysis_id)
