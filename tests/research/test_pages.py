# SPDX-License-Identifier: AGPL-3.0-or-later
"""The research pages end to end on a made-up clinic history: build a cohort, run the
analysis, read its tables and figures, download the documents and exports; who may not
see any of it; bad filters refused with nothing saved."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from scipy import stats

from helpers import login
from nervepath.accounts.models import Role, User
from nervepath.audit.models import Action, AuditEvent
from nervepath.research import cohorts
from nervepath.research.models import AnalysisRun, Cohort, JobStatus, ResearchGrant
from nervepath.research.synthetic import make_history

from .conftest import job_of, work

# JSON lookups and date arithmetic differ between databases: run on PostgreSQL as well.
pytestmark = pytest.mark.postgres

FILTERS = {"name": "Operated", "description": "", "procedure": "decompression"}


@pytest.fixture
def history(clinic):
    return make_history(90, seed=5, today=timezone.localdate(), surgical_share=0.5, prefix="pages")


def _user(role: str, email: str) -> User:
    return User.objects.create_user(email, "x" * 16, role=role, first_name="R", last_name=role)


@pytest.fixture
def researcher(clinic) -> User:
    return _user(Role.RESEARCHER, "researcher@example.org")


@pytest.fixture
def research_client(researcher) -> Client:
    return login(Client(), researcher)


def _save(client: Client, **extra: object) -> Cohort:
    response = client.post(reverse("research:cohort_new"), {**FILTERS, "save": "1", **extra})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Cohort.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def _exports(researcher: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor_id=researcher.pk, action=Action.EXPORT))


def test_a_researcher_builds_a_cohort_runs_the_analysis_and_downloads_it(
    history, researcher, research_client
):
    client = research_client
    expected = cohorts.select({"procedure": "decompression"})
    assert expected.patients > 20

    # The count before saving, and nothing saved by counting.
    preview = client.post(reverse("research:cohort_new"), {**FILTERS, "preview": "1"})
    assert f"{expected.patients} patients" in preview.content.decode()
    assert not Cohort.objects.exists()

    cohort = _save(client)
    page = client.get(reverse("research:cohort", args=[cohort.pk])).content.decode()
    assert f"{expected.patients} patients" in page
    assert f"{expected.legs} legs" in page
    missing = sum(
        1 for states in expected.follow_ups.values() if any(s.state == "missing" for s in states)
    )
    assert page.count("<code>S-") == missing > 0  # who misses a follow-up, by study code
    for member in expected.members[:5]:
        patient = member.patient_id
        assert f"pages.{patient}" not in page

    response = client.post(reverse("research:run", args=[cohort.pk]))
    job = job_of(response)  # queued: the request only checked and wrote the job
    assert response["Location"] == reverse("research:job", args=[job.public_id])
    assert job.status == JobStatus.QUEUED and not AnalysisRun.objects.exists()
    waiting = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in waiting and 'data-status="queued"' in waiting
    work()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.progress == 100
    run = AnalysisRun.objects.get()
    assert job.run == run and run.created_by == researcher
    done = client.get(reverse("research:job", args=[job.public_id]))
    assert done["Location"] == reverse("research:analysis", args=[run.public_id])
    assert run.patients == expected.patients and run.legs == expected.legs
    assert run.definition["filters"] == cohort.filters
    assert run.code_version.startswith("nervepath ")
    assert run.result["snapshot_at"] == run.snapshot_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    html = client.get(reverse("research:analysis", args=[run.public_id])).content.decode()
    for text in ("Baseline characteristics", "Paired comparison with baseline",
                 "Repeated-measures estimates", "Responders by definition", "IRLS total",
                 "Amplitude change after release", "Missing follow-ups:"):  # fmt: skip
        assert text in html, text
    assert "paired-irls_total" in html

    svg = client.get(reverse("research:figure", args=[run.public_id, "paired-irls_total", "svg"]))
    assert svg["Content-Type"] == "image/svg+xml"
    ElementTree.fromstring(svg.content)  # well-formed
    assert not _exports(researcher)  # showing a figure on the page is not an export

    png = client.get(
        reverse("research:figure", args=[run.public_id, "recurrence", "png"]) + "?download=1"
    )
    assert png.content.startswith(b"\x89PNG") and "attachment" in png["Content-Disposition"]
    missing_figure = client.get(reverse("research:figure", args=[run.public_id, "nope", "svg"]))
    assert missing_figure.status_code == 404

    pdf_job = job_of(client.post(reverse("research:report", args=[run.public_id, "pdf"])))
    docx_job = job_of(client.post(reverse("research:report", args=[run.public_id, "docx"])))
    assert client.post(reverse("research:report", args=[run.public_id, "exe"])).status_code == 404
    assert client.get(reverse("research:report", args=[run.public_id, "pdf"])).status_code == 405
    csv_job = job_of(client.post(reverse("research:export_csv", args=[cohort.pk])))
    fhir_job = job_of(client.post(reverse("research:export_fhir", args=[cohort.pk])))
    (png_event,) = _exports(researcher)  # the PNG only: nothing made is taken yet
    work()

    def download(job) -> bytes:
        page = client.get(reverse("research:job", args=[job.public_id])).content.decode()
        link = reverse("research:job_download", args=[job.public_id])
        assert 'data-status="done"' in page and link in page and "refresh" not in page
        response = client.get(link)
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
        return response.content

    assert download(pdf_job).startswith(b"%PDF")
    with zipfile.ZipFile(io.BytesIO(download(docx_job))) as archive:
        body = archive.read("word/document.xml").decode()
    assert "Baseline characteristics" in body and "IRLS total" in body
    with zipfile.ZipFile(io.BytesIO(download(csv_job))) as archive:
        subjects = archive.read("subjects.csv").decode().strip().splitlines()
    assert len(subjects) == expected.patients + 1
    with zipfile.ZipFile(io.BytesIO(download(fhir_job))) as archive:
        assert "Patient.ndjson" in archive.namelist()

    details = sorted(e.detail for e in _exports(researcher) if e != png_event)
    assert len(details) == 4  # PDF, Word, CSV, FHIR: one event each; each says which cohort
    assert all(f"cohort {cohort.pk}" in d for d in details)
    assert any(d.startswith("de-identified CSV") and str(expected.patients) in d for d in details)
    assert any(d.startswith("report (pdf)") for d in details)
    assert client.get(reverse("research:export_csv", args=[cohort.pk])).status_code == 405


def _run(client: Client, cohort: Cohort) -> None:
    job_of(client.post(reverse("research:run", args=[cohort.pk])))
    work()


def test_the_stored_statistics_match_scipy_on_the_same_pairs(history, research_client):
    cohort = _save(research_client)
    _run(research_client, cohort)
    result = AnalysisRun.objects.get().result
    checked = 0
    for measure, by_follow_up in result["paired"].items():
        for follow_up, paired in by_follow_up.items():
            pairs = result["pairs"][measure][follow_up]
            if paired["test"] is None:
                continue
            before = np.array([p[1] for p in pairs])
            after = np.array([p[2] for p in pairs])
            assert paired["n"] == len(pairs)
            if paired["test"] == "paired t-test":
                expected = stats.ttest_rel(after, before)
            else:
                expected = stats.wilcoxon(after - before)
            assert paired["p_value"] == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
            assert paired["mean_change"] == pytest.approx(float(np.mean(after - before)))
            checked += 1
    assert checked >= 8


def test_a_run_stored_before_the_schema_version_still_shows_its_figures(history, research_client):
    cohort = _save(research_client)
    _run(research_client, cohort)
    run = AnalysisRun.objects.get()
    assert run.result["schema_version"] == 2  # what a run stores today
    old = {k: v for k, v in run.result.items() if k != "schema_version"}
    AnalysisRun.objects.filter(pk=run.pk).update(result=old)  # as stored before the key
    page = research_client.get(reverse("research:analysis", args=[run.public_id]))
    assert page.status_code == 200
    figure_url = reverse("research:figure", args=[run.public_id, "paired-irls_total", "svg"])
    assert figure_url in page.content.decode()
    assert "Time to symptom return after a response" in page.content.decode()
    svg = research_client.get(figure_url)
    assert svg.status_code == 200 and b"<svg" in svg.content
    recurrence = research_client.get(
        reverse("research:figure", args=[run.public_id, "recurrence", "png"])
    )
    assert recurrence.status_code == 200 and recurrence.content.startswith(b"\x89PNG")


def test_a_run_saved_by_a_newer_version_gets_a_sentence_not_a_server_error(
    history, research_client
):
    cohort = _save(research_client)
    _run(research_client, cohort)
    run = AnalysisRun.objects.get()
    newer = {**run.result, "schema_version": run.result["schema_version"] + 1}
    AnalysisRun.objects.filter(pk=run.pk).update(result=newer)
    for url in (
        reverse("research:analysis", args=[run.public_id]),
        reverse("research:figure", args=[run.public_id, "paired-irls_total", "svg"]),
    ):
        page = research_client.get(url)
        assert page.status_code == 409, url
        assert "saved by a newer version of nervepath" in page.content.decode()
    assert AnalysisRun.objects.get(pk=run.pk).result == newer


def test_an_analysis_is_reproducible_from_its_definition(history, research_client):
    cohort = _save(research_client)
    _run(research_client, cohort)
    _run(research_client, cohort)
    first, second = AnalysisRun.objects.order_by("created_at")
    assert first.result["results_table"] == second.result["results_table"]
    assert first.result["table1"] == second.result["table1"]


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"index_from": "2026-05-01", "index_to": "2026-01-01"}, "index_from"),
        ({"procedure": "block", "tunnels": ["tibial"]}, "tunnels"),
        ({"procedure": "surgery"}, "procedure"),
        ({"age_bands": ["100_plus"]}, "age_bands"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_filters_are_refused_and_nothing_is_saved(research_client, extra, field):
    response = research_client.post(
        reverse("research:cohort_new"), {**FILTERS, "save": "1", **extra}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert 'role="alert"' in response.content.decode()
    assert not Cohort.objects.exists()


def test_a_cohort_whose_stored_filters_no_longer_read_says_so(researcher, research_client):
    cohort = Cohort.objects.create(
        name="Old", filters={"procedure": "laser"}, created_by=researcher
    )
    page = research_client.get(reverse("research:cohort", args=[cohort.pk]))
    assert page.status_code == 200
    assert "can no longer be read" in page.content.decode()


def test_editing_a_cohort_keeps_its_earlier_analyses_as_they_were(history, research_client):
    cohort = _save(research_client)
    _run(research_client, cohort)
    run = AnalysisRun.objects.get()
    response = research_client.post(
        reverse("research:cohort_edit", args=[cohort.pk]),
        {**FILTERS, "save": "1", "diabetes": "yes"},
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.filters["diabetes"] == "yes"
    run.refresh_from_db()
    assert run.definition["filters"]["diabetes"] == ""


@pytest.mark.parametrize("role", [Role.PATIENT, Role.FRONT_DESK, Role.CLINICIAN])
def test_only_researchers_and_granted_admins_see_research_pages(history, researcher, role):
    cohort = Cohort.objects.create(
        name="Operated", filters=cohorts.clean_filters({}), created_by=researcher
    )
    outsider = login(Client(), _user(role, f"{role}@example.org"))
    urls = [
        reverse("research:home"),
        reverse("research:cohort", args=[cohort.pk]),
        reverse("research:cohort_new"),
    ]
    for url in urls:
        assert outsider.get(url).status_code == 404
    assert outsider.post(reverse("research:export_csv", args=[cohort.pk])).status_code == 404
    denied = AuditEvent.objects.filter(action=Action.DENIED, detail="research page")
    assert denied.count() == len(urls) + 1
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()

    anonymous = Client().get(reverse("research:home"))
    assert anonymous.status_code == 302 and "/accounts/" in anonymous["Location"]

    # Administrators see identities: research only with another administrator's grant.
    admin_user = _user(Role.ADMIN, "admin@example.org")
    admin = login(Client(), admin_user)
    assert admin.get(reverse("research:cohort", args=[cohort.pk])).status_code == 404
    ResearchGrant.objects.create(
        user=admin_user, granted_by=_user(Role.ADMIN, "other@example.org"), reason="Outcomes paper"
    )
    assert admin.get(reverse("research:cohort", args=[cohort.pk])).status_code == 200
