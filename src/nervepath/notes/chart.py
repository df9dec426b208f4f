# SPDX-License-Identifier: AGPL-3.0-or-later
"""The problem list, allergies and vitals. Each row keeps its history (who changed what,
when); a resolved problem or a past allergy stays on the list, marked so."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from nervepath.accounts.models import Patient, User
from nervepath.notes.models import (
    Allergy,
    AllergyStatus,
    Problem,
    ProblemStatus,
    VisitNote,
    Vitals,
    authored,
)
from nervepath.notes.services import NotesError


def _line(value: Any, limit: int, what: str) -> str:
    text = " ".join(str(value or "").replace("\x00", "").split())
    if not text:
        raise NotesError(f"Give {what}.")
    if len(text) > limit:
        raise NotesError(f"{what[0].upper()}{what[1:]} is at most {limit} characters.")
    return text


def _past(day: date | None, what: str) -> date | None:
    if day is not None and day > timezone.localdate():
        raise NotesError(f"The {what} date {day:%b %-d, %Y} is in the future.")
    return day


def add_problem(patient: Patient, *, name: str, onset: date | None, by: User) -> Problem:
    problem = Problem(
        patient=patient,
        name=_line(name, 200, "the problem"),
        onset=_past(onset, "onset"),
        created_by=by,
    )
    with transaction.atomic():
        authored(problem, by).save()
    return problem


def set_problem_status(problem: Problem, *, status: str, on: date | None, by: User) -> Problem:
    if status not in ProblemStatus.values:
        raise NotesError("Choose active or resolved.")
    with transaction.atomic():
        current = Problem.objects.select_for_update().get(pk=problem.pk)
        current.status = status
        if status == ProblemStatus.RESOLVED:
            day = _past(on or timezone.localdate(), "resolution")
            if current.onset and day and day < current.onset:
                raise NotesError("A problem cannot resolve before its onset.")
            current.resolved_on = day
        else:
            current.resolved_on = None
        authored(current, by).save()
    return current


def add_allergy(patient: Patient, *, substance: str, reaction: str, by: User) -> Allergy:
    allergy = Allergy(
        patient=patient,
        substance=_line(substance, 120, "the substance"),
        reaction=_line(reaction, 300, "the reaction"),
        noted_on=timezone.localdate(),
        created_by=by,
    )
    with transaction.atomic():
        same = Allergy.objects.filter(
            patient=patient, substance__iexact=allergy.substance, status=AllergyStatus.ACTIVE
        ).exists()
        if same:
            raise NotesError(f"{allergy.substance} is already on the allergy list.")
        authored(allergy, by).save()
    return allergy


def set_allergy_status(allergy: Allergy, *, status: str, by: User) -> Allergy:
    if status not in AllergyStatus.values:
        raise NotesError("Choose active or no longer.")
    with transaction.atomic():
        current = Allergy.objects.select_for_update().get(pk=allergy.pk)
        current.status = status
        authored(current, by).save()
    return current


# (field, label, low, high, decimals)
VITALS = (
    ("height_cm", "Height (cm)", Decimal(50), Decimal(250), 1),
    ("weight_kg", "Weight (kg)", Decimal(20), Decimal(400), 1),
    ("systolic", "Systolic pressure (mmHg)", Decimal(50), Decimal(300), 0),
    ("diastolic", "Diastolic pressure (mmHg)", Decimal(20), Decimal(200), 0),
    ("hba1c_pct", "HbA1c (%)", Decimal(3), Decimal(20), 1),
)


def _measure(value: Any, label: str, low: Decimal, high: Decimal, decimals: int) -> Any:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise NotesError(f"{label}: give a number.") from None
    if not number.is_finite() or not low <= number <= high:
        raise NotesError(f"{label}: give a number from {low} to {high}.")
    step = Decimal(1).scaleb(-decimals)
    if number != number.quantize(step):
        places = "a whole number" if decimals == 0 else f"at most {decimals} decimal"
        raise NotesError(f"{label}: give {places}.")
    return int(number) if decimals == 0 else number.quantize(step)


def record_vitals(
    patient: Patient,
    *,
    values: dict[str, Any],
    measured_on: date | None,
    by: User,
    note: VisitNote | None = None,
) -> Vitals:
    cleaned = {f: _measure(values.get(f), label, lo, hi, d) for f, label, lo, hi, d in VITALS}
    if all(v is None for v in cleaned.values()):
        raise NotesError("Give at least one measurement.")
    if (cleaned["systolic"] is None) != (cleaned["diastolic"] is None):
        raise NotesError("Give both the systolic and the diastolic pressure.")
    if cleaned["systolic"] is not None and cleaned["systolic"] <= cleaned["diastolic"]:
        raise NotesError("The systolic pressure is higher than the diastolic.")
    if note is not None and note.patient_id != patient.pk:
        raise NotesError("That note is another patient's.")
    day = measured_on or timezone.localdate()
    _past(day, "measurement")
    row = Vitals(
        patient=patient,
        note=note,
        measured_on=day,
        created_by=by,
        **cleaned,
    )
    with transaction.atomic():
        authored(row, by).save()
    return row


def bmi(row: Vitals) -> float | None:
    """Body-mass index, kg/m² (WHO), when height and weight were both measured."""
    if row.height_cm is None or row.weight_kg is None:
        return None
    metres = float(row.height_cm) / 100
    return round(float(row.weight_kg) / (metres * metres), 1)
