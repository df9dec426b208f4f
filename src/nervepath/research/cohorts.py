# SPDX-License-Identifier: AGPL-3.0-or-later
"""Who is in a cohort: its filters, checked and read into the patients (and legs) they hold.

A cohort is its filters, never a frozen list: reading it again after new surgeries or
follow-ups gives the new members. Each member has an index procedure (day 0 of the
analysis): the first decompression done in the cohort, or the first block or therapy course
for those cohorts. Every filter is read in a few set-wise queries, so a clinic of tens of
thousands of patients is selected in well under a second (benchmarks/bench_research.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings

from nervepath.accounts.models import Patient, Sex
from nervepath.pathway.models import (
    CandidacyReview,
    FollowUp,
    FollowUpStatus,
    Modality,
    Nerve,
    NerveBlock,
    Surgery,
    SurgeryStatus,
    TherapyCourse,
)
from nervepath.pathway.surgery import follow_up_plan

PROCEDURES = {
    "decompression": "Decompression surgery",
    "block": "Diagnostic nerve block",
    "therapy": "Non-surgical therapy course",
}
DIAGNOSES = {
    "rls": "Restless legs (all five IRLSSG essential criteria met)",
    "neuropathy": "Neuropathy screen positive (MNSI questionnaire)",
}
YES_NO = {"yes": "Yes", "no": "No", "unknown": "Not recorded"}
# Age bands at the index procedure; 90 and over is one band (HIPAA Safe Harbor groups it).
AGE_BANDS = {
    "under_40": ("Under 40", 0, 39),
    "40_59": ("40-59", 40, 59),
    "60_74": ("60-74", 60, 74),
    "75_89": ("75-89", 75, 89),
    "90_plus": ("90 and over", 90, 200),
}
SEXES = {**{value: label for value, label in Sex.choices}, "unknown": "Not recorded"}
IRLS_BANDS = {
    "none": "None (0)",
    "mild": "Mild (1-10)",
    "moderate": "Moderate (11-20)",
    "severe": "Severe (21-30)",
    "very_severe": "Very severe (31-40)",
    "unknown": "No baseline IRLS",
}
BLOCK_RESPONSES = {
    "candidate": "Likely surgical candidate (confirmed)",
    "not_candidate": "Not a candidate (decided)",
    "not_reviewed": "Block given, no decision yet",
    "no_block": "No nerve block",
}
BASELINE_DAYS = 180  # the baseline is the last value in the 180 days up to the index day


class FilterError(ValueError):
    """A filter that cannot be read; the message says which and why."""


@dataclass(frozen=True)
class Member:
    patient_id: int
    index_date: date
    index_kind: str  # a PROCEDURES key
    legs: tuple[str, ...]  # legs decompressed (cohort surgeries), in order
    surgery_ids: tuple[int, ...]
    age: int | None
    sex: str
    diabetes: bool | None
    block_response: str  # a BLOCK_RESPONSES key
    baseline_band: str  # an IRLS_BANDS key
    diagnoses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FollowUpState:
    label: str
    days_after: int
    state: str  # "done", "missing", "booked", "to_book", "not_due", "none"
    due_on: date | None


@dataclass
class Selection:
    filters: dict[str, Any]
    members: list[Member]
    follow_ups: dict[int, list[FollowUpState]] = field(default_factory=dict)

    @property
    def patients(self) -> int:
        return len(self.members)

    @property
    def legs(self) -> int:
        return sum(len(m.legs) for m in self.members)

    @property
    def patient_ids(self) -> list[int]:
        return [m.patient_id for m in self.members]

    def follow_up_counts(self) -> list[tuple[str, dict[str, int]]]:
        """Per follow-up label, how many members are in each state."""
        counts: dict[str, dict[str, int]] = {}
        for states in self.follow_ups.values():
            for s in states:
                counts.setdefault(s.label, defaultdict(int))[s.state] += 1
        return [(label, dict(c)) for label, c in counts.items()]


# ---------------------------------------------------------------- the filters


_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def as_month(value: Any, name: str) -> str | None:
    """An index-date bound as a month, "YYYY-MM": researchers filter by month at the
    finest (a one-day cohort next to "days since index" would give back every date).
    A day ("YYYY-MM-DD", as filters were stored before) is read as its month."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        value = value.isoformat()
    match = _MONTH.match(str(value).strip())
    try:
        if match is None:
            raise ValueError(value)
        year, month, day = match.groups()
        date(int(year), int(month), int(day or 1))  # a real month (and day, if given)
    except ValueError as exc:
        raise FilterError(f"{name}: {value!r} is not a month (YYYY-MM).") from exc
    return f"{year}-{month}"


def month_bounds(first: str | None, last: str | None) -> tuple[date | None, date | None]:
    """The first day of the ``first`` month and the last day of the ``last`` month."""
    lo = date.fromisoformat(f"{first}-01") if first else None
    hi = None
    if last:
        year, month = (int(part) for part in last.split("-"))
        hi = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return lo, hi


def _choices(value: Any, allowed: Iterable[str], name: str) -> list[str]:
    if value in (None, ""):
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise FilterError(f"{name}: a list of choices is expected.")
    allowed = list(allowed)
    for v in values:
        if v not in allowed:
            raise FilterError(f"{name}: {v!r} is not one of {', '.join(allowed)}.")
    return sorted(set(values), key=allowed.index)


def follow_up_labels() -> list[str]:
    return [label for _days, label in follow_up_plan()]


# How an IRLS was collected (issue 19): the analysis may keep only one kind, since a
# clinician-administered IRLS and a self-reported one are not the same measurement.
IRLS_COLLECTION = {"self_report": "Self-report", "clinician": "Entered by the clinician"}


def clean_filters(raw: dict[str, Any]) -> dict[str, Any]:
    """The filters in their one stored form, or FilterError naming the first bad one."""
    if not isinstance(raw, dict):
        raise FilterError("The cohort's filters must be a mapping.")
    known = {
        "procedure",
        "tunnels",
        "modalities",
        "index_from",
        "index_to",
        "diagnoses",
        "diabetes",
        "age_bands",
        "sexes",
        "baseline_bands",
        "block_responses",
        "follow_up_reached",
        "irls_mode",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise FilterError(f"Unknown filter {unknown[0]!r}.")
    procedure = raw.get("procedure") or "decompression"
    if procedure not in PROCEDURES:
        raise FilterError(f"procedure: {procedure!r} is not one of {', '.join(PROCEDURES)}.")
    clean: dict[str, Any] = {"procedure": procedure}
    clean["tunnels"] = _choices(raw.get("tunnels"), Nerve.values, "tunnels")
    clean["modalities"] = _choices(raw.get("modalities"), Modality.values, "modalities")
    if procedure != "decompression" and clean["tunnels"]:
        raise FilterError("tunnels: only a decompression cohort is chosen by tunnels.")
    if procedure != "therapy" and clean["modalities"]:
        raise FilterError("modalities: only a therapy cohort is chosen by modality.")
    clean["index_from"] = as_month(raw.get("index_from"), "index_from")
    clean["index_to"] = as_month(raw.get("index_to"), "index_to")
    if clean["index_from"] and clean["index_to"] and clean["index_from"] > clean["index_to"]:
        raise FilterError("index_from: the first month is after the last month.")
    clean["diagnoses"] = _choices(raw.get("diagnoses"), DIAGNOSES, "diagnoses")
    diabetes = raw.get("diabetes") or ""
    if diabetes not in ("", *YES_NO):
        raise FilterError(f"diabetes: {diabetes!r} is not one of yes, no, unknown.")
    clean["diabetes"] = diabetes
    clean["age_bands"] = _choices(raw.get("age_bands"), AGE_BANDS, "age_bands")
    clean["sexes"] = _choices(raw.get("sexes"), SEXES, "sexes")
    clean["baseline_bands"] = _choices(raw.get("baseline_bands"), IRLS_BANDS, "baseline_bands")
    clean["block_responses"] = _choices(
        raw.get("block_responses"), BLOCK_RESPONSES, "block_responses"
    )
    reached = raw.get("follow_up_reached") or ""
    if reached and procedure != "decompression":
        raise FilterError("follow_up_reached: follow-ups belong to decompression cohorts.")
    if reached and reached not in follow_up_labels():
        raise FilterError(
            f"follow_up_reached: {reached!r} is not one of {', '.join(follow_up_labels())}."
        )
    clean["follow_up_reached"] = reached
    irls_mode = raw.get("irls_mode") or ""
    if irls_mode not in ("", *IRLS_COLLECTION):
        raise FilterError(f"irls_mode: {irls_mode!r} is not one of self_report, clinician.")
    clean["irls_mode"] = irls_mode
    return clean


def describe(filters: dict[str, Any], *, exact_dates: bool = True) -> list[tuple[str, str]]:
    """The filters as (what, which) lines for pages, reports and exports. An export's lines
    give the index dates' years only: a one-day range next to "days since the index" would
    turn every day back into a calendar date."""
    f = clean_filters(filters)
    lines = [("Procedure", PROCEDURES[f["procedure"]])]
    if f["tunnels"]:
        lines.append(("Tunnels released (any of)", ", ".join(Nerve(t).label for t in f["tunnels"])))
    if f["modalities"]:
        lines.append(("Modality", ", ".join(Modality(m).label for m in f["modalities"])))
    if f["index_from"] or f["index_to"]:
        first, last = f["index_from"] or "…", f["index_to"] or "…"
        if not exact_dates:
            first, last = first[:4], last[:4]
        lines.append(("Index procedure", f"{first} to {last}"))
    labels = {
        "diagnoses": DIAGNOSES,
        "age_bands": {k: v[0] for k, v in AGE_BANDS.items()},
        "sexes": SEXES,
        "baseline_bands": IRLS_BANDS,
        "block_responses": BLOCK_RESPONSES,
    }
    names = {
        "diagnoses": "Diagnosis (all of)",
        "age_bands": "Age at index",
        "sexes": "Sex",
        "baseline_bands": "Baseline IRLS severity",
        "block_responses": "Nerve-block response",
    }
    for key, choices in labels.items():
        if f[key]:
            lines.append((names[key], ", ".join(choices[v] for v in f[key])))
    if f["diabetes"]:
        lines.append(("Diabetes", YES_NO[f["diabetes"]]))
    if f["follow_up_reached"]:
        lines.append(("Follow-up reached", f["follow_up_reached"]))
    if f["irls_mode"]:
        lines.append(("IRLS collected as", IRLS_COLLECTION[f["irls_mode"]]))
    return lines


# ---------------------------------------------------------------- reading the members


def chunks(ids: list[int], size: int = 5000) -> Iterator[list[int]]:
    """Id lists in pieces, so `IN (...)` stays inside SQLite's parameter limit."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def rows_of(
    model: Any, ids: list[int], fields: Sequence[str], key: str = "patient_id"
) -> Iterator[tuple[Any, ...]]:
    """`fields` of the rows whose `key` is one of `ids`, read a chunk of ids at a time."""
    for part in chunks(ids):
        yield from model.objects.filter(**{f"{key}__in": part}).values_list(*fields)


def _index_procedures(f: dict[str, Any]) -> dict[int, tuple[date, list[tuple[int, str]]]]:
    """patient id → (index day, [(surgery id, leg), ...] of the cohort's surgeries)."""
    found: dict[int, tuple[date, list[tuple[int, str]]]] = {}
    if f["procedure"] == "decompression":
        rows = Surgery.objects.filter(status=SurgeryStatus.DONE).values_list(
            "patient_id", "operated_on", "id", "leg", "tunnels"
        )
        wanted = set(f["tunnels"])
        for pid, day, sid, leg, tunnels in sorted(rows, key=lambda r: (r[1], r[2])):
            if wanted and not wanted.intersection(tunnels or []):
                continue
            if pid not in found:
                found[pid] = (day, [])
            found[pid][1].append((sid, leg))
    elif f["procedure"] == "block":
        for pid, day in NerveBlock.objects.values_list("patient_id", "given_on"):
            if pid not in found or day < found[pid][0]:
                found[pid] = (day, [])
    else:
        courses = TherapyCourse.objects.all()
        if f["modalities"]:
            courses = courses.filter(modality__in=f["modalities"])
        for pid, day in courses.values_list("patient_id", "started_on"):
            if pid not in found or day < found[pid][0]:
                found[pid] = (day, [])
    lo, hi = month_bounds(f["index_from"], f["index_to"])
    return {
        pid: value
        for pid, value in found.items()
        if (lo is None or value[0] >= lo) and (hi is None or value[0] <= hi)
    }


def _age(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(age: int | None) -> str:
    if age is None:
        return ""
    for key, (_label, low, high) in AGE_BANDS.items():
        if low <= age <= high:
            return key
    return ""


def _latest(instrument: str, ids: list[int], value: Any) -> dict[int, Any]:
    """patient id → ``value`` (an expression on the response) of their latest current
    response of this instrument."""
    from nervepath.research import responses

    # Oldest first: the last row of each patient wins.
    rows = responses.current(ids, [instrument], value=value)
    return {pid: found for pid, _i, _day, found in rows}


def _baseline_bands(index: dict[int, tuple[date, Any]]) -> dict[int, str]:
    """The IRLS band of the last IRLS in the 180 days up to each patient's index day (days
    in the clinic's zone, as the analysis counts them)."""
    from nervepath.research import responses

    best: dict[int, str] = {}
    rows = responses.current(list(index), ["irls"], band=responses.json_text("band"))
    for pid, _i, day, band in rows:
        start = index[pid][0]
        if band and start - timedelta(days=BASELINE_DAYS) <= day <= start:
            best[pid] = band
    return best


def _block_responses(ids: list[int]) -> dict[int, str]:
    """The decision on each patient's latest reviewed block, or that a block had none."""
    out: dict[int, str] = {}
    for (pid,) in rows_of(NerveBlock, ids, ("patient_id",)):
        out[pid] = "not_reviewed"
    latest: dict[int, tuple[date, str]] = {}
    for pid, day, decision in rows_of(
        CandidacyReview, ids, ("patient_id", "block__given_on", "decision")
    ):
        if pid not in latest or day > latest[pid][0]:
            latest[pid] = (day, decision)
    out.update({pid: decision for pid, (_day, decision) in latest.items()})
    return out


def _follow_up_states(
    surgeries: dict[int, list[int]], today: date
) -> dict[int, list[FollowUpState]]:
    """Per patient, the state of each configured follow-up of the index surgery."""
    plan = follow_up_plan()
    slack = timedelta(days=settings.NERVEPATH["FOLLOW_UP_WINDOW_DAYS"])
    index_surgery = {pid: ids[0] for pid, ids in surgeries.items() if ids}
    rows: dict[int, dict[str, tuple[str, date]]] = defaultdict(dict)
    by_surgery = {sid: pid for pid, sid in index_surgery.items()}
    for sid, label, status, due in rows_of(
        FollowUp, list(by_surgery), ("surgery_id", "label", "status", "due_on"), "surgery_id"
    ):
        rows[by_surgery[sid]][label] = (status, due)
    out: dict[int, list[FollowUpState]] = {}
    for pid in index_surgery:
        states = []
        for days, label in plan:
            status, due = rows[pid].get(label, ("", None))
            if status == FollowUpStatus.DONE:
                state = "done"
            elif due is None:
                state = "none"
            elif due + slack < today:
                state = "missing"
            elif status == FollowUpStatus.BOOKED:
                state = "booked"
            elif due - slack > today:
                state = "not_due"
            else:
                state = "to_book"
            states.append(FollowUpState(label, days, state, due))
        out[pid] = states
    return out


def select(filters: dict[str, Any], today: date | None = None) -> Selection:
    """The cohort's members today, in study order (index day, then patient)."""
    from django.utils import timezone

    f = clean_filters(filters)
    today = today or timezone.localdate()
    index = _index_procedures(f)
    ids = sorted(index)
    people = {
        pid: (born, sex)
        for pid, born, sex in rows_of(Patient, ids, ("pk", "date_of_birth", "sex"), "pk")
    }
    from nervepath.research.responses import json_text, truthy

    diabetes_answers = _latest("symptom_history", ids, json_text("diabetes", "answers"))
    # IRLSSG 2014: criteria 1-4 from the patient, criterion 5 the clinician's. Answers
    # stored before issue 19 asked all five of the patient (cutoff all_criteria).
    rls_old = _latest("rls_diagnosis", ids, json_text("cutoffs__all_criteria"))
    rls_1_4 = _latest("rls_diagnosis", ids, json_text("cutoffs__criteria_1_4"))
    rls_5 = _latest("rls_criterion5", ids, json_text("positive"))
    rls = {
        pid: "true"
        for pid in ids
        if truthy(rls_old.get(pid)) or (truthy(rls_1_4.get(pid)) and truthy(rls_5.get(pid)))
    }
    mnsi = _latest("mnsi", ids, json_text("positive"))
    bands = _baseline_bands(index)
    blocks = _block_responses(ids)
    members = []
    for pid in ids:
        start, surgeries = index[pid]
        born, sex = people[pid]
        answer = diabetes_answers.get(pid)
        diabetes = True if answer == "yes" else False if answer == "no" else None
        diagnoses = set()
        if truthy(rls.get(pid)):
            diagnoses.add("rls")
        if truthy(mnsi.get(pid)):
            diagnoses.add("neuropathy")
        legs: list[str] = []
        for _sid, leg in surgeries:
            if leg not in legs:
                legs.append(leg)
        members.append(
            Member(
                patient_id=pid,
                index_date=start,
                index_kind=f["procedure"],
                legs=tuple(legs),
                surgery_ids=tuple(sid for sid, _leg in surgeries),
                age=_age(born, start),
                sex=sex,
                diabetes=diabetes,
                block_response=blocks.get(pid, "no_block"),
                baseline_band=bands.get(pid, "unknown"),
                diagnoses=frozenset(diagnoses),
            )
        )
    members = [m for m in members if _keeps(f, m)]
    follow_ups = (
        _follow_up_states({m.patient_id: list(m.surgery_ids) for m in members}, today)
        if f["procedure"] == "decompression"
        else {}
    )
    if f["follow_up_reached"]:
        label = f["follow_up_reached"]
        members = [
            m
            for m in members
            if any(s.label == label and s.state == "done" for s in follow_ups[m.patient_id])
        ]
        follow_ups = {m.patient_id: follow_ups[m.patient_id] for m in members}
    members.sort(key=lambda m: (m.index_date, m.patient_id))
    return Selection(filters=f, members=members, follow_ups=follow_ups)


def _keeps(f: dict[str, Any], m: Member) -> bool:
    if f["diagnoses"] and not set(f["diagnoses"]) <= m.diagnoses:
        return False
    if f["diabetes"]:
        wanted = {"yes": True, "no": False, "unknown": None}[f["diabetes"]]
        if m.diabetes is not wanted:
            return False
    if f["age_bands"] and age_band(m.age) not in f["age_bands"]:
        return False
    if f["sexes"] and (m.sex or "unknown") not in f["sexes"]:
        return False
    if f["baseline_bands"] and m.baseline_band not in f["baseline_bands"]:
        return False
    return not (f["block_responses"] and m.block_response not in f["block_responses"])
