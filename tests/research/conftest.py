# SPDX-License-Identifier: AGPL-3.0-or-later
"""Patients with real records for the research exports.

``records`` builds, through the models:

- Alice (born so that she is 92 at her index surgery): right leg decompressed on day 0
  (100 days ago), left leg on day 10, monitoring before/after, a 3-month follow-up, a
  reviewed nerve block on day -60 with diary days, a medication stopped with a reason,
  a visit, IRLS / pain / symptom-history responses and two wearable nights. Free text
  everywhere it can be typed, each holding a marker word (``FREETEXT``).
- Bob (61 at index): one decompression, a laser therapy course, an IRLS response.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from helpers import kind
from nervepath.accounts.models import Patient
from nervepath.assessment.models import Response, ResponseStatus
from nervepath.assessment.services import result_json
from nervepath.demo import assessment as answers
from nervepath.pathway.models import (
    CandidacyReview,
    FollowUp,
    Medication,
    MonitoringReading,
    NerveBlock,
    ReliefEntry,
    SessionStatus,
    Surgery,
    SurgeryStatus,
    TherapyCourse,
    TherapySession,
)
from nervepath.research.models import ResearchJob
from nervepath.scheduling.models import Appointment, Clinician, Location, Source, Status
from nervepath.science import instruments
from nervepath.wearables.models import Night, Recording

FREETEXT = "Zanzibarquux"  # in every free-text field; must never be exported
SNAPSHOT = datetime(2000, 1, 3, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


def unzip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def respond(patient: Patient, instrument_id: str, given: dict, when: datetime) -> Response:
    inst = instruments.load(instrument_id)
    return Response.objects.create(
        patient=patient,
        instrument_id=instrument_id,
        instrument_version=inst.version,
        answers=given,
        result=result_json(instruments.score(inst, given)),
        status=ResponseStatus.SUBMITTED,
        submitted_at=when,
        submitted_by=patient.user,
    )


def visit(patient: Patient, clinician: Clinician, location: Location, slug: str, day: date):
    start = datetime.combine(day, time(9), tzinfo=location.tz)
    visit_kind = kind(slug)
    return Appointment.objects.create(
        patient=patient,
        clinician=clinician,
        location=location,
        appointment_type=visit_kind,
        starts_at=start,
        ends_at=start + visit_kind.duration,
        blocked_from=start,
        blocked_until=start + visit_kind.duration,
        status=Status.COMPLETED,
        source=Source.STAFF,
    )


def surgery(patient, clinician, location, leg: str, day: date, **kwargs) -> Surgery:
    values = {
        "tunnels": ["common_peroneal", "tibial"],
        "status": SurgeryStatus.DONE,
    }
    values.update(kwargs)
    return Surgery.objects.create(
        patient=patient,
        leg=leg,
        operated_on=day,
        surgeon=clinician,
        location=location,
        **values,
    )


@dataclass
class Records:
    alice: Patient
    bob: Patient
    index: date
    bob_index: date


@pytest.fixture
def records(clinic, alice, bob, hale) -> Records:
    fort = clinic["fort-collins"]
    today = timezone.localdate()
    index = today - timedelta(days=100)
    alice.date_of_birth = date(index.year - 92, 1, 1)
    alice.sex = "female"
    alice.phone = "970-555-0142"
    alice.save()
    bob.date_of_birth = date(index.year - 61, 1, 1)
    bob.sex = "male"
    bob.save()

    right = surgery(
        alice,
        hale,
        fort,
        "right",
        index,
        findings=f"Tight fascial band {FREETEXT}",
        complications=f"Superficial wound infection {FREETEXT}",
    )
    surgery(alice, hale, fort, "left", index + timedelta(days=10), first_leg=right)
    for nerve, before, after in (("tibial", 2100.0, 3050.0), ("common_peroneal", 48.0, 131.0)):
        MonitoringReading.objects.create(
            surgery=right,
            patient=alice,
            nerve=nerve,
            phase="before",
            amplitude_uv=before,
            latency_ms=5.2,
        )
        MonitoringReading.objects.create(
            surgery=right, patient=alice, nerve=nerve, phase="after", amplitude_uv=after
        )
    FollowUp.objects.create(
        surgery=right,
        patient=alice,
        label="3 months",
        days_after=90,
        due_on=index + timedelta(days=90),
    )
    block = NerveBlock.objects.create(
        patient=alice,
        given_on=index - timedelta(days=60),
        leg="right",
        injections=[
            {"site": "tibial", "agent": "Lidocaine 1%", "volume_ml": 2.0},
            {"site": "common_peroneal", "agent": "Lidocaine 1%", "volume_ml": 1.5},
        ],
        given_by=hale.user,
        notes=f"Patient anxious {FREETEXT}",
    )
    for n, relief in enumerate((80, 70, 60)):
        ReliefEntry.objects.create(
            block=block,
            patient=alice,
            day=block.given_on + timedelta(days=n),
            relief_pct=relief,
            sleep_hours=Decimal("6.5"),
            sleep_quality=7,
            note=f"slept at my daughter's {FREETEXT}",
        )
    CandidacyReview.objects.create(
        block=block,
        patient=alice,
        computed="candidate",
        relief_days=3,
        decision="candidate",
        reason=f"Clear relief {FREETEXT}",
        decided_by=hale.user,
    )
    Medication.objects.create(
        patient=alice,
        name="Pramipexole",
        dose=Decimal("0.250"),
        unit="mg",
        frequency=f"at bedtime {FREETEXT}",
        started_on=index - timedelta(days=200),
        stopped_on=index - timedelta(days=20),
        stop_reason=f"Augmentation {FREETEXT}",
        side_effects=f"Nausea {FREETEXT}",
    )
    visit(alice, hale, fort, "new-patient", index - timedelta(days=90))
    submitted = datetime.combine(index - timedelta(days=5), time(10), tzinfo=fort.tz)
    respond(alice, "irls", answers.irls(24), submitted)
    respond(alice, "pain_nrs", answers.pain(6, 7), submitted)
    respond(
        alice,
        "symptom_history",
        answers.history(
            onset_age=90,
            medications=["pramipexole"],
            side_effects=f"Dizzy {FREETEXT}",
            aug_earlier_onset="no",
            aug_spread_arms="no",
            aug_shorter_relief="no",
        ),
        submitted,
    )
    recording = Recording.objects.create(
        patient=alice,
        uploaded_by=hale.user,
        original_name="alice_archer_wrist.csv",
        storage_name="r/abc.csv",
        size=10,
        sha256="0" * 64,
        file_format="csv",
    )
    for n in range(2):
        Night.objects.create(
            recording=recording,
            patient=alice,
            night_of=index + timedelta(days=20 + n),
            plms_index=12.5 + n,
            movements_per_hour=30.0,
            moves_every_min=2.0,
            total_sleep_h=6.0,
            report={},
            engine_version="t",
        )

    bob_index = index - timedelta(days=3)
    surgery(bob, hale, fort, "left", bob_index, tunnels=["superficial_peroneal"])
    course = TherapyCourse.objects.create(
        patient=bob,
        modality="laser",
        planned_sessions=2,
        clinician=hale.user,
        started_on=bob_index + timedelta(days=40),
        notes=f"Tolerates well {FREETEXT}",
    )
    TherapySession.objects.create(
        course=course,
        patient=bob,
        number=1,
        on_date=course.started_on,
        status=SessionStatus.DONE,
        parameters={"wavelength_nm": 810, "power_mw": 500, "dose_j_cm2": 4, "note": FREETEXT},
        notes=f"Fine {FREETEXT}",
    )
    respond(bob, "irls", answers.irls(12), datetime.combine(bob_index, time(8), tzinfo=fort.tz))
    return Records(alice=alice, bob=bob, index=index, bob_index=bob_index)


def work() -> None:
    """Run every queued task as the worker does (the research jobs among them). The
    worker's check for stale connections would close the test's own (it is inside the
    test's transaction, so not in autocommit): left out here."""
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def job_of(response) -> ResearchJob:
    """The job a research request queued (its page is where the request redirected)."""
    assert response.status_code == 302, response.status_code
    public_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    return ResearchJob.objects.get(public_id=public_id)
