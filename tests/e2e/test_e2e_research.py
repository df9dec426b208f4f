# SPDX-License-Identifier: AGPL-3.0-or-later
"""The outcomes-research pages in Chromium, on a made-up clinic history: a researcher
signs in with two factors, counts and saves a decompression cohort (an invalid date
range refused first, nothing saved), sees who misses a follow-up by study code, runs the
analysis, watches its first figure load, downloads the de-identified CSV zip and the PDF
report, and each download is in the audit trail. The analysis, the PDF and the export
are made by a real task worker: the pages show each job until it is done, and the test
waits for that state, never for a fixed time. A clinician who types the address gets
the 404 page."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from nervepath.accounts.models import User
from nervepath.audit.models import Action, AuditEvent
from nervepath.research import cohorts
from nervepath.research.models import AnalysisRun, Cohort
from nervepath.research.synthetic import make_history
from nervepath.scheduling.models import Clinician

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-password-2026"  # published demo login (seed_demo)
ANALYSIS_TIMEOUT = 180_000  # a job's done state or a figure, on a busy 2-core machine
COHORT = "Operated, browser"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def history(clinic):
    return make_history(80, seed=5, today=timezone.localdate(), surgical_share=0.5, prefix="e2e")


@pytest.fixture
def worker(site: str, tmp_path: Path, task_worker):
    """A real task worker on the live server's database file (and the test's clock)."""
    with task_worker(tmp_path) as process:
        yield process


def _done(page: Page) -> None:
    """Wait for the job page (reloading itself) to show the done state."""
    expect(page.locator('section.job[data-status="done"]')).to_be_visible(timeout=ANALYSIS_TIMEOUT)


def _exports(researcher: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor_id=researcher.pk, action=Action.EXPORT))


def test_a_researcher_builds_a_cohort_analyses_it_and_downloads_it(
    page: Page,
    site: str,
    sign_in: Callable[[Page, str, str], None],
    history,
    researcher: User,
    tmp_path: Path,
    worker,
):
    expected = cohorts.select({"procedure": "decompression"})
    assert expected.patients > 20
    today = timezone.localdate()

    # 1. Signed in, a researcher lands on the Research page; the nav links to it.
    sign_in(page, researcher.email, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Outcomes research")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Research")).to_be_visible()
    expect(page.get_by_text("No cohort yet.")).to_be_visible()

    # 2. Count the patients of a new decompression cohort, any diabetes status.
    page.get_by_role("link", name="New cohort").click()
    expect(page.get_by_role("heading", name="New cohort")).to_be_visible()
    page.get_by_label("Name", exact=True).fill(COHORT)
    expect(page.get_by_label("Decompression surgery")).to_be_checked()
    page.get_by_label("Diabetes", exact=True).select_option(label="Any")
    page.get_by_role("button", name="Count matching patients").click()
    preview = page.locator("p.preview")
    expect(preview).to_contain_text(f"{expected.patients} patients")
    expect(preview).to_contain_text(f"{expected.legs} legs")
    expect(page.get_by_label("Name", exact=True)).to_have_value(COHORT)  # the form is kept
    assert Cohort.objects.count() == 0  # counting saves nothing

    # 3. The first month after the last month (months: the finest an index date is
    # filtered by): refused, with the error, nothing saved.
    page.get_by_label("Index from", exact=True).fill(f"{today:%Y-%m}")
    page.get_by_label("Index to", exact=True).fill(f"{today - timedelta(days=365):%Y-%m}")
    page.get_by_role("button", name="Save cohort").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "the first month is after the last month"
    )
    expect(page.get_by_role("heading", name="New cohort")).to_be_visible()
    assert Cohort.objects.count() == 0

    # 4. Fixed (the range put the right way round, wide enough for everyone): saved.
    page.get_by_label("Index from", exact=True).fill(f"{today - timedelta(days=20 * 365):%Y-%m}")
    page.get_by_label("Index to", exact=True).fill(f"{today + timedelta(days=365):%Y-%m}")
    page.get_by_role("button", name="Save cohort").click()
    expect(page.get_by_role("heading", name=COHORT)).to_be_visible()
    cohort = Cohort.objects.get()
    assert cohort.created_by_id == researcher.pk
    assert cohort.filters["procedure"] == "decompression" and cohort.filters["diabetes"] == ""
    assert page.url.rstrip("/").endswith(f"/research/cohorts/{cohort.pk}")
    count = page.locator("p.count")
    expect(count).to_contain_text(f"{expected.patients} patients")
    expect(count).to_contain_text(f"{expected.legs} legs")
    missing = sum(
        1 for states in expected.follow_ups.values() if any(s.state == "missing" for s in states)
    )
    assert missing > 0
    expect(page.get_by_role("heading", name="Missing follow-ups")).to_be_visible()
    codes = page.locator("table.list td code")
    expect(codes).to_have_count(missing)
    expect(codes.first).to_have_text(re.compile(r"^S-"))
    expect(page.locator("main")).not_to_contain_text("@example.invalid")  # nobody named

    # 5. Run the analysis: queued for the worker, its page shows it until the analysis
    # opens by itself; then the journal tables and the figures, the first one decoded.
    page.get_by_role("button", name="Run the analysis").click()
    expect(page.get_by_role("heading", name=f"Outcomes: {COHORT}")).to_be_visible(
        timeout=ANALYSIS_TIMEOUT
    )
    run = AnalysisRun.objects.get()
    assert run.cohort_id == cohort.pk and run.patients == expected.patients
    expect(page.get_by_role("heading", name="Patients at baseline")).to_be_visible()
    expect(page.get_by_role("table", name="Baseline characteristics")).to_be_visible()
    results = page.get_by_role("table", name="Paired comparison with baseline")
    expect(results).to_be_visible()
    expect(results).to_contain_text("IRLS total")
    figure = page.locator("img.research-figure").first
    figure.scroll_into_view_if_needed()  # the figures load lazily
    page.wait_for_function(
        "() => { const img = document.querySelector('img.research-figure');"
        " return img !== null && img.complete && img.naturalWidth > 0; }",
        timeout=ANALYSIS_TIMEOUT,
    )
    assert not _exports(researcher)  # figures shown on the page are not exports

    # 6. The PDF report: a job, done in the background, then its download link; then
    # (from the cohort page) the de-identified CSV zip the same way.
    page.locator(".downloads").get_by_role("button", name="PDF").click()
    expect(page.get_by_role("heading", name="Analysis report (PDF)")).to_be_visible()
    _done(page)
    with page.expect_download(timeout=ANALYSIS_TIMEOUT) as pdf_download:
        page.get_by_role("link", name=re.compile(r"^Download .*\.pdf$")).click()
    pdf_path = tmp_path / "report.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    assert pdf_path.read_bytes().startswith(b"%PDF")
    text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf_path))
    assert f"Outcomes: {COHORT}" in text and "Table 1. Baseline characteristics" in text

    page.get_by_role("link", name="cohort", exact=True).click()
    expect(page.get_by_role("heading", name=COHORT)).to_be_visible()
    page.get_by_role("button", name="De-identified CSV (zip)").click()
    expect(page.get_by_role("heading", name="De-identified CSV (zip)")).to_be_visible()
    _done(page)
    with page.expect_download(timeout=ANALYSIS_TIMEOUT) as csv_download:
        page.get_by_role("link", name=re.compile(r"^Download .*\.zip$")).click()
    zip_path = tmp_path / "cohort.zip"
    csv_download.value.save_as(zip_path)
    assert csv_download.value.suggested_filename == (
        f"nervepath-cohort-{cohort.pk}-deidentified.zip"
    )
    with zipfile.ZipFile(io.BytesIO(zip_path.read_bytes())) as archive:
        names = archive.namelist()
        assert "subjects.csv" in names and "data_dictionary.csv" in names
        subjects = archive.read("subjects.csv").decode().strip().splitlines()
    assert len(subjects) == expected.patients + 1  # a header and one row a patient
    assert "@example.invalid" not in "\n".join(subjects)

    # 7. The audit trail: two exports by the researcher, each naming the cohort.
    details = sorted(e.detail for e in _exports(researcher))
    assert len(details) == 2, details
    assert all(f"cohort {cohort.pk}" in d for d in details)
    assert any(d.startswith("report (pdf)") for d in details)
    assert any(
        d.startswith("de-identified CSV") and f"{expected.patients} patients" in d for d in details
    )


def test_a_clinician_who_types_the_research_address_gets_404(
    page: Page, site: str, sign_in: Callable[[Page, str, str], None], hale: Clinician
):
    sign_in(page, hale.user.email, DEMO_PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Calendar")).to_be_visible()
    expect(nav.get_by_role("link", name="Research")).to_have_count(0)

    response = page.goto(f"{site}/research/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Outcomes research")).to_have_count(0)
    expect(page.locator("body")).to_contain_text("We could not find that page")
    denied = AuditEvent.objects.filter(
        actor_id=hale.user.pk, action=Action.DENIED, detail="research page"
    )
    assert denied.count() == 1
