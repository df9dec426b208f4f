# SPDX-License-Identifier: AGPL-3.0-or-later
"""The synthetic clinic history as plain records: patients, questionnaires, blocks,
surgeries, therapy courses and nights, planned from one ``random.Random(seed)``.

Pure: no database, no settings, no Django. The clinic it is planned for (the follow-up
schedule, the block-diary rule, the time zone, how many clinicians and locations) comes
in as arguments (``configured`` reads them from the settings), so the same arguments
always give the same history. Records name clinicians and locations by index; the writer
(``writer``) turns them into rows.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from nervepath.science.nerves.relief import CandidateRule, Verdict, summarise

NERVES = ("common_peroneal", "superficial_peroneal", "tibial")
OUTCOMES = ("irls", "pain_nrs", "clinic_sleep")
INTAKE = ("symptom_history", "rls_diagnosis", "mnsi")
#: The therapy modalities, in the order of ``pathway.models.Modality`` (a test holds
#: them equal): the plan draws from them by position.
MODALITIES = ("estim", "laser", "both")
NIGHTS_EACH = 18  # nights per patient with a device, on average
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


# -- the records planned
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
    answers: dict[str, Any] = dict.fromkeys(items, "yes")
    if rng.random() < 0.12:
        for item in rng.sample(items, rng.choice([1, 1, 2])):
            answers[item] = "no"
        return answers
    answers["course"] = rng.choices(
        ["chronic_persistent", "intermittent", "not_determined"], [0.78, 0.17, 0.05]
    )[0]
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
    modality = rng.choice(MODALITIES)
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
    schedule: Sequence[tuple[int, str]],
    rule: CandidateRule,
    zone: ZoneInfo,
    surgical_share: float = 0.15,
    responses_per_patient: float = 10,
    nights_total: int | None = None,
    prefix: str = "synthetic",
    clinicians: int = 3,
    locations: int = 2,
) -> Iterator[PlannedPatient]:
    """The patients of :func:`plan`, one at a time (the same sequence, less memory)."""
    if n_patients < 0:
        raise ValueError("n_patients must not be negative.")
    if not 0 <= surgical_share <= 1:
        raise ValueError("surgical_share is a fraction from 0 to 1.")
    if clinicians < 1 or locations < 1:
        raise ValueError("At least one clinician and one location are needed.")
    prefix = check_prefix(prefix)
    schedule = list(schedule)
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
    """The whole synthetic history as plain records, from its arguments alone.

    Keyword arguments: ``seed`` and ``today``; the clinic: ``schedule`` (follow-up days
    and labels), ``rule`` (the block-diary candidate rule), ``zone`` (the clinic's time
    zone), ``clinicians`` and ``locations`` (how many there are: records name them by
    index); the history: ``surgical_share``, ``responses_per_patient``, ``nights_total``
    (default 2.5 a patient) and ``prefix`` (of the e-mail addresses)."""
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
    rls = _rls_diagnosis(rng)
    p.responses.append(PlannedResponse("rls_diagnosis", rls, at))
    if "course" in rls:
        # Criteria 1-4 met: the clinician judges criterion 5 at the first visit.
        confirmed = "yes" if rng.random() < 0.95 else "no"
        p.responses.append(PlannedResponse("rls_criterion5", {"not_solely_other": confirmed}, at))
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


def check_prefix(prefix: str) -> str:
    """The e-mail prefix, lower-cased, or ValueError with what a prefix may be."""
    prefix = prefix.strip().lower()
    if not PREFIX.match(prefix):
        raise ValueError(
            f"prefix {prefix!r}: use 1-40 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit."
        )
    return prefix
