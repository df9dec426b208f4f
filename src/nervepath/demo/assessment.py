# SPDX-License-Identifier: AGPL-3.0-or-later
"""Demo questionnaires (called by ``seed_demo``): which questionnaires the visit types
send, a pending intake for the demo patient to fill, and a few patients with a baseline
and follow-ups so the clinician's summary has trends and one set of red flags.

The answers are invented for the demo and scored by the real engine.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from nervepath.accounts.models import Patient
from nervepath.assessment import services
from nervepath.assessment.models import (
    CollectionMode,
    Reason,
    Request,
    Response,
    TypeQuestionnaires,
)
from nervepath.scheduling.models import Appointment, AppointmentType, Status

# What a new patient fills before the first visit (issue 19: fewer at once, only what a
# patient fills; the JHRLSS, criterion 5 and the examinations are the clinician's, in the
# visit). The IRLS is sent only where the clinic loaded its licensed wording and chose
# self-report (services.patient_may_fill); otherwise the clinician enters it.
INTAKE = ["rls_diagnosis", "irls", "symptom_history", "mnsi", "pain_nrs", "clinic_sleep"]
FOLLOW_UP = ["irls", "pain_nrs", "clinic_sleep"]
TYPE_SETS = {"new-patient": INTAKE, "follow-up": FOLLOW_UP}


def configure_types() -> None:
    """New-patient visits send the intake set, follow-ups the three tracking scales."""
    for slug, ids in TYPE_SETS.items():
        kind = AppointmentType.objects.filter(slug=slug).first()
        if kind is not None:
            TypeQuestionnaires.objects.update_or_create(
                appointment_type=kind, defaults={"instrument_ids": ids}
            )


def irls(total: int) -> dict[str, int]:
    """Ten items adding up to ``total`` (spread as evenly as the 0–4 items allow)."""
    base, extra = divmod(total, 10)
    return {f"q{n}": base + (1 if n <= extra else 0) for n in range(1, 11)}


def pain(left: int, right: int) -> dict[str, int]:
    return {
        "now_left": max(left - 1, 0),
        "now_right": max(right - 1, 0),
        "night_left": left,
        "night_right": right,
    }


def sleep(nights: int, minutes: int, awakenings: int) -> dict[str, int]:
    return {"nights_disturbed": nights, "minutes_to_sleep": minutes, "awakenings": awakenings}


RLS_YES = {
    "urge_to_move": "yes",
    "worse_at_rest": "yes",
    "relieved_by_movement": "yes",
    "evening_night": "yes",
    "course": "chronic_persistent",
    "clinically_significant": "yes",
}


def mnsi(yes_count: int) -> dict[str, str]:
    """Yes to the first ``yes_count`` of the items that score on Yes."""
    scored_yes = [1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15]
    answers = {f"q{n}": "no" for n in range(1, 16)}
    answers["q7"] = "yes"  # No to 7 and 13 scores; Yes does not
    answers["q13"] = "yes"
    for n in scored_yes[:yes_count]:
        answers[f"q{n}"] = "yes"
    return answers


def history(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "onset_age": 44,
        "family_history": "yes",
        "diabetes": "no",
        "caffeine_cups": 2,
        "alcohol_drinks": 3,
        "medications": [],
        "symptom_sites": ["lower_legs"],
        "main_site": "lower_legs",
        "progressive_weakness": "no",
        "slurred_speech": "no",
        "swallowing_difficulty": "no",
    }
    answers.update(overrides)
    return answers


# Per demo patient (by email): intake answers, then follow-ups as (days ago, IRLS total,
# pain left/right at night, nights disturbed).
STORIES: dict[str, dict[str, Any]] = {
    "jordan.reyes@demo.nervepath.org": {
        "days": 84,
        "intake": {
            "rls_diagnosis": RLS_YES,
            "rls_criterion5": {"not_solely_other": "yes"},
            "jhrlss": {"onset_time": 2},
            "mnsi": mnsi(2),
            "symptom_history": history(
                medications=["gabapentin"], side_effects="Dizzy in the mornings"
            ),
        },
        "series": [(84, 24, (6, 5), 6), (42, 17, (4, 4), 4), (9, 11, (3, 2), 2)],
    },
    "casey.nguyen@demo.nervepath.org": {
        "days": 40,
        "intake": {
            "rls_diagnosis": RLS_YES,
            "rls_criterion5": {"not_solely_other": "yes"},
            "jhrlss": {"onset_time": 3},
            "mnsi": mnsi(8),
            "symptom_history": history(
                diabetes="yes",
                diabetes_type="type2",
                hba1c=7.9,
                medications=["pramipexole"],
                aug_earlier_onset="yes",
                aug_spread_arms="no",
                aug_shorter_relief="yes",
                progressive_weakness="yes",
                ferritin=38.0,
                transferrin_saturation=16.0,
            ),
        },
        "series": [(40, 29, (7, 8), 7), (12, 31, (8, 8), 7)],
    },
    "taylor.brooks@demo.nervepath.org": {
        "days": 70,
        "intake": {
            "rls_diagnosis": RLS_YES,
            "rls_criterion5": {"not_solely_other": "yes"},
            "jhrlss": {"onset_time": 2},
            "mnsi": mnsi(4),
            "symptom_history": history(symptom_sites=["lower_legs", "feet"], main_site="feet"),
        },
        "series": [(70, 27, (7, 6), 6), (30, 19, (5, 3), 4), (4, 8, (2, 1), 1)],
    },
    "morgan.lee@demo.nervepath.org": {
        "days": 45,
        "intake": {
            "rls_diagnosis": RLS_YES,
            "rls_criterion5": {"not_solely_other": "yes"},
            "jhrlss": {"onset_time": 1},
            "mnsi": mnsi(1),
            "symptom_history": history(medications=["iron"], ferritin=95.0),
        },
        "series": [(45, 15, (3, 4), 3), (18, 12, (2, 3), 3)],
    },
}


def _mode(instrument_id: str) -> str:
    """How the demo clinic collects each instrument: the clinician's instruments and, with
    no licensed wording, the IRLS are entered in the visit."""
    if services.clinician_may_enter(instrument_id) and not services.patient_may_fill(instrument_id):
        return CollectionMode.CLINICIAN
    return CollectionMode.SELF_REPORT


def _story(patient: Patient, story: dict[str, Any], by: Any) -> int:
    now = timezone.now()
    made = 0
    first = now - timedelta(days=story["days"], hours=2)
    for instrument_id, answers in story["intake"].items():
        services.record_response(
            patient, instrument_id, answers, by=by, when=first, mode=_mode(instrument_id)
        )
        made += 1
    for days, irls_total, (left, right), nights in story["series"]:
        when = now - timedelta(days=days, hours=1)
        services.record_response(
            patient, "irls", irls(irls_total), by=by, when=when, mode=_mode("irls")
        )
        services.record_response(patient, "pain_nrs", pain(left, right), by=by, when=when)
        services.record_response(
            patient, "clinic_sleep", sleep(nights, 20 + 10 * nights, nights), by=by, when=when
        )
        made += 3
    return made


@transaction.atomic
def seed() -> str:
    """Configure the visit types and, once, the demo answers; returns a line for the log."""
    configure_types()
    if Response.objects.exists() or Request.objects.exists():
        return "Demo questionnaires already present."
    made = 0
    for email, story in STORIES.items():
        patient = Patient.objects.filter(user__email=email).select_related("user").first()
        if patient is not None:
            made += _story(patient, story, patient.user)
    opened = 0
    demo = Patient.objects.filter(user__email="patient@demo.nervepath.org").first()
    if demo is not None:
        visit = (
            Appointment.objects.filter(
                patient=demo, status=Status.BOOKED, starts_at__gt=timezone.now()
            )
            .order_by("starts_at")
            .first()
        )
        opened = len(
            services.create_requests(
                demo,
                INTAKE,
                reason=Reason.INTAKE,
                appointment=visit,
                due=visit.local_start.date() if visit else None,
            )
        )
    return f"Added {made} demo questionnaire responses and {opened} to fill."
