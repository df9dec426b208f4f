# SPDX-License-Identifier: AGPL-3.0-or-later
"""Research jobs: the request only queues, the worker does the work with a status and a
progress figure; only the researcher who asked sees the job; the file expires; a cohort
that shrank below the minimum while queued fails with a sentence and makes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helpers import login
from nervepath.accounts.models import Role, User
from nervepath.audit.models import Action, AuditEvent
from nervepath.research import cohorts
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
    assert 'data-status="queued"' in page and '<meta http-equiv="refresh" content="2">' in page
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
