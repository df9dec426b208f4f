# SPDX-License-Identifier: AGPL-3.0-or-later
"""The synthetic research history: what it writes is what it says, scored for real,
consistent with the pathway rules, and the same for the same seed."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from nervepath.accounts.models import Patient, User
from nervepath.assessment.models import Response
from nervepath.assessment.services import instrument, result_json
from nervepath.pathway.models import (
    CandidacyReview,
    FollowUp,
    Modality,
    MonitoringReading,
    NerveBlock,
    ReliefEntry,
    Surgery,
    TherapyCourse,
    TherapySession,
)
from nervepath.pathway.surgery import follow_up_plan
from nervepath.research import synthetic
from nervepath.science import instruments
from nervepath.wearables.models import Analysis, Night, Recording

TODAY = date(2026, 11, 1)


@pytest.fixture
def history(clinic):
    before = Patient.objects.count()
    counts = synthetic.make_history(120, seed=3, today=TODAY)
    counts["_before"] = before
    return counts


def _mine(prefix: str = "synthetic"):
    return Patient.objects.filter(user__email__startswith=f"{prefix}.")


@pytest.mark.django_db
def test_counts_match_the_rows_written(history):
    ids = list(_mine().values_list("pk", flat=True))
    assert history["patients"] == history["users"] == len(ids) == 120
    assert Patient.objects.count() == history["_before"] + 120
    mine = {"patient_id__in": ids}
    assert history["responses"] == Response.objects.filter(**mine).count()
    assert history["blocks"] == NerveBlock.objects.filter(**mine).count()
    assert history["relief_entries"] == ReliefEntry.objects.filter(**mine).count()
    assert history["reviews"] == CandidacyReview.objects.filter(**mine).count()
    assert history["surgeries"] == Surgery.objects.filter(**mine).count()
    assert history["readings"] == MonitoringReading.objects.filter(**mine).count()
    assert history["follow_ups"] == FollowUp.objects.filter(**mine).count()
    assert history["courses"] == TherapyCourse.objects.filter(**mine).count()
    assert history["sessions"] == TherapySession.objects.filter(**mine).count()
    assert history["recordings"] == Recording.objects.filter(**mine).count()
    assert history["analyses"] == Analysis.objects.filter(recording__patient_id__in=ids).count()
    assert history["nights"] == Night.objects.filter(**mine).count() == round(2.5 * 120)
    assert history["surgeries"] > 0 and history["courses"] > 0 and history["blocks"] > 0
    # About ten questionnaires a patient.
    assert 800 <= history["responses"] <= 1400


@pytest.mark.django_db
def test_every_result_is_the_engines_score_of_its_answers(history):
    rows = Response.objects.filter(patient__in=_mine())
    assert {r.instrument_id for r in rows} >= {*synthetic.INTAKE, *synthetic.OUTCOMES}
    for r in rows:
        inst = instrument(r.instrument_id)
        assert r.status == "submitted"
        assert r.submitted_at is not None and r.submitted_at.date() < TODAY
        assert r.created_at == r.submitted_at
        assert r.submitted_by_id == r.patient.user_id
        clean, _ = instruments.validate(inst, r.answers)
        assert clean == r.answers
        assert r.result == result_json(instruments.score(inst, r.answers))
        assert r.instrument_version == inst.version


@pytest.mark.django_db
def test_surgeries_follow_the_pathway(history):
    plan = follow_up_plan()
    surgeries = Surgery.objects.filter(patient__in=_mine()).prefetch_related(
        "follow_ups", "readings"
    )
    assert surgeries
    for s in surgeries:
        assert s.status == "done" and s.operated_on < TODAY
        assert s.tunnels and set(s.tunnels) <= set(synthetic.NERVES)
        s.full_clean()
        fus = sorted(s.follow_ups.all(), key=lambda f: f.days_after)
        assert [(f.days_after, f.label) for f in fus] == plan
        for f in fus:
            assert f.due_on == s.operated_on + timedelta(days=f.days_after)
            assert f.status in ("done", "to_book", "cancelled")
            if f.status == "done":
                assert f.due_on < TODAY
            f.full_clean()
        readings = list(s.readings.all())
        assert {(r.nerve, r.phase) for r in readings} == {
            (n, p) for n in s.tunnels for p in ("before", "after")
        }
        for r in readings:
            assert r.amplitude_uv >= 0
            r.full_clean()
        if s.first_leg_id is not None:
            first = s.first_leg
            assert first.patient_id == s.patient_id and first.leg != s.leg
            assert 21 <= (s.operated_on - first.operated_on).days <= 28
    # Each operated patient had a reviewed block 30-60 days before the first surgery.
    for s in surgeries.filter(first_leg__isnull=True):
        block = NerveBlock.objects.get(patient_id=s.patient_id)
        assert 30 <= (s.operated_on - block.given_on).days <= 60
        assert block.review.decision == "candidate"
        block.full_clean()
        assert 10 <= block.diary.count() <= 14


@pytest.mark.django_db
def test_other_records_pass_their_validators(history):
    for model in (ReliefEntry, CandidacyReview, TherapyCourse, TherapySession, NerveBlock):
        for row in model.objects.filter(patient__in=_mine())[:50]:
            row.full_clean()
    for user in User.objects.filter(email__startswith="synthetic.")[:20]:
        assert not user.has_usable_password() and user.role == "patient"
        assert user.email.endswith("@example.invalid")


@pytest.mark.django_db
def test_nights_belong_to_their_patients_recordings(history):
    nights = Night.objects.filter(patient__in=_mine()).select_related("recording")
    for n in nights:
        assert n.recording.patient_id == n.patient_id
        assert n.night_of < TODAY and n.plms_index >= 0 and n.movements_per_hour > 0
    for rec in Recording.objects.filter(patient__in=_mine()):
        assert rec.analysis.state == "done"


@pytest.mark.django_db
def test_patients_ages_sexes_and_diabetes(history):
    sexes = Counter(_mine().values_list("sex", flat=True))
    assert sexes["female"] > sexes["male"] > 0
    answers = Response.objects.filter(patient__in=_mine(), instrument_id="symptom_history")
    share = sum(r.answers["diabetes"] == "yes" for r in answers) / len(answers)
    assert 0.15 <= share <= 0.45


def test_the_plan_is_the_same_for_the_same_seed(settings):
    one = synthetic.plan(150, seed=11, today=TODAY)
    two = synthetic.plan(150, seed=11, today=TODAY)
    other = synthetic.plan(150, seed=12, today=TODAY)
    assert one == two
    assert one != other


def test_the_plan_is_plausible():
    patients = synthetic.plan(2000, seed=5, today=TODAY)
    ages = [(p.index_date - p.date_of_birth).days // 365.25 for p in patients]
    assert min(ages) >= 24 and max(ages) <= 95
    assert any(a >= 90 for a in ages)
    operated = [p for p in patients if p.kind == "surgery"]
    assert 0.1 <= len(operated) / len(patients) <= 0.2
    assert sum(len(p.nights) for p in patients) == 5000
    # IRLS falls after surgery for most; some relapse (events for a recurrence curve).
    improved = relapsed = with_follow_up = 0
    for p in operated:
        irls = sorted(
            (r.at.date(), sum(r.answers.values())) for r in p.responses if r.instrument_id == "irls"
        )
        before = [v for d, v in irls if d < p.index_date]
        after = [v for d, v in irls if d > p.index_date + timedelta(days=60)]
        if before and after:
            with_follow_up += 1
            improved += min(after) <= 0.6 * before[-1]
            relapsed += after[-1] >= 0.8 * before[-1] and min(after) <= 0.6 * before[-1]
    assert improved / with_follow_up > 0.6
    assert relapsed > 0


def test_the_plan_is_pure_and_the_configured_one_fills_in_the_clinic():
    """The planner imports only the standard library and the science layer; given the
    configured schedule, rule and zone it plans what ``synthetic.plan`` plans."""
    import ast
    import inspect
    import sys
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from nervepath.research.synthetic import planner

    tree = ast.parse(inspect.getsource(planner))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    outside = {
        m
        for m in imported
        if m != "__future__"
        and m.split(".")[0] not in sys.stdlib_module_names
        and not m.startswith("nervepath.science")
    }
    assert not outside
    pure = planner.plan(
        40,
        seed=2,
        today=TODAY,
        schedule=follow_up_plan(),
        rule=synthetic.candidate_rule(),
        zone=ZoneInfo(settings.TIME_ZONE),
    )
    assert pure == synthetic.plan(40, seed=2, today=TODAY)
    assert list(synthetic.MODALITIES) == Modality.values  # drawn from by position


@pytest.mark.django_db
def test_a_second_prefix_adds_patients_and_the_same_one_is_refused(clinic):
    first = synthetic.make_history(30, seed=1, today=TODAY, prefix="one")
    second = synthetic.make_history(30, seed=1, today=TODAY, prefix="two")
    assert first == second
    assert _mine("one").count() == _mine("two").count() == 30
    with pytest.raises(ValueError, match="exist already"):
        synthetic.make_history(5, seed=2, today=TODAY, prefix="one")
    assert _mine("one").count() == 30


@pytest.mark.django_db
def test_needs_the_clinic(db):
    with pytest.raises(ValueError, match="seed_demo"):
        synthetic.make_history(5, seed=1, today=TODAY)


@pytest.mark.django_db
def test_the_command_prints_the_counts(clinic):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "seed_research_history", "--patients", "10", "--seed", "4", "--prefix", "cmd",
        "--today", TODAY.isoformat(), stdout=out,
    )  # fmt: skip
    assert "patients: 10" in out.getvalue() and "Done in" in out.getvalue()
    assert _mine("cmd").count() == 10


@pytest.mark.django_db
def test_the_command_refuses_outside_development(clinic, settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG, settings.DEV = False, False
    with pytest.raises(CommandError, match="NERVEPATH_DEV"):
        call_command("seed_research_history", "--patients", "3", "--prefix", "prod")
    assert _mine("prod").count() == 0
