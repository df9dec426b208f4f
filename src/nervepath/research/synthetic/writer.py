# SPDX-License-Identifier: AGPL-3.0-or-later
"""The synthetic history written as rows: the plan (``planner``) for this clinic's
clinicians and locations, turned into users, patients and their records with
``bulk_create``, 1,000 patients at a time, in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from nervepath.accounts.models import Patient, User
from nervepath.assessment.models import Response
from nervepath.assessment.services import instrument, result_json
from nervepath.pathway.models import (
    CandidacyReview,
    FollowUp,
    MonitoringReading,
    NerveBlock,
    ReliefEntry,
    Surgery,
    TherapyCourse,
    TherapySession,
)
from nervepath.research.synthetic.configured import iter_plan
from nervepath.research.synthetic.planner import (
    PlannedBlock,
    PlannedCourse,
    PlannedNight,
    PlannedPatient,
    PlannedSurgery,
    check_prefix,
)
from nervepath.scheduling.models import Clinician, Location
from nervepath.science import instruments
from nervepath.wearables.models import Analysis, Night, Recording

BATCH = 2000
PATIENTS_PER_CHUNK = 1000
ENGINE_VERSION = "synthetic"

DATED = [
    Patient, Response, NerveBlock, ReliefEntry, CandidacyReview, Surgery, MonitoringReading,
    FollowUp, TherapyCourse, Recording, Night,
]  # fmt: skip


@contextmanager
def _dated(model_list: Sequence[type[models.Model]]) -> Iterator[None]:
    """Switch off ``auto_now``/``auto_now_add`` of these models while rows are inserted
    with their own dates (restored afterwards, even on error)."""
    saved = []
    for model in model_list:
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, now_add in saved:
            f.auto_now, f.auto_now_add = now, now_add


def _scored(cache: dict[str, Any], instrument_id: str, answers: dict[str, Any]) -> tuple[Any, Any]:
    """The checked answers and the engine's result, as ``record_response`` stores them."""
    inst = cache.get(instrument_id)
    if inst is None:
        inst = cache[instrument_id] = instrument(instrument_id)
    result = instruments.score(inst, answers)
    clean, _ = instruments.validate(inst, answers)
    return clean, result_json(result)


COUNTED = (
    "users", "patients", "responses", "blocks", "relief_entries", "reviews", "surgeries",
    "readings", "follow_ups", "courses", "sessions", "recordings", "analyses", "nights",
)  # fmt: skip


def make_history(
    n_patients: int,
    *,
    seed: int,
    today: date,
    surgical_share: float = 0.15,
    responses_per_patient: float = 10,
    nights_total: int | None = None,
    prefix: str = "synthetic",
) -> dict[str, int]:
    """Write a synthetic history of ``n_patients`` new patients; returns the rows made.

    Needs the clinic's clinicians and locations (``seed_demo --no-appointments`` creates
    them). Refuses (ValueError) a prefix whose addresses are already taken."""
    prefix = check_prefix(prefix)
    clinicians = list(
        Clinician.objects.filter(active=True, user__is_active=True)
        .order_by("pk")
        .values_list("pk", "user_id")
    )
    locations = list(Location.objects.order_by("pk").values_list("pk", flat=True))
    if not clinicians or not locations:
        raise ValueError(
            "No clinician or no location: create the clinic first (seed_demo --no-appointments)."
        )
    if User.objects.filter(
        email__startswith=f"{prefix}.", email__endswith="@example.invalid"
    ).exists():
        raise ValueError(f"Patients with the prefix {prefix!r} exist already; choose another.")
    counts = dict.fromkeys(COUNTED, 0)
    patients = iter_plan(
        n_patients,
        seed=seed,
        today=today,
        surgical_share=surgical_share,
        responses_per_patient=responses_per_patient,
        nights_total=nights_total,
        prefix=prefix,
        clinicians=len(clinicians),
        locations=len(locations),
    )
    cache: dict[str, Any] = {}
    with transaction.atomic(), _dated(DATED):
        chunk: list[PlannedPatient] = []
        for p in patients:
            chunk.append(p)
            if len(chunk) == PATIENTS_PER_CHUNK:
                _write(chunk, clinicians, locations, prefix, counts, cache)
                chunk = []
        if chunk:
            _write(chunk, clinicians, locations, prefix, counts, cache)
    return counts


def _bulk(model: type[models.Model], rows: list[Any]) -> list[Any]:
    return model._default_manager.bulk_create(rows, batch_size=BATCH) if rows else []


@dataclass
class _Chunk:
    """Up to ``PATIENTS_PER_CHUNK`` planned patients, with the rows written so far."""

    plans: list[PlannedPatient]
    clinicians: list[tuple[int, int]]  # (clinician pk, user pk), as the plan indexes them
    locations: list[int]
    prefix: str
    counts: dict[str, int]
    cache: dict[str, Any]  # instruments by id
    users: list[User]
    patients: list[Patient]


def _write(
    plans: list[PlannedPatient],
    clinicians: list[tuple[int, int]],
    locations: list[int],
    prefix: str,
    counts: dict[str, int],
    cache: dict[str, Any],
) -> None:
    chunk = _Chunk(plans, clinicians, locations, prefix, counts, cache, [], [])
    _write_people(chunk)
    _write_responses(chunk)
    _write_blocks(chunk)
    _write_surgeries(chunk)
    _write_courses(chunk)
    _write_nights(chunk)


def _write_people(c: _Chunk) -> None:
    unusable = make_password(None)
    c.users = _bulk(
        User,
        [
            User(
                email=p.email,
                first_name=p.first_name,
                last_name=p.last_name,
                role="patient",
                password=unusable,
                is_staff=False,
                is_active=True,
                date_joined=p.joined,
            )
            for p in c.plans
        ],
    )
    c.patients = _bulk(
        Patient,
        [
            Patient(user=u, date_of_birth=p.date_of_birth, sex=p.sex, created_at=p.joined)
            for p, u in zip(c.plans, c.users, strict=True)
        ],
    )
    c.counts["users"] += len(c.users)
    c.counts["patients"] += len(c.patients)


def _write_responses(c: _Chunk) -> None:
    responses = []
    for p, patient, user in zip(c.plans, c.patients, c.users, strict=True):
        for r in p.responses:
            answers, result = _scored(c.cache, r.instrument_id, r.answers)
            responses.append(
                Response(
                    patient=patient,
                    instrument_id=r.instrument_id,
                    instrument_version=result["version"],
                    answers=answers,
                    result=result,
                    status="submitted",
                    created_at=r.at,
                    updated_at=r.at,
                    submitted_at=r.at,
                    submitted_by=user,
                )
            )
    c.counts["responses"] += len(_bulk(Response, responses))


def _write_blocks(c: _Chunk) -> None:
    """Blocks, then their diaries and reviews."""
    block_rows, block_plans = [], []
    for p, patient in zip(c.plans, c.patients, strict=True):
        for b in p.blocks:
            by = c.clinicians[b.given_by][1]
            block_rows.append(
                NerveBlock(
                    patient=patient,
                    given_on=b.given_on,
                    leg=b.leg,
                    injections=b.injections,
                    given_by_id=by,
                    notes="",
                    diary_days=b.diary_days,
                    created_at=_noon(b.given_on),
                    created_by_id=by,
                )
            )
            block_plans.append(b)
    blocks = _bulk(NerveBlock, block_rows)
    c.counts["blocks"] += len(blocks)
    _write_diaries(c, blocks, block_plans)


def _write_diaries(c: _Chunk, blocks: list[NerveBlock], plans: list[PlannedBlock]) -> None:
    entries, reviews = [], []
    for block, b in zip(blocks, plans, strict=True):
        for d in b.diary:
            entries.append(
                ReliefEntry(
                    block=block,
                    patient_id=block.patient_id,
                    day=d.day,
                    relief_pct=d.relief_pct,
                    sleep_hours=d.sleep_hours,
                    sleep_quality=d.sleep_quality,
                    entered_at=_noon(d.day + timedelta(days=1)),
                    entered_by_id=block.patient.user_id,
                )
            )
        if b.decision is not None and b.computed is not None:
            reviews.append(
                CandidacyReview(
                    block=block,
                    patient_id=block.patient_id,
                    computed=b.computed,
                    relief_days=b.relief_days,
                    decision=b.decision,
                    reason=b.reason,
                    decided_by_id=block.given_by_id,
                    decided_at=_noon(b.given_on + timedelta(days=len(b.diary) + 1)),
                )
            )
    c.counts["relief_entries"] += len(_bulk(ReliefEntry, entries))
    c.counts["reviews"] += len(_bulk(CandidacyReview, reviews))


def _write_surgeries(c: _Chunk) -> None:
    """First legs, then second legs pointing at them; then readings and follow-ups."""
    firsts: list[tuple[Surgery, PlannedSurgery]] = []
    seconds: list[tuple[Surgery, PlannedSurgery]] = []
    for p, patient in zip(c.plans, c.patients, strict=True):
        for k, s in enumerate(p.surgeries):
            surgeon_pk, surgeon_user = c.clinicians[s.surgeon]
            row = Surgery(
                patient=patient,
                leg=s.leg,
                operated_on=s.operated_on,
                surgeon_id=surgeon_pk,
                location_id=c.locations[s.location],
                tunnels=s.tunnels,
                status="done",
                findings=s.findings,
                created_at=_noon(s.operated_on - timedelta(days=14)),
                created_by_id=surgeon_user,
            )
            (firsts if k == 0 else seconds).append((row, s))
    _bulk(Surgery, [row for row, _ in firsts])
    first_of = {row.patient_id: row for row, _ in firsts}
    for row, _ in seconds:
        row.first_leg = first_of[row.patient_id]
    _bulk(Surgery, [row for row, _ in seconds])
    c.counts["surgeries"] += len(firsts) + len(seconds)
    _write_readings_and_follow_ups(c, firsts + seconds)


def _write_readings_and_follow_ups(
    c: _Chunk, surgeries: list[tuple[Surgery, PlannedSurgery]]
) -> None:
    readings, follow_ups = [], []
    for row, s in surgeries:
        for rd in s.readings:
            readings.append(
                MonitoringReading(
                    surgery=row,
                    patient_id=row.patient_id,
                    nerve=rd.nerve,
                    phase=rd.phase,
                    amplitude_uv=rd.amplitude_uv,
                    latency_ms=rd.latency_ms,
                    recorded_at=_noon(s.operated_on),
                    recorded_by_id=row.created_by_id,
                )
            )
        for f in s.follow_ups:
            follow_ups.append(
                FollowUp(
                    surgery=row,
                    patient_id=row.patient_id,
                    label=f.label,
                    days_after=f.days_after,
                    due_on=f.due_on,
                    status=f.status,
                    created_at=_noon(s.operated_on),
                )
            )
    c.counts["readings"] += len(_bulk(MonitoringReading, readings))
    c.counts["follow_ups"] += len(_bulk(FollowUp, follow_ups))


def _write_courses(c: _Chunk) -> None:
    """Therapy courses and their sessions."""
    course_rows: list[TherapyCourse] = []
    course_plans: list[PlannedCourse] = []
    for p, patient in zip(c.plans, c.patients, strict=True):
        for plan in p.courses:
            course_rows.append(
                TherapyCourse(
                    patient=patient,
                    modality=plan.modality,
                    planned_sessions=plan.planned_sessions,
                    clinician_id=c.clinicians[plan.clinician][1],
                    started_on=plan.started_on,
                    ended_on=plan.ended_on,
                    status=plan.status,
                    improvement_pct=plan.improvement_pct,
                    created_at=_noon(plan.started_on - timedelta(days=7)),
                )
            )
            course_plans.append(plan)
    courses = _bulk(TherapyCourse, course_rows)
    c.counts["courses"] += len(courses)
    sessions = [
        TherapySession(
            course=course,
            patient_id=course.patient_id,
            number=s.number,
            on_date=s.on_date,
            status=s.status,
            parameters=s.parameters,
            recorded_by_id=course.clinician_id if s.status != "planned" else None,
        )
        for course, plan in zip(courses, course_plans, strict=True)
        for s in plan.sessions
    ]
    c.counts["sessions"] += len(_bulk(TherapySession, sessions))


def _write_nights(c: _Chunk) -> None:
    """One recording (analysed) per patient who wore the device, and its nights."""
    wearers = [(p, patient) for p, patient in zip(c.plans, c.patients, strict=True) if p.nights]
    recordings = _bulk(
        Recording,
        [
            Recording(
                patient=patient,
                uploaded_by_id=patient.user_id,
                original_name=f"nights-{p.number}.csv",
                storage_name=f"synthetic/{c.prefix}/{p.number}.csv",
                size=8_000_000 * len(p.nights),
                sha256=hashlib.sha256(f"{c.prefix}/{p.number}".encode()).hexdigest(),
                file_format="csv",
                uploaded_at=_noon(p.nights[-1].night_of + timedelta(days=1)),
            )
            for p, patient in wearers
        ],
    )
    c.counts["recordings"] += len(recordings)
    analyses = [
        Analysis(
            recording=rec,
            state="done",
            attempts=1,
            queued_at=rec.uploaded_at,
            started_at=rec.uploaded_at,
            finished_at=rec.uploaded_at + timedelta(minutes=2),
            engine_version=ENGINE_VERSION,
        )
        for rec in recordings
    ]
    c.counts["analyses"] += len(_bulk(Analysis, analyses))
    nights = []
    for (p, patient), rec in zip(wearers, recordings, strict=True):
        for n in p.nights:
            end = n.sleep_start + timedelta(hours=n.total_sleep_h + 0.5)
            nights.append(
                Night(
                    recording=rec,
                    patient=patient,
                    night_of=n.night_of,
                    plms_index=n.plms_index,
                    movements_per_hour=n.movements_per_hour,
                    moves_every_min=n.moves_every_min,
                    sleep_window_start=n.sleep_start,
                    sleep_window_end=end,
                    total_sleep_h=n.total_sleep_h,
                    report=_report(rec.original_name, n, end),
                    engine_version=ENGINE_VERSION,
                    created_at=rec.uploaded_at,
                )
            )
    c.counts["nights"] += len(_bulk(Night, nights))


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _report(name: str, n: PlannedNight, end: datetime) -> dict[str, Any]:
    """A short NightReport-shaped summary (the fields the night page and PDF read)."""
    start_clock = n.sleep_start.replace(tzinfo=None).isoformat(timespec="seconds")
    end_clock = end.replace(tzinfo=None).isoformat(timespec="seconds")
    window_h = round(n.total_sleep_h + 0.5, 2)
    return {
        "file": name,
        "device": "synthetic",
        "signal": "accelerometer",
        "rules": "synthetic (no signal analysed)",
        "recording_start": start_clock,
        "sleep_window_start": start_clock,
        "sleep_window_end": end_clock,
        "sleep_window_h": window_h,
        "sleep_h": n.total_sleep_h,
        "n_leg_movements": round(n.movements_per_hour * window_h),
        "n_plms": round(n.plms_index * n.total_sleep_h),
        "plms_index": n.plms_index,
        "movements_per_hour": n.movements_per_hour,
        "moves_every_min": n.moves_every_min,
        "notes": ["Synthetic night for research demonstration; no recording was analysed."],
    }
