# SPDX-License-Identifier: AGPL-3.0-or-later
"""Research work off the request path.

A request that asks for an analysis, a report or an export checks who asks and how big
the cohort is (the research-access rule, ``NERVEPATH_RESEARCH_MIN_CELL``), then only
writes a ``ResearchJob`` row and queues ``run_research_job``: the worker does the work,
moving the row through queued → running (with a progress figure) → done or failed (with
a sentence saying why). A done job's file can be downloaded by the researcher who asked
until ``NERVEPATH_RESEARCH_DOWNLOAD_HOURS`` after it was made; then it is deleted. Each
download is one audit event, written by the download view.

The file is kept in file storage (``research/files.py``), not in the row. While a job runs,
a thread beats ``heartbeat_at``; a running job that stops beating for
``NERVEPATH_RESEARCH_JOB_LEASE_SECONDS`` lost its worker (it was killed or the machine
restarted) and :func:`recover_stale` marks it failed with a sentence, so its page stops
saying "running". :func:`housekeeping`, a task the worker runs every
:data:`HOUSEKEEPING_EVERY` while research jobs exist, does that and deletes expired files;
the job and download pages do both too, for whoever looks first.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from nervepath.accounts.models import User
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.research import cohorts, dataset, deidentify, disclosure, fhir_export, report
from nervepath.research.files import delete_job_file, save_job_file
from nervepath.research.models import AnalysisRun, Cohort, JobKind, JobStatus, ResearchJob

log = logging.getLogger(__name__)

ZIP = "application/zip"


def download_hours() -> int:
    return int(settings.NERVEPATH["RESEARCH_DOWNLOAD_HOURS"])


def lease() -> timedelta:
    return timedelta(seconds=int(settings.NERVEPATH["RESEARCH_JOB_LEASE_SECONDS"]))


#: How often the worker's housekeeping runs while research jobs exist.
HOUSEKEEPING_EVERY = timedelta(minutes=10)

LOST_WORKER = (
    "The worker stopped while making this (the server may have been restarted), so "
    "nothing was made. Start it again."
)


def start(kind: str, cohort: Cohort, by: User, run: AnalysisRun | None = None) -> ResearchJob:
    """Write the job row and queue it. The database queue is written in the same
    transaction as the row, so the worker never sees a task without its job."""
    from nervepath.research.tasks import run_research_job

    purge_expired()
    with transaction.atomic():
        job = ResearchJob.objects.create(
            kind=kind, cohort=cohort, run=run, requested_by=by, created_at=timezone.now()
        )
        result = run_research_job.enqueue(job.pk)
        ResearchJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id))
        schedule_housekeeping()
    return job


def schedule_housekeeping() -> bool:
    """Queue the next housekeeping run unless one is already queued; returns whether."""
    from nervepath.research.tasks import research_housekeeping
    from nervepath.taskqueue import enqueue_once

    if not research_housekeeping.get_backend().supports_defer:
        return False  # a backend without a queue for later (the pages still clean up)
    return enqueue_once(research_housekeeping, timezone.now() + HOUSEKEEPING_EVERY)


def housekeeping() -> tuple[int, int]:
    """What the worker does every :data:`HOUSEKEEPING_EVERY`: fail the jobs that lost
    their worker and delete expired files. Returns (failed, deleted); queues itself again
    while any job is still running or holds a file."""
    try:
        return recover_stale(), purge_expired()
    finally:  # a failure now must not end the chain of runs
        waiting = (
            ResearchJob.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
            | ResearchJob.objects.exclude(storage_name="")
            | ResearchJob.objects.filter(data__isnull=False)
        )
        if waiting.exists():
            schedule_housekeeping()


def purge_expired() -> int:
    """Delete the files of jobs past their download time; returns how many."""
    now = timezone.now()
    expired_jobs = ResearchJob.objects.filter(expires_at__lte=now).exclude(
        storage_name="", data__isnull=True
    )
    count = 0
    for pk, name in list(expired_jobs.values_list("pk", "storage_name")):
        delete_job_file(name)
        count += ResearchJob.objects.filter(pk=pk).update(storage_name="", data=None)
    return count


def _mark_task_dead(task_id: str) -> None:
    """The task row of a worker that died stays RUNNING in django-tasks-db; close it."""
    if not task_id or "DatabaseBackend" not in settings.TASKS["default"]["BACKEND"]:
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now()
    )


def recover_stale() -> int:
    """Mark failed, with a sentence, every running job whose worker stopped beating for a
    lease; returns how many."""
    cutoff = timezone.now() - lease()
    count = 0
    for pk in list(
        ResearchJob.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    ):
        with transaction.atomic():
            job = ResearchJob.objects.select_for_update().get(pk=pk)
            if job.status != JobStatus.RUNNING or job.heartbeat_at is None:
                continue
            if job.heartbeat_at >= cutoff:
                continue
            log.warning("Research job %s lost its worker; marked failed", pk)
            _mark_task_dead(job.task_id)
            job.status, job.error, job.finished_at = JobStatus.FAILED, LOST_WORKER, timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            count += 1
    return count


class _Heartbeat(threading.Thread):
    """Renews a running job's heartbeat until stopped."""

    def __init__(self, job_id: int) -> None:
        super().__init__(daemon=True, name=f"research-heartbeat-{job_id}")
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        every = max(0.5, lease().total_seconds() / 4)
        try:
            while not self.stopped.wait(every):
                ResearchJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        finally:
            close_old_connections()


#: How soon a running job's page reloads itself, by the job's age: most jobs take a few
#: seconds, so the page looks every second at first, then less often for long ones.
REFRESH_SECONDS = ((15, 1), (60, 2))
REFRESH_LATER_SECONDS = 5


def refresh_seconds(job: ResearchJob) -> int:
    """Seconds until a job's page, while the job is queued or running, reloads itself."""
    age = (timezone.now() - job.created_at).total_seconds()
    for younger_than, every in REFRESH_SECONDS:
        if age < younger_than:
            return every
    return REFRESH_LATER_SECONDS


def expired(job: ResearchJob) -> bool:
    return job.expires_at is not None and job.expires_at <= timezone.now()


class Refused(Exception):
    """A job that must not produce anything; the message is shown to the researcher."""


def _progress(job: ResearchJob, percent: int) -> None:
    job.progress = percent
    ResearchJob.objects.filter(pk=job.pk).update(progress=percent)


def _selection(job: ResearchJob) -> cohorts.Selection:
    try:
        selection = cohorts.select(job.cohort.filters)
    except cohorts.FilterError as exc:
        raise Refused(f"This cohort's filters can no longer be read: {exc}") from exc
    if not disclosure.enough(selection.patients):
        # The cohort shrank since the job was asked for: the rule holds here too.
        raise Refused(disclosure.refusal())
    return selection


def _analysis(job: ResearchJob) -> None:
    selection = _selection(job)
    job.patients = selection.patients
    _progress(job, 20)
    snapshot_at = timezone.now()
    data = dataset.build(job.cohort.name, selection, snapshot_at)
    _progress(job, 50)
    from nervepath.science.outcomes.analysis import analyse

    result = analyse(data).as_dict()
    _progress(job, 90)
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            cohort=job.cohort,
            definition=data.definition,
            snapshot_at=snapshot_at,
            code_version=data.code_version,
            patients=selection.patients,
            legs=selection.legs,
            result=result,
            created_by=job.requested_by,
        )
        audit.record(
            None,
            Action.CREATE,
            actor=job.requested_by,
            obj=run,
            detail=f"analysis of cohort {job.cohort_id}: {selection.patients} patients",
        )
        job.run = run


def _report(job: ResearchJob, fmt: str) -> tuple[bytes, str, str]:
    run = job.run
    if run is None:
        raise Refused("The analysis this report was made of has been deleted.")
    if not disclosure.enough(run.patients):
        raise Refused(disclosure.refusal())
    job.patients = run.patients
    _progress(job, 10)
    data, content_type = report.document(run, fmt)
    stamp = run.snapshot_at.strftime("%Y%m%d-%H%M")
    return data, content_type, f"nervepath-analysis-{run.cohort_id}-{stamp}.{fmt}"


def _deidentified(job: ResearchJob) -> tuple[bytes, str, str]:
    selection = _selection(job)
    job.patients = selection.patients
    _progress(job, 20)
    data = deidentify.deidentified_zip(
        selection,
        definition_lines=cohorts.describe(job.cohort.filters, exact_dates=False),
        snapshot_at=timezone.now(),
        code_version=dataset.code_version(),
    )
    return data, ZIP, f"nervepath-cohort-{job.cohort_id}-deidentified.zip"


def _fhir(job: ResearchJob) -> tuple[bytes, str, str]:
    selection = _selection(job)
    job.patients = selection.patients
    _progress(job, 20)
    data = fhir_export.fhir_bulk_zip(selection, snapshot_at=timezone.now())
    return data, ZIP, f"nervepath-cohort-{job.cohort_id}-fhir.zip"


FILES: dict[str, Callable[[ResearchJob], tuple[bytes, str, str]]] = {
    JobKind.REPORT_PDF: lambda job: _report(job, "pdf"),
    JobKind.REPORT_DOCX: lambda job: _report(job, "docx"),
    JobKind.DEIDENTIFIED: _deidentified,
    JobKind.FHIR: _fhir,
}


def run(job_id: int) -> str:
    """Do one job (the task worker calls this); returns its final status."""
    with transaction.atomic():
        job = (
            ResearchJob.objects.select_for_update(of=("self",))
            .select_related("cohort", "run", "requested_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status != JobStatus.QUEUED:
            return "skipped"
        job.status, job.progress = JobStatus.RUNNING, 5
        job.started_at = job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "started_at", "heartbeat_at", "progress"])
    heartbeat = _Heartbeat(job.pk)
    heartbeat.start()
    try:
        if job.kind == JobKind.ANALYSIS:
            _analysis(job)
        else:
            data, job.content_type, job.file_name = FILES[job.kind](job)
            job.storage_name = save_job_file(job.public_id, io.BytesIO(data))
            job.size = len(data)
    except Refused as exc:
        job.status, job.error = JobStatus.FAILED, str(exc)[:500]
    except Exception:
        log.exception("Research job %s failed", job_id)
        job.status = JobStatus.FAILED
        job.error = (
            "The worker could not finish this job because of an error in nervepath; it is "
            "in the server log. Start it again, and tell the administrator if it fails again."
        )
    else:
        job.status, job.progress = JobStatus.DONE, 100
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
    job.finished_at = timezone.now()
    if job.storage_name:
        job.expires_at = job.finished_at + timedelta(hours=download_hours())
    job.save()
    return str(job.status)
