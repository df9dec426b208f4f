# SPDX-License-Identifier: AGPL-3.0-or-later
"""A synthetic clinic history for outcomes research: the demo seed and the benchmark.

``make_history(n, seed=..., today=...)`` invents ``n`` patients with a plausible path
through the clinic and writes them through the real models with ``bulk_create``:

- every patient: a user (role patient, unusable password, ``<prefix>.<n>@example.invalid``),
  a ``Patient`` (age at the index procedure 25-95, a few over 89; sex about 60/38/1/1 %
  female/male/other/not recorded) and the intake questionnaires (``symptom_history`` with
  diabetes in about 30 %, ``rls_diagnosis``, ``mnsi``);
- the surgical share: a diagnostic nerve block 30-60 days before surgery with its 14-day
  relief diary and the clinician's ``CandidacyReview`` (the computed verdict is the real
  one, ``science.nerves.relief``), decompression of one or both legs (the second three to
  four weeks later) with intraoperative monitoring per nerve released, the configured
  follow-ups (``pathway.surgery.follow_up_plan``) and the outcome questionnaires (``irls``,
  ``pain_nrs``, ``clinic_sleep``) at baseline and around each follow-up that was attended;
  about 85 % respond (less often and less in diabetics), about 10 % relapse at 6-12 months;
- the others: questionnaires only, a block that did not make them candidates, or a
  therapy course with its sessions;
- nights (``wearables.Night``, one synthetic ``Recording`` with a done ``Analysis`` per
  patient with nights) before and after surgery for a subset of the surgical patients.

Every questionnaire result is the engine's own score of the generated answers
(``science.instruments``; stored as ``assessment.services.record_response`` stores it).
The generation is a pure function, :func:`plan`, of its arguments (one
``random.Random(seed)``, no database): the same seed gives the same history. Writing
(:func:`make_history`) adds only new rows, in one transaction, and refuses a prefix whose
addresses already exist.

Known shortcuts, acceptable for synthetic data:

- ``bulk_create`` writes no django-simple-history rows, so the synthetic records have no
  change history. ``bulk_create_with_history`` was measured at 1.8 times the time (2,000
  patients: 6.7 s against 11.9 s on SQLite) and would date every history row today.
- Speed: 20,000 patients (about 200,000 responses, 50,000 nights) take about 80 s on
  SQLite, about 200 MB of memory (patients are planned and written 1,000 at a time).
- Rows carry the dates they would have had (``created_at``, ``submitted_at``, ...): the
  ``auto_now``/``auto_now_add`` fields of the models written are switched off while the
  rows are inserted (:func:`_dated`), in this process, for the length of the call. A
  submitted ``Response`` can be neither updated nor deleted, so this is the only way to
  date one in the past.
- Recordings point at no stored file (``storage_name`` ``synthetic/...``): their nights
  have no figure or CSV, and re-analysing such a recording fails.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
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
    Modality,
    MonitoringReading,
    NerveBlock,
    ReliefEntry,
    Surgery,
    TherapyCourse,
    TherapySession,
)
from nervepath.pathway.surgery import follow_up_plan
from nervepath.scheduling.models import Clinician, Location
from nervepath.science import instruments
from nervepath.science.nerves.relief import CandidateRule, Verdict, summarise
from nervepath.wearables.models import Analysis, Night, Recording

NERVES = ("common_peroneal", "superficial_peroneal", "tibial")
OUTCOMES = ("irls", "pain_nrs", "clinic_sleep")
INTAKE = ("symptom_history", "rls_diagnosis", "mnsi")
BATCH = 2000
PATIENTS_PER_CHUNK = 1000
NIGHTS_EACH = 18  # nights per patient with a device, on average
ENGINE_VERSION = "synthetic"
PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

FIRST_NAMES = (
    "Avery", "Blake", "Carmen", "Dana", "Elliot", "Frances", "Gale", "Harper", "Imani",
    "Jules", "Kendall", "Lane", "Marlow", "Noor", "Oakley", "Parker", "Quincy", "Rowan",
    "Sasha", "Tatum", "Uma", "Vesna", "Wren", "Yael", "Zuri",
)  # fmt: skip
LAST_NAMES = (
    "Ashgrove", "Brindle", "Copperfield", "Dunmore", "Elmsworth", "Fairweather", "Glenholm",
    "Hartwell", "Ironside", "Juniper", "Kestrel", "Larkspur", "Merriweather", "Northcott",
    "Oakhurst", "Pennywhistle", "Quarrie", "Rushmere", "Silverlake", "Thornbury",
)  # fmt: skip
AGENTS = ("Lidocaine 1%", "Lidocaine 1% + dexamethasone 4 mg", "Bupivacaine 0.25%")
# Typical amplitude before release (µV, low, high) and latency (ms) per nerve.
AMPLITUDE = {
    "common_peroneal": (25.0, 90.0, 4.6),
    "superficial_peroneal": (6.0, 22.0, 3.9),
    "tibial": (1200.0, 3200.0, 5.2),
}
THERAPY_PARAMETERS = {
    "estim": {"frequency_hz": 10, "pulse_width_us": 250, "intensity_ma": 20, "minutes": 30},
    "laser": {"wavelength_nm": 810, "power_mw": 500, "dose_j_cm2": 4},
}


# ---------------------------------------------------------------- the plan (pure)
# Choice values are written as the stored strings ("done", "before", ...): the models'
# TextChoices members read as tuples to mypy without Django's stubs.


@dataclass(frozen=True)
class PlannedResponse:
    instrument_id: str
    answers: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class PlannedReliefDay:
    day: date
    relief_pct: int
    sleep_hours: Decimal
    sleep_quality: int | None


@dataclass(frozen=True)
class PlannedBlock:
    given_on: date
    leg: str
    injections: list[dict[str, Any]]
    given_by: int  # index into the clinicians
    diary_days: int
    diary: list[PlannedReliefDay]
    computed: str | None  # the diary's verdict; None: no review
    relief_days: int
    decision: str | None
    reason: str


@dataclass(frozen=True)
class PlannedReading:
    nerve: str
    phase: str
    amplitude_uv: float
    latency_ms: float | None


@dataclass(frozen=True)
class PlannedFollowUp:
    days_after: int
    label: str
    due_on: date
    status: str


@dataclass(frozen=True)
class PlannedSurgery:
    leg: str
    operated_on: date
    tunnels: list[str]
    surgeon: int  # index into the clinicians
    location: int  # index into the locations
    readings: list[PlannedReading]
    follow_ups: list[PlannedFollowUp]
    findings: str


@dataclass(frozen=True)
class PlannedSession:
    number: int
    on_date: date
    status: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class PlannedCourse:
    modality: str
    planned_sessions: int
    clinician: int
    started_on: date
    ended_on: date | None
    status: str
    improvement_pct: int | None
    sessions: list[PlannedSession]


@dataclass(frozen=True)
class PlannedNight:
    night_of: date
    plms_index: float
    movements_per_hour: float
    moves_every_min: float
    total_sleep_h: float
    sleep_start: datetime


@dataclass
class PlannedPatient:
    number: int
    first_name: str
    last_name: str
    email: str
    date_of_birth: date
    sex: str
    diabetes: bool
    kind: str  # "surgery", "block", "therapy", "questionnaires"
    index_date: date
    joined: datetime
    responses: list[PlannedResponse] = field(default_factory=list)
    blocks: list[PlannedBlock] = field(default_factory=list)
    surgeries: list[PlannedSurgery] = field(default_factory=list)  # the first leg first
    courses: list[PlannedCourse] = field(default_factory=list)
    nights: list[PlannedNight] = field(default_factory=list)


@dataclass(frozen=True)
class _Sketch:
    """What the first pass decides for each patient (so budgets can be shared out)."""

    kind: str
    index_date: date
    nights: int = 0


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _at(day: date, rng: random.Random, zone: ZoneInfo) -> datetime:
    """A time in clinic hours on ``day`` (local), so its UTC date is the same day."""
    local = datetime.combine(day, time(9, 0), tzinfo=zone) + timedelta(
        minutes=rng.randint(0, 7 * 60)
    )
    return local.astimezone(UTC)


def _born(index: date, age: int, rng: random.Random) -> date:
    """A birthday that makes the patient ``age`` on ``index``."""
    try:
        anniversary = index.replace(year=index.year - age)
    except ValueError:  # 29 February
        anniversary = index.replace(year=index.year - age, day=28)
    return anniversary - timedelta(days=rng.randint(0, 364))


def _spread(total: int, rng: random.Random, n: int, high: int) -> list[int]:
    """``total`` units over ``n`` items of 0..high, at random."""
    values = [0] * n
    total = int(_clip(total, 0, n * high))
    open_ = list(range(n))
    for _ in range(total):
        k = rng.randrange(len(open_))
        values[open_[k]] += 1
        if values[open_[k]] == high:
            open_.pop(k)
    return values


# -- questionnaires


def _symptom_history(rng: random.Random, diabetic: bool, age: int) -> dict[str, Any]:
    meds_all = ["ropinirole", "pramipexole", "rotigotine", "gabapentin", "pregabalin"]
    meds_all += ["opioid", "iron", "other"]
    meds = sorted(rng.sample(meds_all, rng.choice([0, 0, 1, 1, 1, 2, 3])), key=meds_all.index)
    sites_all = ["lower_legs", "feet", "above_knee", "back", "arms"]
    weights = [0.9, 0.6, 0.2, 0.08, 0.08]
    sites = [s for s, w in zip(sites_all, weights, strict=True) if rng.random() < w]
    sites = sites or ["lower_legs"]
    answers: dict[str, Any] = {}
    if rng.random() < 0.7:
        answers["onset_age"] = rng.randint(max(10, age - 40), max(10, age - 1))
    answers["family_history"] = rng.choices(["yes", "no", "unsure"], [0.4, 0.45, 0.15])[0]
    answers["diabetes"] = "yes" if diabetic else "no"
    if diabetic:
        answers["diabetes_type"] = rng.choices(
            ["type1", "type2", "other", "unsure"], [1, 8, 0.5, 0.5]
        )[0]
        if rng.random() < 0.5:
            answers["hba1c"] = round(rng.uniform(5.8, 10.5), 1)
    answers["caffeine_cups"] = rng.choice([0, 1, 1, 2, 2, 3, 4, 6])
    answers["alcohol_drinks"] = rng.choice([0, 0, 1, 2, 4, 7, 10, 14])
    answers["medications"] = meds
    answers["symptom_sites"] = sites
    answers["main_site"] = rng.choice(sites)
    for item in ("progressive_weakness", "slurred_speech", "swallowing_difficulty"):
        answers[item] = "yes" if rng.random() < 0.01 else "no"
    if set(meds) & {"ropinirole", "pramipexole", "rotigotine"}:
        for item in ("aug_earlier_onset", "aug_spread_arms", "aug_shorter_relief"):
            answers[item] = "yes" if rng.random() < 0.2 else "no"
    if rng.random() < 0.5:
        answers["ferritin"] = round(rng.lognormvariate(math.log(90), 0.6), 1)
    return answers


def _rls_diagnosis(rng: random.Random) -> dict[str, Any]:
    items = ["urge_to_move", "worse_at_rest", "relieved_by_movement", "evening_night"]
    items.append("not_other_condition")
    answers: dict[str, Any] = dict.fromkeys(items, "yes")
    if rng.random() < 0.12:
        for item in rng.sample(items, rng.choice([1, 1, 2])):
            answers[item] = "no"
        return answers
    answers["course"] = rng.choices(["chronic_persistent", "intermittent"], [0.8, 0.2])[0]
    answers["clinically_significant"] = "yes" if rng.random() < 0.95 else "no"
    return answers


def _mnsi(rng: random.Random, diabetic: bool) -> dict[str, Any]:
    scored = ["q1", "q2", "q3", "q5", "q6", "q7", "q8", "q9", "q11", "q12", "q13", "q14", "q15"]
    positive = rng.random() < (0.55 if diabetic else 0.15)
    points = rng.randint(7, 11) if positive else rng.randint(0, 6)
    abnormal = set(rng.sample(scored, points))
    answers: dict[str, Any] = {}
    for k in range(1, 16):
        item = f"q{k}"
        if item in ("q4", "q10"):
            answers[item] = "yes" if rng.random() < 0.3 else "no"
        elif item in ("q7", "q13"):  # a "no" scores
            answers[item] = "no" if item in abnormal else "yes"
        else:
            answers[item] = "yes" if item in abnormal else "no"
    if not diabetic:
        answers["q9"] = "no"  # no diabetic neuropathy without diabetes
    return answers


@dataclass(frozen=True)
class _Course:
    """An outcome trajectory: a fraction of the baseline left on each day after day 0."""

    gain: float  # the lasting improvement, 0..1 of the baseline
    relapse_day: int | None  # the day symptoms came back, if they did

    def factor(self, day: int) -> float:
        if day <= 0:
            return 1.0
        reached = min(1.0, 0.55 + 0.45 * day / 91)
        left = 1.0 - self.gain * reached
        if self.relapse_day is not None and day >= self.relapse_day:
            left = max(left, 0.85)
        return left


def _irls(rng: random.Random, total: float) -> dict[str, Any]:
    values = _spread(round(_clip(total, 0, 40)), rng, 10, 4)
    return {f"q{k + 1}": v for k, v in enumerate(values)}


def _pain(rng: random.Random, level: float, legs: Sequence[float]) -> dict[str, Any]:
    """``level``: the worse leg's pain; ``legs``: the left and right share of it."""

    def one(x: float) -> int:
        return int(_clip(round(x + rng.gauss(0, 0.7)), 0, 10))

    left, right = level * legs[0], level * legs[1]
    return {
        "now_left": one(left - 1),
        "now_right": one(right - 1),
        "night_left": one(left),
        "night_right": one(right),
    }


def _sleep(rng: random.Random, factor: float, base: tuple[int, int, int]) -> dict[str, Any]:
    nights, minutes, wakes = base
    return {
        "nights_disturbed": int(_clip(round(nights * factor + rng.gauss(0, 0.6)), 0, 7)),
        "minutes_to_sleep": int(_clip(round(minutes * (0.4 + 0.6 * factor)), 5, 600)),
        "awakenings": int(_clip(round(wakes * (0.5 + 0.5 * factor) + rng.gauss(0, 0.5)), 0, 30)),
    }


class _Outcomes:
    """One patient's baseline and trajectory of the three outcome questionnaires."""

    def __init__(self, rng: random.Random, course: _Course, legs: Sequence[str]) -> None:
        self.rng = rng
        self.course = course
        self.irls = _clip(rng.gauss(27.5, 4.5), 14, 40)
        self.pain = _clip(rng.gauss(6.8, 1.4), 3, 10)
        both = len(legs) == 2 or rng.random() < 0.5
        side = (1.0, 1.0) if both else ((1.0, 0.5) if legs[0] == "left" else (0.5, 1.0))
        self.sides = side
        self.sleep = (rng.randint(3, 7), rng.randint(20, 120), rng.randint(2, 6))

    def answers(self, day: int) -> dict[str, dict[str, Any]]:
        f = self.course.factor(day)
        noise = self.rng.gauss(0, 2.0)
        return {
            "irls": _irls(self.rng, self.irls * f + noise),
            "pain_nrs": _pain(self.rng, self.pain * f, self.sides),
            "clinic_sleep": _sleep(self.rng, f, self.sleep),
        }


# -- the pathway


def _relief_diary(
    rng: random.Random, given_on: date, days: int, good: bool
) -> list[PlannedReliefDay]:
    run_start = rng.randint(1, 3)
    run = rng.randint(6, 11) if good else rng.randint(0, 3)
    diary = []
    for n in range(1, days + 1):
        if rng.random() < 0.05 and not good:
            continue  # a day not filled
        if good and run_start <= n < run_start + run:
            relief = rng.randint(55, 95)
        else:
            relief = rng.randint(0, 45)
        hours = Decimal(str(round(_clip(rng.gauss(6.5 if relief >= 50 else 5.2, 1.0), 2, 10), 1)))
        quality = None if rng.random() < 0.1 else int(_clip(round(relief / 12 + 1), 0, 10))
        diary.append(PlannedReliefDay(given_on + timedelta(days=n - 1), relief, hours, quality))
    return diary


def _block(
    rng: random.Random,
    given_on: date,
    leg: str,
    sites: Sequence[str],
    good: bool,
    clinicians: int,
    rule: CandidateRule,
    reviewed: bool,
    operated: bool,
) -> PlannedBlock:
    """A block and its diary (``good``: lasting relief). The review confirms the diary's
    verdict, except that an operated patient was judged a candidate (an override with a
    reason when the diary said otherwise) and an undecided diary of a patient who was not
    operated on was judged not a candidate."""
    injections = [
        {"site": s, "agent": rng.choice(AGENTS), "volume_ml": rng.choice([1.0, 1.5, 2.0, 3.0])}
        for s in sites
    ]
    diary = _relief_diary(rng, given_on, rule.length, good)
    summary = summarise({(d.day - given_on).days + 1: float(d.relief_pct) for d in diary}, rule)
    computed = summary.verdict.value
    decision: str | None = None
    reason = ""
    if reviewed:
        if operated or computed == Verdict.CANDIDATE:
            decision = "candidate"
        else:
            decision = "not_candidate"
        if computed != decision:
            reason = (
                "Relief was clear on the days recorded; examination supports decompression."
                if decision == "candidate"
                else "Too little relief recorded to recommend surgery."
            )
    return PlannedBlock(
        given_on=given_on,
        leg=leg,
        injections=injections,
        given_by=rng.randrange(clinicians),
        diary_days=rule.length,
        diary=diary,
        computed=computed if reviewed else None,
        relief_days=summary.meaningful_days,
        decision=decision,
        reason=reason,
    )


def _tunnels(rng: random.Random) -> list[str]:
    size = rng.choices([3, 2, 1], [0.5, 0.3, 0.2])[0]
    chosen = set(rng.sample(NERVES, size))
    return [n for n in NERVES if n in chosen]


def _readings(rng: random.Random, tunnels: Sequence[str], diabetic: bool) -> list[PlannedReading]:
    out = []
    for nerve in tunnels:
        low, high, latency = AMPLITUDE[nerve]
        before = rng.uniform(low, high) * (0.7 if diabetic else 1.0)
        if rng.random() < 0.07:
            gain = rng.uniform(-0.1, 0.3)  # little change
        else:
            gain = rng.uniform(0.3, 1.2) if diabetic else rng.uniform(0.5, 3.0)
        after = before * (1 + gain)
        lat_before = latency * rng.uniform(0.9, 1.25) if rng.random() < 0.8 else None
        lat_after = lat_before * rng.uniform(0.85, 0.98) if lat_before is not None else None
        out.append(PlannedReading(nerve, "before", round(before, 1), _round(lat_before)))
        out.append(PlannedReading(nerve, "after", round(after, 1), _round(lat_after)))
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _follow_ups(
    rng: random.Random, operated_on: date, today: date, schedule: Sequence[tuple[int, str]]
) -> list[PlannedFollowUp]:
    out = []
    for days, label in schedule:
        due = operated_on + timedelta(days=days)
        if due >= today:
            status = "to_book"
        elif rng.random() < 0.85:
            status = "done"
        else:
            status = rng.choice(["cancelled", "to_book"])
        out.append(PlannedFollowUp(days, label, due, status))
    return out


def _nights(
    rng: random.Random, count: int, surgery: date, today: date, course: _Course, zone: ZoneInfo
) -> list[PlannedNight]:
    """``count`` nights, about 45 % in the four months before ``surgery`` and the rest after
    it (none from today on); PLMS fall after surgery as the questionnaires do."""
    after_days = [
        surgery + timedelta(days=d) for d in range(14, 400) if surgery + timedelta(days=d) < today
    ]
    n_after = min(len(after_days), count - round(count * 0.45))
    n_before = count - n_after
    before_days = [surgery - timedelta(days=d) for d in range(1, max(120, n_before + 1) + 1)]
    days = sorted(rng.sample(before_days, n_before) + rng.sample(after_days, n_after))
    baseline = _clip(rng.lognormvariate(math.log(28), 0.5), 6, 120)
    out = []
    for day in days:
        level = baseline * course.factor((day - surgery).days) * rng.uniform(0.8, 1.2)
        plms = round(level, 1)
        per_hour = round(level * rng.uniform(1.2, 1.6) + rng.uniform(1, 5), 1)
        start = datetime.combine(day, time(22, 0), tzinfo=zone) + timedelta(
            minutes=rng.randint(0, 120)
        )
        out.append(
            PlannedNight(
                night_of=day,
                plms_index=plms,
                movements_per_hour=per_hour,
                moves_every_min=round(60 / per_hour, 2),
                total_sleep_h=round(rng.uniform(5.0, 8.0), 2),
                sleep_start=start,
            )
        )
    return out


def _course(rng: random.Random, started_on: date, today: date, clinicians: int) -> PlannedCourse:
    modality = rng.choice(Modality.values)
    planned = rng.choice([6, 8, 10, 12, 16, 20])
    stops_at = rng.randint(2, planned - 1) if rng.random() < 0.1 else None
    sessions = []
    day = started_on
    for number in range(1, planned + 1):
        if stops_at is not None and number > stops_at:
            break
        if day >= today:
            status = "planned"
        else:
            status = "missed" if rng.random() < 0.06 else "done"
        params: dict[str, Any] = {}
        if status == "done":
            if modality in ("estim", "both"):
                params.update(THERAPY_PARAMETERS["estim"])
            if modality in ("laser", "both"):
                params.update(THERAPY_PARAMETERS["laser"])
        sessions.append(PlannedSession(number, day, status, params))
        day += timedelta(days=rng.choice([3, 4]))
    last = sessions[-1].on_date
    if stops_at is not None and last < today:
        status, ended, improvement = "stopped", last, rng.randint(-20, 20)
    elif last < today:
        status, ended, improvement = "completed", last, rng.randint(-10, 60)
    else:
        status, ended, improvement = "active", None, None
    return PlannedCourse(
        modality=modality,
        planned_sessions=planned,
        clinician=rng.randrange(clinicians),
        started_on=started_on,
        ended_on=ended,
        status=status,
        improvement_pct=improvement,
        sessions=sessions,
    )


# -- the whole history


def _sketches(
    n: int, rng: random.Random, today: date, surgical_share: float, nights_total: int
) -> list[_Sketch]:
    """Kinds and index days of every patient, and who wears a device for how many nights."""
    sketches = []
    for _ in range(n):
        if rng.random() < surgical_share:
            kind = "surgery"
            index = today - timedelta(days=rng.randint(10, 5 * 365))
        else:
            kind = rng.choices(["questionnaires", "block", "therapy"], [0.5, 0.25, 0.25])[0]
            index = today - timedelta(days=rng.randint(20, 5 * 365))
        sketches.append(_Sketch(kind, index))
    surgical = [k for k, s in enumerate(sketches) if s.kind == "surgery"]
    if not surgical or nights_total <= 0:
        return sketches
    settled = [k for k in surgical if (today - sketches[k].index_date).days >= 60]
    pool = settled if settled else surgical
    wearers = sorted(rng.sample(pool, min(len(pool), max(1, round(nights_total / NIGHTS_EACH)))))
    each, extra = divmod(nights_total, len(wearers))
    for j, k in enumerate(wearers):
        count = each + (1 if j < extra else 0)
        sketches[k] = _Sketch("surgery", sketches[k].index_date, count)
    return sketches


def _expected_surgical_responses(sketch: _Sketch, today: date, schedule: Any) -> float:
    past = sum(1 for days, _ in schedule if (today - sketch.index_date).days > days + 3)
    return len(INTAKE) + len(OUTCOMES) + len(OUTCOMES) * 0.85 * past


def iter_plan(
    n_patients: int,
    *,
    seed: int,
    today: date,
    surgical_share: float = 0.15,
    responses_per_patient: float = 10,
    nights_total: int | None = None,
    prefix: str = "synthetic",
    clinicians: int = 3,
    locations: int = 2,
    schedule: Sequence[tuple[int, str]] | None = None,
    rule: CandidateRule | None = None,
) -> Iterator[PlannedPatient]:
    """The patients of :func:`plan`, one at a time (the same sequence, less memory)."""
    if n_patients < 0:
        raise ValueError("n_patients must not be negative.")
    if not 0 <= surgical_share <= 1:
        raise ValueError("surgical_share is a fraction from 0 to 1.")
    if clinicians < 1 or locations < 1:
        raise ValueError("At least one clinician and one location are needed.")
    prefix = _check_prefix(prefix)
    schedule = list(schedule if schedule is not None else follow_up_plan())
    rule = rule or CandidateRule(
        threshold=float(settings.NERVEPATH["RELIEF_THRESHOLD"]),
        min_days=min(settings.NERVEPATH["CANDIDATE_MIN_DAYS"], settings.NERVEPATH["DIARY_DAYS"]),
        length=settings.NERVEPATH["DIARY_DAYS"],
    )
    zone = ZoneInfo(settings.TIME_ZONE)
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    total_nights = round(2.5 * n_patients) if nights_total is None else nights_total
    sketches = _sketches(n_patients, rng, today, surgical_share, total_nights)
    surgical = sum(
        _expected_surgical_responses(s, today, schedule) for s in sketches if s.kind == "surgery"
    )
    others = sum(1 for s in sketches if s.kind != "surgery")
    budget = responses_per_patient * n_patients
    per_other = max(len(INTAKE), (budget - surgical) / others) if others else 0.0
    made = 0.0  # responses so far
    expected = 0.0  # responses the budget expects so far
    for number, sketch in enumerate(sketches, start=1):
        if sketch.kind == "surgery":
            expected += _expected_surgical_responses(sketch, today, schedule)
            p = _surgical(rng, number, sketch, today, schedule, rule, clinicians, locations, zone)
        else:
            expected += per_other
            want = per_other + 0.3 * (expected - made - per_other) + rng.gauss(0, 1.0)
            p = _other(rng, number, sketch, today, rule, clinicians, zone, want)
        made += len(p.responses)
        p.email = f"{prefix}.{number}@example.invalid"
        yield p


def plan(n_patients: int, **kwargs: Any) -> list[PlannedPatient]:
    """The whole synthetic history as plain records, from ``seed`` alone (no database).

    Keyword arguments as :func:`make_history`, plus ``clinicians`` and ``locations`` (how
    many there are: records name them by index), ``schedule`` (follow-up days and labels;
    default the configured plan) and ``rule`` (the block-diary candidate rule)."""
    return list(iter_plan(n_patients, **kwargs))


def _person(rng: random.Random, number: int, index: date, kind: str) -> PlannedPatient:
    age = int(_clip(round(rng.gauss(62, 13)), 25, 95))
    sex = rng.choices(["female", "male", "other", ""], [60, 38, 1, 1])[0]
    diabetic = rng.random() < 0.3
    first = rng.choice(FIRST_NAMES)
    last = f"{rng.choice(LAST_NAMES)} {number}"
    return PlannedPatient(
        number=number,
        first_name=first,
        last_name=last,
        email="",
        date_of_birth=_born(index, age, rng),
        sex=sex,
        diabetes=diabetic,
        kind=kind,
        index_date=index,
        joined=datetime.combine(index, time(12, 0), tzinfo=UTC),
    )


def _intake(rng: random.Random, p: PlannedPatient, day: date, zone: ZoneInfo) -> None:
    age = (day - p.date_of_birth).days // 365
    at = _at(day, rng, zone)
    p.joined = at - timedelta(days=rng.randint(1, 20))
    p.responses.append(
        PlannedResponse("symptom_history", _symptom_history(rng, p.diabetes, age), at)
    )
    p.responses.append(PlannedResponse("rls_diagnosis", _rls_diagnosis(rng), at))
    p.responses.append(PlannedResponse("mnsi", _mnsi(rng, p.diabetes), at))


def _outcome_set(
    rng: random.Random,
    p: PlannedPatient,
    outcomes: _Outcomes,
    day: date,
    index: date,
    zone: ZoneInfo,
) -> None:
    at = _at(day, rng, zone)
    for instrument_id, answers in outcomes.answers((day - index).days).items():
        p.responses.append(PlannedResponse(instrument_id, answers, at))


def _surgical(
    rng: random.Random,
    number: int,
    sketch: _Sketch,
    today: date,
    schedule: Sequence[tuple[int, str]],
    rule: CandidateRule,
    clinicians: int,
    locations: int,
    zone: ZoneInfo,
) -> PlannedPatient:
    operated_on = sketch.index_date
    p = _person(rng, number, operated_on, "surgery")
    first_leg = rng.choice(["right", "left"])
    legs = [first_leg]
    second_on = operated_on + timedelta(days=rng.randint(21, 28))
    if rng.random() < 0.35 and second_on < today:
        legs.append("left" if first_leg == "right" else "right")
    # The course of the outcomes: ~85 % respond (fewer, and less, with diabetes).
    responds = rng.random() < (0.72 if p.diabetes else 0.88)
    if responds:
        gain = rng.uniform(0.35, 0.55) if p.diabetes else rng.uniform(0.5, 0.7)
    else:
        gain = rng.uniform(0.0, 0.2)
    relapse = rng.randint(182, 365) if responds and rng.random() < 0.11 else None
    course = _Course(gain, relapse)
    outcomes = _Outcomes(rng, course, legs)
    # The block, its diary and review; the intake a few weeks before it.
    block_on = operated_on - timedelta(days=rng.randint(30, 60))
    _intake(rng, p, block_on - timedelta(days=rng.randint(7, 40)), zone)
    tunnels = _tunnels(rng)
    good = rng.random() < 0.93
    p.blocks.append(_block(rng, block_on, first_leg, tunnels, good, clinicians, rule, True, True))
    # Baseline: within the 60 days before surgery (the block's own day at the earliest).
    lead = (operated_on - block_on).days
    baseline_on = operated_on - timedelta(days=rng.randint(1, lead))
    _outcome_set(rng, p, outcomes, baseline_on, operated_on, zone)
    surgeon = rng.randrange(clinicians)
    location = rng.randrange(locations)
    for k, leg in enumerate(legs):
        on = operated_on if k == 0 else second_on
        leg_tunnels = tunnels if k == 0 else _tunnels(rng)
        p.surgeries.append(
            PlannedSurgery(
                leg=leg,
                operated_on=on,
                tunnels=leg_tunnels,
                surgeon=surgeon,
                location=location,
                readings=_readings(rng, leg_tunnels, p.diabetes),
                follow_ups=_follow_ups(rng, on, today, schedule),
                findings="Fibrous band over the nerve at the tunnel; released.",
            )
        )
    # Questionnaires around each follow-up of the first leg the patient came to.
    for fu in p.surgeries[0].follow_ups:
        if fu.status != "done":
            continue
        day = fu.due_on + timedelta(days=rng.randint(-4, 3))
        if day < today:
            _outcome_set(rng, p, outcomes, day, operated_on, zone)
    if sketch.nights:
        p.nights = _nights(rng, sketch.nights, operated_on, today, course, zone)
    return p


def _other(
    rng: random.Random,
    number: int,
    sketch: _Sketch,
    today: date,
    rule: CandidateRule,
    clinicians: int,
    zone: ZoneInfo,
    want: float,
) -> PlannedPatient:
    index = sketch.index_date
    p = _person(rng, number, index, sketch.kind)
    course = _Course(rng.uniform(-0.1, 0.3), None)
    outcomes = _Outcomes(rng, course, [rng.choice(["right", "left"])])
    first_visit = index - timedelta(days=rng.randint(3, 30))
    _intake(rng, p, first_visit, zone)
    if sketch.kind == "block":
        leg = rng.choice(["right", "left"])
        reviewed = rng.random() < 0.8
        p.blocks.append(
            _block(rng, index, leg, _tunnels(rng), False, clinicians, rule, reviewed, False)
        )
    elif sketch.kind == "therapy":
        p.courses.append(_course(rng, index, today, clinicians))
    # Outcome questionnaires: first at the first visit, then every one to three months.
    sets = max(0, round((want - len(INTAKE)) / len(OUTCOMES)))
    day = first_visit
    for _ in range(sets):
        if day >= today:
            break
        _outcome_set(rng, p, outcomes, day, index, zone)
        day += timedelta(days=rng.randint(30, 90))
    return p


# ---------------------------------------------------------------- writing


def _check_prefix(prefix: str) -> str:
    prefix = prefix.strip().lower()
    if not PREFIX.match(prefix):
        raise ValueError(
            f"prefix {prefix!r}: use 1-40 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit."
        )
    return prefix


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
    prefix = _check_prefix(prefix)
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


def _write(
    chunk: list[PlannedPatient],
    clinicians: list[tuple[int, int]],
    locations: list[int],
    prefix: str,
    counts: dict[str, int],
    cache: dict[str, Any],
) -> None:
    unusable = make_password(None)
    users = _bulk(
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
            for p in chunk
        ],
    )
    made = _bulk(
        Patient,
        [
            Patient(user=u, date_of_birth=p.date_of_birth, sex=p.sex, created_at=p.joined)
            for p, u in zip(chunk, users, strict=True)
        ],
    )
    counts["users"] += len(users)
    counts["patients"] += len(made)

    responses = []
    for p, patient, user in zip(chunk, made, users, strict=True):
        for r in p.responses:
            answers, result = _scored(cache, r.instrument_id, r.answers)
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
    counts["responses"] += len(_bulk(Response, responses))

    # Blocks, their diaries and reviews.
    block_rows, block_plans = [], []
    for p, patient in zip(chunk, made, strict=True):
        for b in p.blocks:
            by = clinicians[b.given_by][1]
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
    counts["blocks"] += len(blocks)
    entries, reviews = [], []
    for block, b in zip(blocks, block_plans, strict=True):
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
    counts["relief_entries"] += len(_bulk(ReliefEntry, entries))
    counts["reviews"] += len(_bulk(CandidacyReview, reviews))

    # Surgeries: first legs, then second legs pointing at them.
    firsts: list[tuple[Surgery, PlannedSurgery]] = []
    seconds: list[tuple[Surgery, PlannedSurgery]] = []
    for p, patient in zip(chunk, made, strict=True):
        for k, s in enumerate(p.surgeries):
            surgeon_pk, surgeon_user = clinicians[s.surgeon]
            row = Surgery(
                patient=patient,
                leg=s.leg,
                operated_on=s.operated_on,
                surgeon_id=surgeon_pk,
                location_id=locations[s.location],
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
    counts["surgeries"] += len(firsts) + len(seconds)
    readings, follow_ups = [], []
    for row, s in firsts + seconds:
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
    counts["readings"] += len(_bulk(MonitoringReading, readings))
    counts["follow_ups"] += len(_bulk(FollowUp, follow_ups))

    # Therapy courses and their sessions.
    course_rows, course_plans = [], []
    for p, patient in zip(chunk, made, strict=True):
        for c in p.courses:
            course_rows.append(
                TherapyCourse(
                    patient=patient,
                    modality=c.modality,
                    planned_sessions=c.planned_sessions,
                    clinician_id=clinicians[c.clinician][1],
                    started_on=c.started_on,
                    ended_on=c.ended_on,
                    status=c.status,
                    improvement_pct=c.improvement_pct,
                    created_at=_noon(c.started_on - timedelta(days=7)),
                )
            )
            course_plans.append(c)
    courses = _bulk(TherapyCourse, course_rows)
    counts["courses"] += len(courses)
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
        for course, c in zip(courses, course_plans, strict=True)
        for s in c.sessions
    ]
    counts["sessions"] += len(_bulk(TherapySession, sessions))

    # Nights: one recording (analysed) per patient who wore the device.
    wearers = [(p, patient) for p, patient in zip(chunk, made, strict=True) if p.nights]
    recordings = _bulk(
        Recording,
        [
            Recording(
                patient=patient,
                uploaded_by_id=patient.user_id,
                original_name=f"nights-{p.number}.csv",
                storage_name=f"synthetic/{prefix}/{p.number}.csv",
                size=8_000_000 * len(p.nights),
                sha256=hashlib.sha256(f"{prefix}/{p.number}".encode()).hexdigest(),
                file_format="csv",
                uploaded_at=_noon(p.nights[-1].night_of + timedelta(days=1)),
            )
            for p, patient in wearers
        ],
    )
    counts["recordings"] += len(recordings)
    counts["analyses"] += len(
        _bulk(
            Analysis,
            [
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
            ],
        )
    )
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
    counts["nights"] += len(_bulk(Night, nights))


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
