# SPDX-License-Identifier: AGPL-3.0-or-later
"""A cohort read into the science layer: days in the clinic's zone, corrected answers
dated by their first submission, stored filters that no longer read refused cleanly."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helpers import login
from nervepath.accounts.models import Role, User
from nervepath.assessment import services
from nervepath.demo import assessment as answers
from nervepath.pathway.models import Surgery, SurgeryStatus
from nervepath.research import cohorts, dataset
from nervepath.research.models import AnalysisRun, Cohort, ResearchJob

from .conftest import respond

DENVER = ZoneInfo("America/Denver")
pytestmark = pytest.mark.postgres


@pytest.fixture
def operated(alice, hale, clinic):
    """Alice, operated on 100 days ago, with one IRLS on the evening of the surgery day
    (19:30 in Denver, already the next day in UTC) and one at 3 months."""
    day = timezone.localdate() - timedelta(days=100)
    Surgery.objects.create(
        patient=alice,
        leg="right",
        operated_on=day,
        surgeon=hale,
        location=clinic["fort-collins"],
        tunnels=["tibial"],
        status=SurgeryStatus.DONE,
    )
    evening = datetime.combine(day, time(19, 30), tzinfo=DENVER)
    baseline = respond(alice, "irls", answers.irls(27), evening)
    respond(alice, "irls", answers.irls(9), evening + timedelta(days=91))
    return day, baseline


def _irls(data) -> list[tuple[int, float]]:
    return sorted((o.day, o.value) for o in data.observations if o.measure == "irls_total")


def test_an_evening_answer_counts_on_the_clinics_day(operated):
    selection = cohorts.select({"procedure": "decompression"})
    (member,) = selection.members
    assert member.baseline_band == "severe"  # 27 points, on day 0 in Denver
    assert _irls(dataset.build("t", selection)) == [(0, 27.0), (91, 9.0)]
    assert cohorts.select({"procedure": "decompression", "baseline_bands": ["severe"]}).patients


def test_a_corrected_baseline_keeps_the_day_it_was_first_answered(operated, hale):
    _day, baseline = operated
    services.correct(baseline, answers.irls(31), reason="typed the wrong row", by=hale.user)
    selection = cohorts.select({"procedure": "decompression"})
    assert selection.members[0].baseline_band == "very_severe"  # the corrected score
    assert _irls(dataset.build("t", selection)) == [(0, 31.0), (91, 9.0)]


@pytest.mark.parametrize("stored", [{"procedure": "zzz"}, {"follow_up_reached": "9 years"}])
def test_stored_filters_that_no_longer_read_are_refused_without_a_crash(clinic, stored):
    researcher = User.objects.create_user(
        "r@example.org", "x" * 16, role=Role.RESEARCHER, first_name="R", last_name="S"
    )
    client = login(Client(), researcher)
    cohort = Cohort.objects.create(name="Old", filters=stored, created_by=researcher)
    page = reverse("research:cohort", args=[cohort.pk])
    for name in ("run", "export_csv", "export_fhir"):
        response = client.post(reverse(f"research:{name}", args=[cohort.pk]), follow=True)
        assert response.redirect_chain == [(page, 302)]
        assert "can no longer be read" in response.content.decode()
    assert not AnalysisRun.objects.exists() and not ResearchJob.objects.exists()
    cohort.filters = ["not", "a", "mapping"]
    cohort.save()
    edit = client.get(reverse("research:cohort_edit", args=[cohort.pk]))
    assert edit.status_code == 200


def test_diagnosis_and_diabetes_come_from_the_latest_answers(operated, alice):
    when = timezone.now() - timedelta(days=150)
    criteria = ["urge_to_move", "worse_at_rest", "relieved_by_movement", "evening_night"]
    rls = {item: "yes" for item in criteria}
    respond(alice, "rls_diagnosis", {**rls, "course": "chronic_persistent",
                                     "clinically_significant": "yes"}, when)  # fmt: skip
    respond(alice, "rls_criterion5", {"not_solely_other": "yes"}, when)
    respond(alice, "mnsi", answers.mnsi(8), when)
    respond(alice, "symptom_history", answers.history(diabetes="no"), when)
    respond(
        alice,
        "symptom_history",
        answers.history(diabetes="yes", diabetes_type="type2"),
        when + timedelta(days=1),
    )

    def count(**filters) -> int:
        return cohorts.select({"procedure": "decompression", **filters}).patients

    (member,) = cohorts.select({"procedure": "decompression"}).members
    assert member.diagnoses == {"rls", "neuropathy"} and member.diabetes is True
    assert count(diagnoses=["rls", "neuropathy"]) == 1 and count(diabetes="yes") == 1
    assert count(diabetes="no") == 0 and count(diabetes="unknown") == 0
