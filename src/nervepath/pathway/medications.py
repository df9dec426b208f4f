# SPDX-License-Identifier: AGPL-3.0-or-later
"""Medications: current and past, with dose, dates and side effects.

A record says what was taken at one dose over a period and is never rewritten: a change of
dose, unit or schedule stops the record (``stopped_on``, ``stop_reason``) and starts a new
one that ``replaces`` it, in one transaction (``Medication.save`` refuses a rewrite as a
last guard). Every write names its author for the record's history.

Next to the list, clinicians see the flags of the patient's latest symptom-history
questionnaire; its possible-augmentation flag is shown on the current dopaminergic rows
(see ``drugs``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from nervepath.accounts.models import Patient, User
from nervepath.pathway import drugs
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import Medication, authored
from nervepath.science.instruments import Flag

# Units offered on the form (free text is accepted; these are suggestions).
COMMON_UNITS = ("mg", "mcg", "g", "mg/24 h", "mL", "drops", "tablets")
MAX_DOSE = Decimal("99999.999")  # the column's own bound (8 digits, 3 decimals)
HISTORY_INSTRUMENT = "symptom_history"
AUGMENTATION = "possible_augmentation"


def _today() -> date:
    return timezone.localdate()


def _text(value: str | None, limit: int, what: str, *, required: bool = False) -> str:
    text = " ".join((value or "").replace("\x00", "").split())
    if required and not text:
        raise PathwayError(f"Give {what}.")
    if len(text) > limit:
        raise PathwayError(f"{what[0].upper()}{what[1:]} is at most {limit} characters.")
    return text


def _dose(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise PathwayError("Give the dose as a number, e.g. 0.25.")
    try:
        dose = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise PathwayError("Give the dose as a number, e.g. 0.25.") from None
    if not dose.is_finite():
        raise PathwayError("Give the dose as a number, e.g. 0.25.")
    if dose <= 0:
        raise PathwayError("The dose must be more than 0.")
    if dose > MAX_DOSE:
        raise PathwayError(f"The dose is at most {MAX_DOSE:f}; check the unit.")
    if dose != dose.quantize(Decimal("0.001")):
        raise PathwayError("The dose has at most three decimals.")
    return dose.quantize(Decimal("0.001"))


def _started(value: Any, what: str = "start") -> date:
    if not isinstance(value, date):
        raise PathwayError(f"Give the {what} date.")
    if value > _today():
        raise PathwayError(
            f"The {what} date {value:%b %-d, %Y} is in the future; record a medication once "
            "it is taken."
        )
    return value


def add(
    patient: Patient,
    *,
    name: str,
    dose: Any,
    unit: str,
    frequency: str = "",
    started_on: date,
    side_effects: str = "",
    by: User | None,
) -> Medication:
    name = _text(name, 120, "the medication's name", required=True)
    amount = _dose(dose)
    unit = _text(unit, 16, "the unit (mg, mcg, …)", required=True)
    frequency = _text(frequency, 80, "how often")
    start = _started(started_on)
    side_effects = _text(side_effects, 500, "the side effects")
    with transaction.atomic():
        list(Patient.objects.select_for_update().filter(pk=patient.pk))
        same = Medication.objects.filter(
            patient=patient, name__iexact=name, stopped_on__isnull=True
        ).first()
        if same is not None:
            raise PathwayError(
                f"{same} is already on the current list (since {same.started_on:%b %-d, %Y}); "
                "record a change of dose instead."
            )
        med = Medication(
            patient=patient,
            name=name,
            dose=amount,
            unit=unit,
            frequency=frequency,
            started_on=start,
            side_effects=side_effects,
            created_by=by,
        )
        authored(med, by).save()
    return med


def _still_current(med: Medication, verb: str) -> Medication:
    """The stored row, locked, refused if it was stopped (the caller is in a transaction)."""
    current = Medication.objects.select_for_update().get(pk=med.pk)
    if current.stopped_on is not None:
        raise PathwayError(
            f"{current} was already stopped on {current.stopped_on:%b %-d, %Y}; a past "
            f"record cannot be {verb}."
        )
    return current


def _end_date(med: Medication, on: Any, what: str) -> date:
    day = _started(on, what)
    if day < med.started_on:
        raise PathwayError(
            f"{med} started on {med.started_on:%b %-d, %Y}; the {what} cannot be before it."
        )
    return day


def change(
    med: Medication,
    *,
    dose: Any,
    unit: str,
    frequency: str = "",
    on: date,
    reason: str,
    by: User | None,
) -> Medication:
    """Stop ``med`` on ``on`` and start the same medication at the new dose or schedule."""
    if med.stopped_on is not None:
        raise PathwayError(
            f"{med} was already stopped on {med.stopped_on:%b %-d, %Y}; a past record "
            "cannot be changed."
        )
    amount = _dose(dose)
    unit = _text(unit, 16, "the unit (mg, mcg, …)", required=True)
    frequency = _text(frequency, 80, "how often")
    day = _end_date(med, on, "change")
    reason = _text(reason, 300, "the reason for the change", required=True)
    if amount == med.dose and unit == med.unit and frequency == med.frequency:
        raise PathwayError(
            f"The dose, unit and schedule are the same as now ({med} {med.frequency}".rstrip()
            + "): nothing to change."
        )
    with transaction.atomic():
        old = _still_current(med, "changed")
        old.stopped_on = day
        old.stop_reason = reason
        authored(old, by).save(update_fields=["stopped_on", "stop_reason"])
        new = Medication(
            patient_id=old.patient_id,
            name=old.name,
            dose=amount,
            unit=unit,
            frequency=frequency,
            started_on=day,
            replaces=old,
            created_by=by,
        )
        authored(new, by).save()
    return new


def stop(med: Medication, *, on: date, reason: str, by: User | None) -> Medication:
    if med.stopped_on is not None:
        raise PathwayError(f"{med} was already stopped on {med.stopped_on:%b %-d, %Y}.")
    day = _end_date(med, on, "stop")
    reason = _text(reason, 300, "the reason for stopping", required=True)
    with transaction.atomic():
        current = _still_current(med, "stopped again")
        current.stopped_on = day
        current.stop_reason = reason
        authored(current, by).save(update_fields=["stopped_on", "stop_reason"])
    return current


def note_side_effects(med: Medication, *, side_effects: str, by: User | None) -> Medication:
    """Add the side effects seen on a current record (what the record says stays)."""
    text = _text(side_effects, 500, "the side effects", required=True)
    with transaction.atomic():
        current = _still_current(med, "annotated")
        current.side_effects = text
        authored(current, by).save(update_fields=["side_effects"])
    return current


# -- reading -----------------------------------------------------------------------------


def dose_text(med: Medication) -> str:
    """The dose and its unit as written, e.g. "300 mg" or "0.125 mg" (never "3E+2 mg",
    which is what a normalised Decimal turns into as text)."""
    return f"{med.dose.normalize():f} {med.unit}"


@dataclass
class Row:
    """A current medication for display."""

    med: Medication
    drug: drugs.DrugClass | None
    augmentation: bool = False
    changed_from: Medication | None = None

    @property
    def dose(self) -> str:
        return dose_text(self.med)

    @property
    def was_dose(self) -> str:
        return dose_text(self.changed_from) if self.changed_from is not None else ""


@dataclass
class Chain:
    """A medication from its first record through every change, oldest first."""

    records: list[Medication]
    steps: list[str] = field(default_factory=list)

    @property
    def first(self) -> Medication:
        return self.records[0]

    @property
    def current(self) -> bool:
        return self.records[-1].stopped_on is None


def _steps(records: list[Medication]) -> list[str]:
    first = records[0]
    lines = [
        f"{first.name} {dose_text(first)}"
        + (f" {first.frequency}" if first.frequency else "")
        + f" started {first.started_on:%b %-d, %Y}"
    ]
    for prev, rec in itertools.pairwise(records):
        what = dose_text(rec)
        if prev.dose != rec.dose or prev.unit != rec.unit:
            what = f"{dose_text(prev)} → {what}"
        if prev.frequency != rec.frequency:
            what += f", {prev.frequency or 'no schedule'} → {rec.frequency or 'no schedule'}"
        lines.append(
            f"{rec.name} {what} on {rec.started_on:%b %-d, %Y}"
            + (f": {prev.stop_reason}" if prev.stop_reason else "")
        )
    last = records[-1]
    if last.stopped_on is not None:
        lines.append(
            f"Stopped {last.stopped_on:%b %-d, %Y}"
            + (f": {last.stop_reason}" if last.stop_reason else "")
        )
    return lines


def chains(patient: Patient) -> list[Chain]:
    """Every medication's chain of records, the most recently started first."""
    records = list(Medication.objects.filter(patient=patient).order_by("started_on", "id"))
    by_replaced = {m.replaces_id: m for m in records if m.replaces_id is not None}
    out: list[Chain] = []
    for root in (m for m in records if m.replaces_id is None):
        chain = [root]
        while chain[-1].pk in by_replaced:
            chain.append(by_replaced[chain[-1].pk])
        out.append(Chain(chain, _steps(chain)))
    out.sort(key=lambda c: (c.records[-1].started_on, c.records[-1].pk), reverse=True)
    return out


@dataclass
class Questionnaire:
    """The latest current symptom-history answers' flags."""

    response_id: int
    submitted_at: Any
    flags: list[Flag]

    @property
    def augmentation(self) -> Flag | None:
        return next((f for f in self.flags if f.code == AUGMENTATION), None)


def questionnaire_flags(patient: Patient) -> Questionnaire | None:
    from nervepath.assessment.models import Response

    latest = (
        Response.objects.current()
        .filter(patient=patient, instrument_id=HISTORY_INSTRUMENT)
        .order_by("-submitted_at", "-id")
        .first()
    )
    if latest is None:
        return None
    scored = latest.scored
    return Questionnaire(latest.pk, latest.submitted_at, [] if scored is None else scored.flags)


def current_rows(patient: Patient, questionnaire: Questionnaire | None) -> list[Row]:
    flagged = questionnaire is not None and questionnaire.augmentation is not None
    rows = []
    for med in (
        Medication.objects.filter(patient=patient, stopped_on__isnull=True)
        .select_related("replaces")
        .order_by("name", "-started_on")
    ):
        drug = drugs.classify(med.name)
        rows.append(
            Row(
                med=med,
                drug=drug,
                augmentation=flagged and drug is not None and drug.dopaminergic,
                changed_from=med.replaces,
            )
        )
    return rows
