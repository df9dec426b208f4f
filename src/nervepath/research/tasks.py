# SPDX-License-Identifier: AGPL-3.0-or-later
"""The research work the task worker does (``nervepath db_worker`` runs it): analyses,
PDF and Word reports, de-identified and FHIR exports (research/jobs.py)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_research_job(job_id: int) -> str:
    from nervepath.research.jobs import run

    return run(job_id)


@task()
def research_housekeeping() -> str:
    """Every few minutes while research jobs exist: fail the jobs that lost their
    worker, delete expired files (research/jobs.py)."""
    from nervepath.research.jobs import housekeeping

    failed, deleted = housekeeping()
    return f"{failed} failed, {deleted} files deleted"
