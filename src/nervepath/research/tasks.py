# SPDX-License-Identifier: AGPL-3.0-or-later
"""The research work the task worker does (``nervepath db_worker`` runs it): analyses,
PDF and Word reports, de-identified and FHIR exports (research/jobs.py)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_research_job(job_id: int) -> str:
    from nervepath.research.jobs import run

    return run(job_id)
