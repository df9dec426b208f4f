# SPDX-License-Identifier: AGPL-3.0-or-later
"""Demo care pathways (called by ``seed_demo`` after the visits, questionnaires and
nights): patients at every stage, tied to the visits the scheduling seed placed.

- Alex Morgan (the demo patient login): a nerve block four days ago, the relief diary
  filled up to yesterday, today's day still open; pramipexole lowered once.
- Jordan Reyes: electrical stimulation, 10 sessions planned, some done, one missed.
- Casey Nguyen: pramipexole with the questionnaire's possible-augmentation flag.
- Taylor Brooks: block with seven days of relief (confirmed candidate), right leg
  decompressed with monitoring, left leg booked three weeks later, follow-ups running.
- Morgan Lee: a block with two days of relief (not a candidate), then a laser course.
- Quinn O'Connor: a nerve block booked for tomorrow.
- Robin Alvarez: the whole path, from block to the 12-month follow-up of both legs.

Rows are written directly (the dates are in the past, which the staff forms refuse for
some records); every value is one the forms accept. Invented for the demo.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from nervepath.accounts.models import Patient
from nervepath.assessment import services
from nervepath.demo import assessment as demo
from nervepath.pathway import blocks, follow_ups, tasks
from nervepath.pathway.models import (
    CourseStatus,
    Decision,
    FollowUp,
    FollowUpStatus,
    Medication,
    Modality,
    MonitoringReading,
    NerveBlock,
    ReliefEntry,
    SessionStatus,
    Surgery,
    SurgeryStatus,
    TherapyCourse,
    TherapySession,
)
from nervepath.scheduling.models import Appointment, Status

ALL_TUNNELS = ["common_peroneal", "superficial_peroneal", "tibial"]
INJECTIONS = [
    {"site": "common_peroneal", "agent": "Lidocaine 1% + dexamethasone 4 mg", "volume_ml": 2.0},
    {"site": "superficial_peroneal", "agent": "Lidocaine 1%", "volume_ml": 1.5},
    {"site": "tibial", "agent": "Lidocaine 1% + dexamethasone 4 mg", "volume_ml": 3.0},
]
# (nerve, before µV, before ms, after µV, after ms)
MONITORING_RIGHT: list[tuple[str, float, float | None, float, float | None]] = [
    ("common_peroneal", 48.0, 4.6, 131.0, 4.1),
    ("superficial_peroneal", 12.0, 3.9, 26.0, 3.6),
    ("tibial", 2100.0, 5.2, 3050.0, 4.8),
]
MONITORING_LEFT: list[tuple[str, float, float | None, float, float | None]] = [
    ("common_peroneal", 61.0, 4.4, 150.0, 4.0),
    ("superficial_peroneal", 9.0, None, 22.0, None),
    ("tibial", 1800.0, 5.5, 2400.0, 5.1),
]


def _patient(email: str) -> Patient | None:
    return Patient.objects.filter(user__email=email).select_related("user").first()


def _visits(patient: Patient, slug: str) -> list[Appointment]:
    return list(
        Appointment.objects.filter(patient=patient, appointment_type__slug=slug)
        .exclude(status=Status.CANCELLED)
        .select_related("clinician__user", "location", "appointment_type")
        .order_by("starts_at")
    )


def _block(
    patient: Patient, visit: Appointment, leg: str, relief_by_day: list[Any]
) -> NerveBlock | None:
    if visit.status != Status.COMPLETED:  # the seed placed it later than planned
        return None
    given_on = visit.local_start.date()
    block = NerveBlock.objects.create(
        patient=patient,
        appointment=visit,
        given_on=given_on,
        leg=leg,
        injections=INJECTIONS,
        given_by=visit.clinician.user,
        diary_days=settings.NERVEPATH["DIARY_DAYS"],
        created_by=visit.clinician.user,
        notes="Ultrasound-guided; no paraesthesia on injection.",
    )
    today = timezone.localdate()
    for number, value in enumerate(relief_by_day, start=1):
        day = given_on + timedelta(days=number - 1)
        if value is None or day >= today:
            continue
        ReliefEntry.objects.create(
            block=block,
            patient=patient,
            day=day,
            relief_pct=value,
            sleep_hours=Decimal("7.5") if value >= 50 else Decimal("5.0"),
            sleep_quality=8 if value >= 50 else 4,
            entered_by=patient.user,
        )
    return block


def _review(block: NerveBlock, decision: str, reason: str = "") -> None:
    blocks.review(block, decision=decision, reason=reason, by=block.given_by)


def _surgery(
    patient: Patient,
    visit: Appointment,
    leg: str,
    readings: list[tuple[str, float, float | None, float, float | None]],
    first_leg: Surgery | None = None,
) -> Surgery:
    done = visit.status == Status.COMPLETED
    surgery = Surgery.objects.create(
        patient=patient,
        leg=leg,
        appointment=visit,
        operated_on=visit.local_start.date(),
        surgeon=visit.clinician,
        location=visit.location,
        tunnels=ALL_TUNNELS,
        status=SurgeryStatus.DONE if done else SurgeryStatus.PLANNED,
        findings=(
            "Common peroneal nerve flattened under a thick fascial band at the fibular "
            "neck; soleal sling tight over the tibial nerve."
            if done
            else ""
        ),
        complications="None." if done else "",
        first_leg=first_leg,
        created_by=visit.clinician.user,
    )
    if done:
        for nerve, before, before_ms, after, after_ms in readings:
            for phase, amp, lat in (("before", before, before_ms), ("after", after, after_ms)):
                MonitoringReading.objects.create(
                    surgery=surgery,
                    patient=patient,
                    nerve=nerve,
                    phase=phase,
                    amplitude_uv=amp,
                    latency_ms=lat,
                    recorded_by=visit.clinician.user,
                )
        _follow_ups(surgery)
    return surgery


def _follow_ups(surgery: Surgery) -> None:
    """The configured follow-ups; each linked to the patient's post-op visit in its window."""
    visits = _visits(surgery.patient, settings.NERVEPATH["FOLLOW_UP_TYPE"])
    for spec in settings.NERVEPATH["FOLLOW_UPS"]:
        days, label = spec.split(":", 1)
        due = surgery.operated_on + timedelta(days=int(days))
        follow_up = FollowUp(
            surgery=surgery, patient=surgery.patient, label=label, days_after=int(days), due_on=due
        )
        start, end = follow_up.window
        match = next(
            (
                v
                for v in visits
                if start <= v.local_start.date() <= end
                and not FollowUp.objects.filter(appointment=v).exists()
            ),
            None,
        )
        if match is not None:
            follow_up.appointment = match
            follow_up.status = (
                FollowUpStatus.DONE if match.status == Status.COMPLETED else FollowUpStatus.BOOKED
            )
        if follow_up.status == FollowUpStatus.DONE:
            # Long past: its questionnaires went out before the visit (Robin's answers).
            lead = timedelta(days=settings.NERVEPATH["QUESTIONNAIRE_LEAD_DAYS"])
            follow_up.questionnaires_sent_on = due - lead
        follow_up.save()


def _medication(patient: Patient, steps: list[tuple[str, str, str, str, int, str]]) -> None:
    """A chain of records: (name, dose, unit, frequency, days ago started, why changed)."""
    today = timezone.localdate()
    previous: Medication | None = None
    for name, dose, unit, frequency, days_ago, why in steps:
        start = today - timedelta(days=days_ago)
        if previous is not None:
            previous.stopped_on = start
            previous.stop_reason = why
            previous.save(update_fields=["stopped_on", "stop_reason"])
        if name == "":  # the chain ends: the last record was stopped
            previous = None
            continue
        previous = Medication.objects.create(
            patient=patient,
            name=name,
            dose=Decimal(dose),
            unit=unit,
            frequency=frequency,
            started_on=start,
            replaces=previous if previous is not None and previous.name == name else None,
        )


def _therapy(
    patient: Patient, slug: str, modality: str, planned: int, missed: int = 0
) -> TherapyCourse | None:
    visits = _visits(patient, slug)
    if not visits:
        return None
    today = timezone.localdate()
    first = visits[0]
    course = TherapyCourse.objects.create(
        patient=patient,
        modality=modality,
        planned_sessions=planned,
        clinician=first.clinician.user,
        started_on=min(first.local_start.date(), today),
        status=CourseStatus.ACTIVE,
    )
    params = (
        {"frequency_hz": 10, "pulse_width_us": 250, "intensity_ma": 18, "minutes": 30}
        if modality == Modality.ESTIM
        else {"wavelength_nm": 810, "power_mw": 500, "dose_j_cm2": 4, "minutes": 10}
    )
    for number, visit in enumerate(visits, start=1):
        past = visit.status in (Status.COMPLETED, Status.NO_SHOW)
        is_missed = past and number == missed
        if is_missed and visit.status == Status.COMPLETED:
            visit.status = Status.NO_SHOW
            visit.save(update_fields=["status"])
        TherapySession.objects.create(
            course=course,
            patient=patient,
            number=number,
            appointment=visit,
            on_date=visit.local_start.date(),
            status=(
                SessionStatus.MISSED
                if is_missed
                else SessionStatus.DONE
                if past
                else SessionStatus.PLANNED
            ),
            parameters=params if past and not is_missed else {},
            recorded_by=visit.clinician.user if past else None,
        )
    return course


def _alex(patient: Patient) -> None:
    blocks = _visits(patient, "nerve-block")
    if blocks:
        _block(patient, blocks[0], "right", [80, 75, 70, 65])
    _medication(
        patient,
        [
            ("Pramipexole", "0.25", "mg", "at 8 pm", 240, ""),
            ("Pramipexole", "0.125", "mg", "at 8 pm", 60, "Nausea; symptoms controlled"),
        ],
    )


def _taylor(patient: Patient) -> None:
    blocks = _visits(patient, "nerve-block")
    if blocks:
        block = _block(
            patient, blocks[0], "right", [85, 80, 80, 75, 70, 70, 60, 40, 30, 20, None, 10, 10, 5]
        )
        if block is not None:
            _review(block, Decision.CANDIDATE)
    rights, lefts = _visits(patient, "surgery-right"), _visits(patient, "surgery-left")
    if rights and rights[0].status == Status.COMPLETED:
        right = _surgery(patient, rights[0], "right", MONITORING_RIGHT)
        if lefts:
            _surgery(patient, lefts[0], "left", MONITORING_LEFT, first_leg=right)
    _medication(
        patient,
        [
            ("Gabapentin", "300", "mg", "at bedtime", 200, ""),
            ("Gabapentin", "600", "mg", "at bedtime", 60, "Still waking 3-4 times a night"),
            ("", "", "", "", 5, "Symptoms much better after surgery"),
        ],
    )


def _morgan(patient: Patient) -> None:
    blocks = _visits(patient, "nerve-block")
    if blocks:
        block = _block(
            patient, blocks[0], "left", [60, 55, 40, 30, 20, 10, 10, 0, 0, 0, 0, 0, 0, 0]
        )
        if block is not None:
            _review(block, Decision.NOT_CANDIDATE)
    _therapy(patient, "laser", Modality.LASER, 8)


def _robin(patient: Patient) -> None:
    blocks = _visits(patient, "nerve-block")
    if blocks:
        block = _block(
            patient, blocks[0], "right", [90, 90, 85, 80, 80, 75, 70, 65, 40, 30, 20, 20, 10, 10]
        )
        if block is not None:
            _review(block, Decision.CANDIDATE)
    rights, lefts = _visits(patient, "surgery-right"), _visits(patient, "surgery-left")
    if rights and lefts and rights[0].status == lefts[0].status == Status.COMPLETED:
        right = _surgery(patient, rights[0], "right", MONITORING_RIGHT)
        _surgery(patient, lefts[0], "left", MONITORING_LEFT, first_leg=right)
    _medication(
        patient,
        [
            ("Ropinirole", "1", "mg", "at 7 pm", 700, ""),
            ("Ropinirole", "0.5", "mg", "at 7 pm", 440, "Augmentation: symptoms from 3 pm"),
            ("", "", "", "", 380, "Tapered off after surgery"),
        ],
    )


def _casey(patient: Patient) -> None:
    _medication(patient, [("Pramipexole", "0.5", "mg", "at 9 pm", 500, "")])


STAGES = {
    "patient@demo.nervepath.org": _alex,
    "jordan.reyes@demo.nervepath.org": lambda p: _therapy(p, "estim", Modality.ESTIM, 10, 3),
    "casey.nguyen@demo.nervepath.org": _casey,
    "taylor.brooks@demo.nervepath.org": _taylor,
    "morgan.lee@demo.nervepath.org": _morgan,
    "robin.alvarez@demo.nervepath.org": _robin,
}


def robin_questionnaires() -> int:
    """Robin's outcome questionnaires: baseline, then before each follow-up."""
    patient = _patient("robin.alvarez@demo.nervepath.org")
    if patient is None:
        return 0
    now = timezone.now()
    made = 0
    # (days ago, IRLS total, pain left/right at night, nights disturbed of 7)
    series = [(432, 31, (7, 8), 7), (385, 24, (5, 5), 5), (300, 15, (3, 3), 3),
              (210, 10, (2, 2), 2), (35, 7, (1, 1), 1)]  # fmt: skip
    for days, total, (left, right), nights in series:
        when = now - timedelta(days=days, hours=1)
        services.record_response(patient, "irls", demo.irls(total), by=patient.user, when=when)
        services.record_response(
            patient, "pain_nrs", demo.pain(left, right), by=patient.user, when=when
        )
        services.record_response(
            patient,
            "clinic_sleep",
            demo.sleep(nights, 20 + 10 * nights, nights),
            by=patient.user,
            when=when,
        )
        made += 3
    return made


@transaction.atomic
def seed() -> str:
    """Once: the demo pathways; returns a line for the log."""
    if NerveBlock.objects.exists() or Surgery.objects.exists() or Medication.objects.exists():
        return "Demo care pathways already present."
    staged = 0
    for email, stage in STAGES.items():
        patient = _patient(email)
        if patient is not None:
            stage(patient)
            staged += 1
    made = robin_questionnaires()
    # The task worker's daily runs: reminders for the open diary, and the questionnaires
    # of the follow-ups still ahead.
    made += follow_ups.send_questionnaires()  # any follow-up due within the lead days
    transaction.on_commit(tasks.enqueue_reminder_run)
    upcoming = follow_ups.next_questionnaire_day()
    if upcoming is not None:
        transaction.on_commit(lambda: tasks.enqueue_questionnaire_run(upcoming))
    return (
        f"Added care pathways for {staged} demo patients "
        f"({NerveBlock.objects.count()} blocks, {Surgery.objects.count()} surgeries, "
        f"{TherapyCourse.objects.count()} therapy courses, {made} follow-up questionnaires)."
    )
