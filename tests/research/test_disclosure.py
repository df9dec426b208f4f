# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 22, finding 3: narrow cohorts cannot undo de-identification.

- every research output of a cohort under NERVEPATH_RESEARCH_MIN_CELL is refused;
- counts of 1 to MIN-1 in tables and figures read "<MIN";
- index dates are filtered by month at the finest;
- administrators (who see names) reach research only by another administrator's grant.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from helpers import login
from nervepath.accounts.models import Role, User
from nervepath.audit.models import Action, AuditEvent
from nervepath.research import cohorts, dataset, disclosure, figures, report
from nervepath.research import urls as research_urls
from nervepath.research.forms import CohortForm
from nervepath.research.models import (
    AnalysisRun,
    Cohort,
    JobKind,
    JobStatus,
    ResearchGrant,
    ResearchJob,
    StudyCode,
)
from nervepath.science.outcomes import plots
from nervepath.science.outcomes.analysis import analyse
from nervepath.science.outcomes.result import AnalysisResult

from .conftest import Records


def _user(role: str, email: str) -> User:
    return User.objects.create_user(
        email, "x" * 16, role=role, first_name="R", last_name=role, is_superuser=role == Role.ADMIN
    )


@pytest.fixture
def researcher(clinic) -> User:
    return _user(Role.RESEARCHER, "researcher@example.org")


def _old_run(cohort: Cohort, researcher: User) -> AnalysisRun:
    """An analysis stored before the minimum existed (as a clinic upgrading has)."""
    selection = cohorts.select(cohort.filters)
    now = timezone.now()
    data = dataset.build(cohort.name, selection, now)
    return AnalysisRun.objects.create(
        cohort=cohort,
        definition=data.definition,
        snapshot_at=now,
        code_version=data.code_version,
        patients=selection.patients,
        legs=selection.legs,
        result=analyse(data).as_dict(),
        created_by=researcher,
    )


def test_every_research_output_of_a_cohort_under_the_minimum_is_refused(
    records: Records, researcher
):
    cohort = Cohort.objects.create(
        name="Two patients", filters=cohorts.clean_filters({}), created_by=researcher
    )
    selection = cohorts.select(cohort.filters)
    assert 0 < selection.patients < disclosure.min_cell() == 11
    run = _old_run(cohort, researcher)
    client = login(Client(), researcher)
    message = "fewer than 11 patients, so nervepath produces no analysis"
    covered: set[str] = set()

    def refused(name: str, response) -> None:
        covered.add(name)
        assert response.status_code == 403, name
        assert response["Content-Type"].startswith("text/html"), name
        assert message in response.content.decode(), name

    # Outputs that produce something: each refused, nothing made.
    refused("run", client.post(reverse("research:run", args=[cohort.pk])))
    assert AnalysisRun.objects.count() == 1
    refused("export_csv", client.post(reverse("research:export_csv", args=[cohort.pk])))
    refused("export_fhir", client.post(reverse("research:export_fhir", args=[cohort.pk])))
    refused("analysis", client.get(reverse("research:analysis", args=[run.public_id])))
    names = [f["name"] for f in figures.available(run.result)]
    assert names  # the run has figures to refuse
    for name in names:
        for fmt in ("svg", "png"):
            url = reverse("research:figure", args=[run.public_id, name, fmt])
            refused("figure", client.get(url))
            refused("figure", client.get(url + "?download=1"))
    for fmt in ("pdf", "docx"):
        refused("report", client.post(reverse("research:report", args=[run.public_id, fmt])))
    assert not ResearchJob.objects.exists()  # nothing refused was even queued
    # A file made before the rule (or before the cohort shrank): neither shown nor given.
    old = ResearchJob.objects.create(
        kind=JobKind.DEIDENTIFIED,
        cohort=cohort,
        requested_by=researcher,
        created_at=timezone.now(),
        status=JobStatus.DONE,
        patients=selection.patients,
        data=b"PK old",
        file_name="old.zip",
        content_type="application/zip",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    refused("job", client.get(reverse("research:job", args=[old.public_id])))
    refused("job_download", client.get(reverse("research:job_download", args=[old.public_id])))
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
    assert AuditEvent.objects.filter(action=Action.DENIED, detail__contains="fewer than 11")

    # Pages that list the cohort: the count suppressed, no breakdown, no study codes.
    codes = [c.code for c in StudyCode.objects.all()]
    page = client.get(reverse("research:cohort", args=[cohort.pk]))
    covered.add("cohort")
    body = page.content.decode()
    assert page.status_code == 200 and message in body
    assert "&lt;11 patients" in body and f"{selection.patients} patients" not in body
    assert "Who is in it" not in body and "<code>S-" not in body
    assert not any(code in body for code in codes)
    assert 'action="/research/cohorts/' not in body.split("Analyses of this cohort")[0]
    preview = client.post(
        reverse("research:cohort_new"), {"name": "x", "procedure": "decompression", "preview": "1"}
    )
    edit = client.post(
        reverse("research:cohort_edit", args=[cohort.pk]),
        {"name": "x", "procedure": "decompression", "preview": "1"},
    )
    for name, response in (("cohort_new", preview), ("cohort_edit", edit)):
        covered.add(name)
        text = response.content.decode()
        assert response.status_code == 200 and message in text and "&lt;11 patients" in text
    home = client.get(reverse("research:home")).content.decode()
    covered.add("home")
    assert "<td>&lt;11</td>" in home and f"<td>{selection.patients}</td>" not in home

    # Every route of the research app is one of the outputs above.
    routes = {p.name for p in research_urls.urlpatterns if isinstance(p, URLPattern)}
    assert covered == routes, routes - covered


def test_small_cells_read_less_than_the_minimum(records: Records, researcher, settings):
    settings.NERVEPATH = {**settings.NERVEPATH, "RESEARCH_MIN_CELL": 1}  # let two patients run
    cohort = Cohort.objects.create(
        name="Two", filters=cohorts.clean_filters({}), created_by=researcher
    )
    run = _old_run(cohort, researcher)
    plain = report.blocks(run)
    settings.NERVEPATH = {**settings.NERVEPATH, "RESEARCH_MIN_CELL": 11}
    result = disclosure.disclosed(AnalysisResult.from_dict(run.result))
    # Table 1: the header's group sizes and every count cell.
    header = result.table1["header"]
    assert header[1] == "Overall (n=<11)"
    assert not any(re.search(r"\(n=([1-9]|10)\)", h) for h in header), header
    cells = [c for row in result.table1["rows"] for c in row[1:-1]]
    assert "<11" in cells
    assert not any(c.split(" ")[0].isdigit() and 0 < int(c.split(" ")[0]) < 11 for c in cells)
    for row in result.results_table["rows"]:
        assert row[2] in ("<11", "0")
    for share in result.responders:
        assert share["n"] in ("<11", 0)
    # The same run's page as shown (Table 1 and all): no count of 1 to 10 left.
    shown = disclosure.disclosed(AnalysisResult.from_dict(run.result), 11)
    tables = [t for block in report.blocks(run) for t in block.tables]
    assert tables and plain != report.blocks(run)
    table1 = next(t for t in tables if t.title == "Baseline characteristics")
    assert table1.rows == shown.table1["rows"]

    # Figures: the science layer suppresses its counts when given min_cell.
    svg = plots.render(
        plots.km_curve(
            {
                "All": {
                    "times": [0, 30, 60],
                    "survival": [1.0, 0.8, 0.6],
                    "n": 5,
                    "at_risk": [(0, 5), (30, 4)],
                }
            },
            "Free of symptom return",
            min_cell=11,
        ),
        "svg",
    ).decode()
    assert "&lt;11" in svg and "n = 5" not in svg
    assert (
        "n = 5"
        in plots.render(
            plots.km_curve(
                {"All": {"times": [0, 30], "survival": [1.0, 0.8], "n": 5}},
                "Free of symptom return",
            ),
            "svg",
        ).decode()
    )


def test_index_dates_are_filtered_by_month_at_the_finest(records: Records, researcher):
    index = records.index
    month = f"{index:%Y-%m}"
    # A stored day is read as its month; a stored month stays a month.
    old = cohorts.clean_filters({"index_from": index.isoformat(), "index_to": index.isoformat()})
    assert old["index_from"] == old["index_to"] == month
    assert cohorts.describe(old)[1] == ("Index procedure", f"{month} to {month}")
    # The whole month is in: a cohort "from this month to this month" is the month.
    first_of_month = index.replace(day=1)
    assert cohorts.month_bounds(month, month)[0] == first_of_month
    assert cohorts.month_bounds(month, month)[1] >= index
    assert cohorts.month_bounds("2028-02", "2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert cohorts.month_bounds("2026-11", "2026-12")[1] == date(2026, 12, 31)
    assert records.alice.pk in cohorts.select(old).patient_ids

    client = login(Client(), researcher)
    response = client.post(
        reverse("research:cohort_new"),
        {"name": "By month", "procedure": "decompression", "index_from": month, "save": "1"},
    )
    assert response.status_code == 302
    assert Cohort.objects.get(name="By month").filters["index_from"] == month
    for bad in ("2026-13", "last week", "2026-02-30"):
        form = CohortForm({"name": "x", "procedure": "decompression", "index_from": bad})
        assert not form.is_valid() and "is not a month (YYYY-MM)" in str(form.errors)
    # The form shows an old day-precise cohort as its month, and its widget asks for one.
    stored = Cohort.objects.create(
        name="Old", filters={"procedure": "decompression", "index_to": "2025-03-17"},
        created_by=researcher,
    )  # fmt: skip
    page = client.get(reverse("research:cohort_edit", args=[stored.pk])).content.decode()
    assert 'type="month"' in page and 'value="2025-03"' in page and "2025-03-17" not in page
    later = (index + timedelta(days=40)).strftime("%Y-%m")
    assert cohorts.select({"index_from": later}).patients < cohorts.select({}).patients


def test_administrators_do_research_only_when_another_administrator_grants_it(
    clinic, researcher, settings
):
    cohort = Cohort.objects.create(
        name="Any", filters=cohorts.clean_filters({}), created_by=researcher
    )
    url = reverse("research:cohort", args=[cohort.pk])
    first = _user(Role.ADMIN, "first-admin@example.org")
    second = _user(Role.ADMIN, "second-admin@example.org")
    as_first = login(Client(), first)
    assert as_first.get(url).status_code == 404  # names and research: not both by default
    assert 'href="/research/"' not in as_first.get(reverse("access:patients")).content.decode()

    # Nobody grants themself: the form offers only other administrators.
    add = reverse("admin:research_researchgrant_add")
    self_grant = as_first.post(add, {"user": first.pk, "reason": "I want to see outcomes"})
    assert self_grant.status_code == 200 and not ResearchGrant.objects.exists()

    # Another administrator grants it, with a reason; the grant is audited.
    as_second = login(Client(), second)
    granted = as_second.post(add, {"user": first.pk, "reason": "Outcomes paper for 2027"})
    assert granted.status_code == 302, granted.content.decode()[:3000]
    grant = ResearchGrant.objects.get()
    assert grant.user == first and grant.granted_by == second
    event = AuditEvent.objects.get(detail__startswith="research access granted")
    assert event.actor_id == second.pk and "Outcomes paper for 2027" in event.detail
    assert as_first.get(url).status_code == 200
    assert 'href="/research/"' in as_first.get(reverse("access:patients")).content.decode()

    # Ended: research is closed again, and the end is audited.
    changelist = reverse("admin:research_researchgrant_changelist")
    as_second.post(changelist, {"action": "end_grants", "_selected_action": [grant.pk]})
    grant.refresh_from_db()
    assert grant.ended_at is not None
    assert AuditEvent.objects.filter(detail__contains="research access of user").exists()
    assert as_first.get(url).status_code == 404

    # A clinic may deliberately give all its administrators research (a setting).
    settings.NERVEPATH = {**settings.NERVEPATH, "ADMINS_DO_RESEARCH": True}
    assert as_first.get(url).status_code == 200
    # Front desk and clinicians never.
    desk = login(Client(), _user(Role.FRONT_DESK, "desk@example.org"))
    assert desk.get(url).status_code == 404
