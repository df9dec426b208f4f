# SPDX-License-Identifier: AGPL-3.0-or-later
"""Research jobs: the request only queues, the worker does the work with a status and a
progress figure; only the researcher who asked sees the job; the file expires; a cohort
that shrank below the minimum while queued fails with a sentence and makes nothing."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from helpers import login
from nervepath.accounts.models import Role, User
from nervepath.audit.models import Action, AuditEvent
from nervepath.research import cohorts, jobs, tasks
from nervepath.research.models import Cohort, JobStatus, ResearchJob

from .conftest import Records, job_of, unzip, work


def _researcher(email: str) -> User:
    return User.objects.create_user(
        email, "x" * 16, role=Role.RESEARCHER, first_name="R", last_name="S"
    )


@pytest.fixture
def small_cells(settings):
    """The two patients of ``records`` are enough here."""
    settings.NERVEPATH = {**settings.NERVEPATH, "RESEARCH_MIN_CELL": 1}


@pytest.fixture
def researcher(clinic) -> User:
    return _researcher("researcher@example.org")


@pytest.fixture
def cohort(records: Records, researcher: User) -> Cohort:
    return Cohort.objects.create(
        name="Both", filters=cohorts.clean_filters({}), created_by=researcher
    )


def test_an_export_is_queued_then_made_then_downloaded_once_per_click(
    small_cells, cohort, researcher
):
    client = login(Client(), researcher)
    job = job_of(client.post(reverse("research:export_csv", args=[cohort.pk])))
    assert (job.status, job.progress, job.requested_by) == (JobStatus.QUEUED, 0, researcher)
    assert job.task_id  # on the database queue
    page = client.get(reverse("research:job", args=[job.public_id])).content.decode()
    assert 'data-status="queued"' in page and '<meta http-equiv="refresh" content="1">' in page
    assert "<script" not in page.split("<main")[-1]  # no inline script (CSP)
    link = reverse("research:job_download", args=[job.public_id])
    early = client.get(link)  # not made yet: back to its page, nothing taken
    assert early.status_code == 302 and early["Location"].endswith(f"{job.public_id}/")

    work()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.progress == 100 and job.patients == 2
    assert job.expires_at == job.finished_at + timedelta(hours=24)
    page = client.get(reverse("research:job", args=[job.public_id])).content.decode()
    assert 'data-status="done"' in page and "refresh" not in page and link in page

    for _ in range(2):
        response = client.get(link)
        assert response["Content-Disposition"] == (
            f'attachment; filename="nervepath-cohort-{cohort.pk}-deidentified.zip"'
        )
        assert "subjects.csv" in unzip(response.content)
    exports = AuditEvent.objects.filter(actor_id=researcher.pk, action=Action.EXPORT)
    assert exports.count() == 2  # one event for each download
    assert {e.detail for e in exports} == {f"de-identified CSV of cohort {cohort.pk}: 2 patients"}


def test_an_expired_download_says_so_and_its_file_is_deleted(
    small_cells, cohort, researcher, settings
):
    settings.NERVEPATH = {**settings.NERVEPATH, "RESEARCH_DOWNLOAD_HOURS": 2}
    client = login(Client(), researcher)
    job = job_of(client.post(reverse("research:export_fhir", args=[cohort.pk])))
    work()
    job.refresh_from_db()
    assert job.expires_at == job.finished_at + timedelta(hours=2)
    ResearchJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(reverse("research:job_download", args=[job.public_id]))
    assert response.status_code == 410
    text = response.content.decode()
    assert "This download expired" in text and "Start it again" in text
    assert ResearchJob.objects.get(pk=job.pk).data is None  # the file is gone
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_another_researcher_gets_404_for_a_job(small_cells, cohort, researcher):
    job = job_of(login(Client(), researcher).post(reverse("research:run", args=[cohort.pk])))
    other = login(Client(), _researcher("other@example.org"))
    for name in ("research:job", "research:job_download"):
        assert other.get(reverse(name, args=[job.public_id])).status_code == 404


def test_a_cohort_that_shrank_while_queued_fails_with_a_sentence(cohort, researcher, settings):
    settings.NERVEPATH = {**settings.NERVEPATH, "RESEARCH_MIN_CELL": 1}
    client = login(Client(), researcher)
    job = job_of(client.post(reverse("research:run", args=[cohort.pk])))
    settings.NERVEPATH = {**settings.NERVEPATH, "RESEARCH_MIN_CELL": 11}
    work()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.run is None
    assert "fewer than 11 patients" in job.error
    page = client.get(reverse("research:job", args=[job.public_id])).content.decode()
    assert 'data-status="failed"' in page and "fewer than 11 patients" in page


def test_an_analysis_job_opens_its_analysis_when_done(small_cells, cohort, researcher):
    client = login(Client(), researcher)
    job = job_of(client.post(reverse("research:run", args=[cohort.pk])))
    cohort_page = client.get(reverse("research:cohort", args=[cohort.pk])).content.decode()
    assert reverse("research:job", args=[job.public_id]) in cohort_page  # listed, queued
    work()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.run is not None
    response = client.get(reverse("research:job", args=[job.public_id]))
    assert response["Location"] == reverse("research:analysis", args=[job.run.public_id])
    created = AuditEvent.objects.get(action=Action.CREATE, object_id=str(job.run.pk))
    assert created.actor_id == researcher.pk and f"cohort {cohort.pk}" in created.detail


def test_a_finished_file_is_kept_in_file_storage_not_in_the_row(small_cells, cohort, researcher):
    client = login(Client(), researcher)
    job = job_of(client.post(reverse("research:export_csv", args=[cohort.pk])))
    work()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.data is None
    assert job.storage_name.startswith(f"research/jobs/{job.public_id}/")
    assert default_storage.exists(job.storage_name)
    response = client.get(reverse("research:job_download", args=[job.public_id]))
    assert response.content == default_storage.open(job.storage_name).read()
    assert "subjects.csv" in unzip(response.content) and job.size == len(response.content)


def test_a_file_kept_in_the_row_before_the_move_still_downloads_and_migrates(
    small_cells, cohort, researcher
):
    client = login(Client(), researcher)
    job = job_of(client.post(reverse("research:export_csv", args=[cohort.pk])))
    work()
    job.refresh_from_db()
    made = default_storage.open(job.storage_name).read()
    default_storage.delete(job.storage_name)
    # As a row made before files went to storage: the bytes in the row.
    ResearchJob.objects.filter(pk=job.pk).update(storage_name="", data=made)
    link = reverse("research:job_download", args=[job.public_id])
    assert client.get(link).content == made
    migration = importlib.import_module(
        "nervepath.research.migrations.0004_job_files_in_storage_and_heartbeat"
    )
    migration.move_files_to_storage(django_apps, None)
    moved = ResearchJob.objects.get(pk=job.pk)
    assert moved.data is None and default_storage.open(moved.storage_name).read() == made
    assert client.get(link).content == made


def test_a_job_whose_worker_died_is_failed_with_a_sentence(small_cells, cohort, researcher):
    client = login(Client(), researcher)
    job = job_of(client.post(reverse("research:export_fhir", args=[cohort.pk])))
    started = timezone.now() - jobs.lease() - timedelta(seconds=1)
    # The worker took it, then died: the row says running and nothing renews it.
    ResearchJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=started, heartbeat_at=started
    )
    alive = job_of(client.post(reverse("research:export_csv", args=[cohort.pk])))
    ResearchJob.objects.filter(pk=alive.pk).update(
        status=JobStatus.RUNNING, started_at=started, heartbeat_at=timezone.now()
    )
    page = client.get(reverse("research:job", args=[job.public_id])).content.decode()
    assert 'data-status="failed"' in page and "The worker stopped while making this" in page
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert ResearchJob.objects.get(pk=alive.pk).status == JobStatus.RUNNING  # still beating
    assert jobs.recover_stale() == 0  # once only


def test_the_worker_housekeeping_deletes_expired_files_and_queues_itself_again(
    small_cells, cohort, researcher
):
    client = login(Client(), researcher)
    old = job_of(client.post(reverse("research:export_csv", args=[cohort.pk])))
    queued = DBTaskResult.objects.filter(task_path__endswith="research_housekeeping")
    assert queued.filter(status="READY").count() == 1  # started with the first job
    new = job_of(client.post(reverse("research:export_fhir", args=[cohort.pk])))
    assert queued.filter(status="READY").count() == 1  # not twice
    work()  # the exports; the housekeeping is due later
    old.refresh_from_db()
    new.refresh_from_db()
    assert default_storage.exists(old.storage_name) and default_storage.exists(new.storage_name)
    past = timezone.now() - timedelta(minutes=1)
    ResearchJob.objects.filter(pk=old.pk).update(expires_at=past)
    queued.delete()
    assert tasks.research_housekeeping.call() == "0 failed, 1 files deleted"
    assert not default_storage.exists(old.storage_name)
    assert ResearchJob.objects.get(pk=old.pk).storage_name == ""
    assert default_storage.exists(new.storage_name)  # not expired: kept
    # A file is still waiting for its download time: the next run is queued.
    again = queued.get(status="READY")
    assert again.run_after > timezone.now() + jobs.HOUSEKEEPING_EVERY - timedelta(minutes=1)
    again.delete()
    ResearchJob.objects.filter(pk=new.pk).update(expires_at=past)
    assert tasks.research_housekeeping.call() == "0 failed, 1 files deleted"
    assert not queued.exists()  # nothing left to watch: the next job starts it again


def test_a_running_jobs_page_reloads_every_second_at_first_then_less_often(
    small_cells, cohort, researcher
):
    client = login(Client(), researcher)
    job = job_of(client.post(reverse("research:export_csv", args=[cohort.pk])))
    url = reverse("research:job", args=[job.public_id])
    # Ages well inside each step (the clock ticks while the test runs).
    for age, every in [(0, 1), (10, 1), (20, 2), (50, 2), (70, 5), (3600, 5)]:
        asked = timezone.now() - timedelta(seconds=age)
        ResearchJob.objects.filter(pk=job.pk).update(created_at=asked)
        page = client.get(url).content.decode()
        assert f'<meta http-equiv="refresh" content="{every}">' in page, age
