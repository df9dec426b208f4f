# SPDX-License-Identifier: AGPL-3.0-or-later
"""A cohort as de-identified CSV files (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)).

`deidentified_zip` writes one ZIP: a CSV per kind of record, `data_dictionary.csv` and
`README.txt`. A patient appears only by their random study code (`StudyCode`); every date
becomes a whole number of days since that member's index procedure (day 0, negative
before); ages of 90 and over become "90+". Columns are chosen, never copied: nothing
typed as free text (notes, findings, complications, reasons, side effects, text
questionnaire items) and no name, contact, place, clinician, database id, UUID, file name
or device detail is ever read into a row. docs/research-exports.md lists the 18 Safe
Harbor identifiers and what is done for each.

Every table is read set-wise (``values_list`` over chunked ``__in`` lists), so the number
of queries does not grow with the number of patients.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.utils import timezone

from nervepath.exports import safe_cell
from nervepath.notes import exam
from nervepath.notes.models import NoteStatus, VisitNote
from nervepath.pathway.drugs import classify
from nervepath.pathway.medications import COMMON_UNITS
from nervepath.pathway.models import (
    CandidacyReview,
    FollowUp,
    Medication,
    Modality,
    MonitoringReading,
    Nerve,
    NerveBlock,
    ReliefEntry,
    Surgery,
    TherapyCourse,
    TherapySession,
)
from nervepath.research.cohorts import (
    BLOCK_RESPONSES,
    DIAGNOSES,
    IRLS_BANDS,
    PROCEDURES,
    Member,
    Selection,
    rows_of,
)
from nervepath.research.models import StudyCode
from nervepath.scheduling.models import Appointment, Leg
from nervepath.science import instruments
from nervepath.science.instruments.model import Instrument, Item, Result
from nervepath.wearables.models import Night

AGE_CAP = 90  # 45 CFR 164.514(b)(2)(i)(C): ages over 89 are aggregated into one category
OVER_CAP = "90+"
# Items whose answer is an age in years (capped like the age at index).
AGE_ITEMS = {"onset_age"}
# Answer types exported in answers.csv: numbers and choices from the definition's list.
EXPORTED_ITEM_TYPES = ("single_choice", "multi_choice", "yes_no", "integer", "decimal")
# Therapy session settings exported (numbers only); any other key is left out.
THERAPY_PARAMETERS = {
    "frequency_hz": ("Hz", "Stimulation frequency"),
    "pulse_width_us": ("µs", "Stimulation pulse width"),
    "intensity_ma": ("mA", "Stimulation intensity"),
    "minutes": ("min", "Session length"),
    "wavelength_nm": ("nm", "Laser wavelength"),
    "power_mw": ("mW", "Laser power"),
    "dose_j_cm2": ("J/cm²", "Laser dose"),
}
NIGHT_METRICS = {
    "plms_index": ("/h", "Periodic limb movements in sleep per hour (engine's PLMS index)"),
    "movements_per_hour": ("/h", "Leg movements per hour of the sleep window"),
    "moves_every_min": ("min", "Typical minutes between movements"),
    "total_sleep_h": ("h", "Hours of the sleep window"),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # "text", "integer", "decimal", "code"
    unit: str
    description: str
    allowed: str = ""


def _legs() -> str:
    return ", ".join(Leg.values)


def _nerves() -> str:
    return ", ".join(Nerve.values)


CODE = Column("study_code", "code", "", "Random study code of the patient (S-XXXXXXXX)")
DAY = "days since the patient's index procedure (0 = index day, negative = before)"


def _day_col(name: str, what: str) -> Column:
    return Column(name, "integer", "days", f"{what}, in {DAY}")


FILES: dict[str, list[Column]] = {
    "subjects.csv": [
        CODE,
        Column(
            "age_years",
            "integer or 90+",
            "years",
            "Age at the index procedure; 90 and over is the one category 90+",
            f"0-89, {OVER_CAP}, empty if not recorded",
        ),
        Column("sex", "code", "", "Sex as recorded by the clinic", "female, male, other, empty"),
        Column(
            "diabetes",
            "code",
            "",
            "Diabetes, from the latest symptom history",
            "yes, no, empty if not answered",
        ),
        Column(
            "diagnoses",
            "code list",
            "",
            "Diagnoses met (';'-separated)",
            ", ".join(f"{k} ({v})" for k, v in DIAGNOSES.items()),
        ),
        Column(
            "block_response",
            "code",
            "",
            "Decision on the latest reviewed nerve block",
            ", ".join(BLOCK_RESPONSES),
        ),
        Column(
            "legs_operated",
            "code list",
            "",
            "Legs decompressed in the cohort (';'-separated, in order)",
            _legs(),
        ),
        Column("index_procedure", "code", "", "Kind of index procedure", ", ".join(PROCEDURES)),
        Column(
            "baseline_irls_band",
            "code",
            "",
            "IRLS band of the last IRLS in the 180 days up to the index day",
            ", ".join(IRLS_BANDS),
        ),
    ],
    "procedures.csv": [
        CODE,
        Column(
            "surgery_number", "integer", "", "Order of the patient's decompressions (1 = first)"
        ),
        Column("leg", "code", "", "Leg operated", _legs()),
        _day_col("day", "Day of the operation"),
        Column("tunnels", "code list", "", "Tunnels released (';'-separated)", _nerves()),
        Column("status", "code", "", "Status of the operation", "planned, done, cancelled"),
        Column(
            "in_cohort",
            "code",
            "",
            "Whether this operation counts in the cohort (its decompressions)",
            "yes, no",
        ),
        Column(
            "complications_recorded",
            "code",
            "",
            "Whether any complication text was recorded (the text itself is never exported)",
            "yes, no",
        ),
    ],
    "monitoring.csv": [
        CODE,
        Column("surgery_number", "integer", "", "The operation (procedures.csv surgery_number)"),
        Column("leg", "code", "", "Leg operated", _legs()),
        _day_col("surgery_day", "Day of the operation"),
        Column("nerve", "code", "", "Nerve monitored", _nerves()),
        Column("phase", "code", "", "Before or after the release", "before, after"),
        Column("amplitude_uv", "decimal", "µV", "Response amplitude"),
        Column("latency_ms", "decimal", "ms", "Response latency (empty if not recorded)"),
    ],
    "blocks.csv": [
        CODE,
        Column("block_number", "integer", "", "Order of the patient's nerve blocks (1 = first)"),
        Column("leg", "code", "", "Leg blocked", _legs()),
        _day_col("day", "Day of the block"),
        Column("sites", "code list", "", "Tunnels injected (';'-separated)", _nerves()),
        Column("injections", "integer", "", "Number of injections"),
        Column("total_volume_ml", "decimal", "mL", "Total volume injected"),
        Column("diary_days", "integer", "days", "Length of the relief diary asked for"),
        Column(
            "computed",
            "code",
            "",
            "nervepath's verdict when the block was reviewed (empty: not reviewed)",
            "candidate, not_candidate, undetermined, empty",
        ),
        Column("relief_days", "integer", "days", "Days of relief counted when reviewed"),
        Column(
            "decision",
            "code",
            "",
            "The clinician's decision (empty: not reviewed)",
            "candidate, not_candidate, empty",
        ),
    ],
    "diary.csv": [
        CODE,
        Column("block_number", "integer", "", "The block (blocks.csv block_number)"),
        Column("leg", "code", "", "Leg blocked", _legs()),
        _day_col("day", "Diary day"),
        Column("block_day", "integer", "", "Day of the diary (1 = the day of the block)"),
        Column("relief_pct", "integer", "%", "Relief reported", "0-100"),
        Column("sleep_hours", "decimal", "h", "Hours slept the night after", "0-24"),
        Column("sleep_quality", "integer", "", "Sleep quality, 0 (very poor) to 10", "0-10"),
    ],
    "therapy.csv": [
        CODE,
        Column("course_number", "integer", "", "Order of the patient's therapy courses"),
        Column("modality", "code", "", "Therapy", ", ".join(Modality.values)),
        Column("planned_sessions", "integer", "", "Sessions planned"),
        _day_col("course_start_day", "First day of the course"),
        _day_col("course_end_day", "Last day of the course (empty: not ended)"),
        Column("course_status", "code", "", "Course status", "active, completed, stopped"),
        Column(
            "improvement_pct",
            "integer",
            "%",
            "Improvement reported at the end (negative: worse)",
            "-100-100",
        ),
        Column("session_number", "integer", "", "Session number (empty: no session yet)"),
        _day_col("session_day", "Day of the session"),
        Column("session_status", "code", "", "Session status", "planned, done, missed"),
        *[
            Column(key, "decimal", unit, f"{what} (empty if not used)")
            for key, (unit, what) in THERAPY_PARAMETERS.items()
        ],
    ],
    "medications.csv": [
        CODE,
        Column(
            "drug",
            "code",
            "",
            "Generic name when the recorded name is a known RLS medicine (the AASM 2025 "
            "guideline's list, nervepath.pathway.drugs), else 'other': the name is typed "
            "by staff, so it is never exported as typed",
        ),
        Column("drug_class", "code", "", "Class of that medicine (empty for 'other')"),
        Column("dose", "decimal", "", "Dose, in the unit of the next column"),
        Column("unit", "code", "", "Dose unit", ", ".join((*COMMON_UNITS, "other"))),
        _day_col("start_day", "First day"),
        _day_col("stop_day", "Last day (empty: still taken)"),
        Column(
            "replaces_previous",
            "code",
            "",
            "Whether this record is a change of an earlier record's dose or schedule",
            "yes, no",
        ),
    ],
    "follow_ups.csv": [
        CODE,
        Column("surgery_number", "integer", "", "The operation (procedures.csv surgery_number)"),
        Column("label", "text", "", "Follow-up interval as configured (e.g. 3 months)"),
        Column("days_after", "integer", "days", "Planned days after the operation"),
        _day_col("due_day", "Day the follow-up is due"),
        Column("status", "code", "", "Follow-up status", "to_book, booked, done, cancelled"),
    ],
    "visits.csv": [
        CODE,
        Column("visit_type", "code", "", "Appointment type (its slug)"),
        _day_col("day", "Day of the visit (clinic's local date)"),
        Column("status", "code", "", "Visit status", "booked, held, cancelled, completed, no_show"),
    ],
    "scores.csv": [
        CODE,
        Column("instrument", "code", "", "Questionnaire id", ", ".join(instruments.available())),
        Column("instrument_version", "text", "", "Version of the questionnaire definition"),
        Column(
            "response_number",
            "integer",
            "",
            "Order of the patient's responses to this questionnaire",
        ),
        _day_col("day", "Day the response was submitted"),
        Column("score", "code", "", "Score id within the questionnaire"),
        Column("value", "decimal", "points", "Score value"),
        Column(
            "band",
            "code",
            "",
            "Severity band of the response, on the row of the score that sets it",
        ),
        Column(
            "collection_mode",
            "code",
            "",
            "How the answers were collected: the patient's self-report, or entered by the "
            "clinician in the visit (the IRLS without licensed wording)",
            "self_report, clinician",
        ),
    ],
    "answers.csv": [
        CODE,
        Column("instrument", "code", "", "Questionnaire id", ", ".join(instruments.available())),
        Column("response_number", "integer", "", "As in scores.csv"),
        _day_col("day", "Day the response was submitted"),
        Column("item", "code", "", "Item id within the questionnaire"),
        Column(
            "value",
            "code or number",
            "",
            "The answer: a choice code, yes/no, or a number (';'-separated for several "
            f"choices; ages of 90 and over as {OVER_CAP}). Free-text and date items are "
            "never exported.",
        ),
    ],
    "examinations.csv": [
        CODE,
        Column(
            "examination_number",
            "integer",
            "",
            "Order of the patient's signed visit notes with a leg examination",
        ),
        _day_col("day", "Day of the visit"),
        Column("leg", "code", "", "Leg examined", "left, right"),
        *[
            Column(
                name,
                "code"
                if name != "monofilament_felt" and not name.startswith("mrc_")
                else "integer",
                "",
                what,
                allowed,
            )
            for name, what, allowed in exam.RESEARCH_COLUMNS
        ],
    ],
    "nights.csv": [
        CODE,
        _day_col("day", "The evening the night began"),
        *[
            Column(key, "decimal", unit, f"{what} (empty if not computed)")
            for key, (unit, what) in NIGHT_METRICS.items()
        ],
    ],
}


# ---------------------------------------------------------------- helpers


def _cell(value: Any) -> str:
    """A number as written (a negative day is a number, not a formula); text made safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        return text
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return safe_cell(value)


def csv_bytes(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(c.name) for c in columns])
    for row in rows:
        if len(row) != len(columns):  # a programming error, never data
            raise AssertionError(f"row of {len(row)} cells for {len(columns)} columns")
        writer.writerow([_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def capped_age(age: int | None) -> str:
    if age is None:
        return ""
    return OVER_CAP if age >= AGE_CAP else str(age)


def local_day(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _yes_no(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "no")


def as_number(value: Any) -> float | int | Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return value


class Days:
    """Dates as days since each member's index procedure."""

    def __init__(self, members: Iterable[Member]) -> None:
        self.index = {m.patient_id: m.index_date for m in members}

    def __call__(self, pid: int, value: dt.datetime | dt.date | None) -> int | None:
        if value is None:
            return None
        return (local_day(value) - self.index[pid]).days


def _ordinals(rows: Iterable[tuple[int, Any, Any]]) -> dict[Any, int]:
    """(patient id, sort key, object key) → 1-based order of the object within its patient."""
    by_patient: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
    for pid, sort_key, obj_key in rows:
        by_patient[pid].append((sort_key, obj_key))
    out: dict[Any, int] = {}
    for items in by_patient.values():
        for n, (_sort, obj_key) in enumerate(sorted(items), start=1):
            out[obj_key] = n
    return out


def exported_answer(item: Item, value: Any) -> str | None:
    """The answer as a CSV value, or None when it is not exported (free text, dates,
    anything not a number or a choice from the definition's list)."""
    if item.type not in EXPORTED_ITEM_TYPES or value is None:
        return None
    if item.type == "yes_no":
        return value if value in ("yes", "no") else None
    if item.type == "single_choice":
        return str(value) if item.option(value) is not None else None
    if item.type == "multi_choice":
        if not isinstance(value, list):
            return None
        chosen = [str(v) for v in value if item.option(v) is not None]
        return ";".join(chosen) if chosen and len(chosen) == len(value) else None
    number = as_number(value)
    if number is None:
        return None
    if item.id in AGE_ITEMS and number >= AGE_CAP:
        return OVER_CAP
    return _cell(number)


def load_instrument(instrument_id: str, cache: dict[str, Instrument | None]) -> Instrument | None:
    if instrument_id not in cache:
        try:
            cache[instrument_id] = instruments.load(instrument_id)
        except Exception:  # an instrument no longer shipped: its rows are left out
            cache[instrument_id] = None
    return cache[instrument_id]


# ---------------------------------------------------------------- the tables


@dataclass
class _Numbered:
    """Records of one kind by id, and each one's 1-based order within its patient."""

    by_id: dict[int, tuple[Any, ...]]
    number: dict[int, int]


class _Export:
    """What the table builders share: the members, their study codes, days since each
    member's index, and the surgeries and blocks several tables number (each read once)."""

    def __init__(self, selection: Selection, codes: dict[int, str]) -> None:
        self.members = selection.members
        self.ids = [m.patient_id for m in self.members]
        self.codes = codes
        self.day = Days(self.members)

    @cached_property
    def surgeries(self) -> _Numbered:
        fields = ("id", "patient_id", "leg", "operated_on", "tunnels", "status", "complications")
        rows = list(rows_of(Surgery, self.ids, fields))
        return _Numbered(
            {s[0]: s for s in rows}, _ordinals((s[1], (s[3], s[0]), s[0]) for s in rows)
        )

    @cached_property
    def blocks(self) -> _Numbered:
        fields = ("id", "patient_id", "leg", "given_on", "injections", "diary_days")
        rows = list(rows_of(NerveBlock, self.ids, fields))
        return _Numbered(
            {b[0]: b for b in rows}, _ordinals((b[1], (b[3], b[0]), b[0]) for b in rows)
        )

    @cached_property
    def responses(
        self,
    ) -> list[tuple[int, str, str, int, int | None, Instrument, Any, Any, str]]:
        """(patient id, instrument id, version, number of the response for this patient
        and instrument, day, instrument, answers, result, collection mode) of each current
        response whose instrument is still shipped."""
        out = []
        loaded: dict[str, Instrument | None] = {}
        number: dict[tuple[int, str], int] = defaultdict(int)
        for pid, instrument_id, version, submitted, given, result, mode in current_responses(
            self.ids
        ):
            inst = load_instrument(instrument_id, loaded)
            if inst is None:
                continue
            number[(pid, instrument_id)] += 1
            n = number[(pid, instrument_id)]
            when = self.day(pid, submitted)
            out.append((pid, instrument_id, version, n, when, inst, given, result, mode))
        return out


def _subjects(x: _Export) -> list[list[Any]]:
    return [
        [
            x.codes[m.patient_id],
            capped_age(m.age),
            m.sex,
            _yes_no(m.diabetes),
            ";".join(d for d in DIAGNOSES if d in m.diagnoses),
            m.block_response,
            ";".join(m.legs),
            m.index_kind,
            m.baseline_band,
        ]
        for m in x.members
    ]


def _procedures(x: _Export) -> list[list[Any]]:
    cohort_surgeries = {sid for m in x.members for sid in m.surgery_ids}
    surgery_no = x.surgeries.number
    rows = []
    for sid, pid, leg, on, tunnels, status, complications in sorted(
        x.surgeries.by_id.values(), key=lambda s: (x.codes[s[1]], surgery_no[s[0]])
    ):
        rows.append(
            [
                x.codes[pid],
                surgery_no[sid],
                leg,
                x.day(pid, on),
                ";".join(t for t in Nerve.values if t in (tunnels or [])),
                status,
                _yes_no(sid in cohort_surgeries),
                _yes_no(bool((complications or "").strip())),
            ]
        )
    return rows


def _monitoring(x: _Export) -> list[list[Any]]:
    readings = rows_of(
        MonitoringReading,
        x.ids,
        ("patient_id", "surgery_id", "nerve", "phase", "amplitude_uv", "latency_ms"),
    )
    rows = []
    for pid, sid, nerve, phase, amplitude, latency in readings:
        _sid, _pid, leg, on, *_rest = x.surgeries.by_id[sid]
        rows.append(
            [
                x.codes[pid],
                x.surgeries.number[sid],
                leg,
                x.day(pid, on),
                nerve,
                phase,
                amplitude,
                latency,
            ]
        )
    return sorted(rows, key=lambda r: (r[0], r[1], r[4], r[5]))


def _blocks(x: _Export) -> list[list[Any]]:
    block_no = x.blocks.number
    reviews = {
        bid: (computed, relief, decision)
        for bid, computed, relief, decision in rows_of(
            CandidacyReview, x.ids, ("block_id", "computed", "relief_days", "decision")
        )
    }
    rows = []
    for bid, pid, leg, given, injections, diary_days in sorted(
        x.blocks.by_id.values(), key=lambda b: (x.codes[b[1]], block_no[b[0]])
    ):
        injections = injections if isinstance(injections, list) else []
        sites = {row.get("site") for row in injections if isinstance(row, dict)}
        volumes = [as_number(row.get("volume_ml")) for row in injections if isinstance(row, dict)]
        total = sum(Decimal(str(v)) for v in volumes if v is not None)
        computed, relief, decision = reviews.get(bid, (None, None, None))
        rows.append(
            [
                x.codes[pid],
                block_no[bid],
                leg,
                x.day(pid, given),
                ";".join(s for s in Nerve.values if s in sites),
                len(injections),
                total,
                diary_days,
                computed,
                relief,
                decision,
            ]
        )
    return rows


def _diary(x: _Export) -> list[list[Any]]:
    entries = rows_of(
        ReliefEntry,
        x.ids,
        ("patient_id", "block_id", "day", "relief_pct", "sleep_hours", "sleep_quality"),
    )
    rows = []
    for pid, bid, on, relief, hours, quality in entries:
        _bid, _pid, leg, given, *_rest = x.blocks.by_id[bid]
        rows.append(
            [
                x.codes[pid],
                x.blocks.number[bid],
                leg,
                x.day(pid, on),
                (on - given).days + 1,
                relief,
                hours,
                quality,
            ]
        )
    return sorted(rows, key=lambda r: (r[0], r[1], r[4]))


def _therapy(x: _Export) -> list[list[Any]]:
    """One row per session of each course (a course without sessions: one row)."""
    fields = (
        "id",
        "patient_id",
        "modality",
        "planned_sessions",
        "started_on",
        "ended_on",
        "status",
        "improvement_pct",
    )
    courses = list(rows_of(TherapyCourse, x.ids, fields))
    course_no = _ordinals((c[1], (c[4], c[0]), c[0]) for c in courses)
    sessions: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for cid, number, on, status, parameters in rows_of(
        TherapySession, x.ids, ("course_id", "number", "on_date", "status", "parameters")
    ):
        sessions[cid].append((number, on, status, parameters))
    rows = []
    for cid, pid, modality, planned, started, ended, status, improvement in courses:
        course = [
            x.codes[pid],
            course_no[cid],
            modality,
            planned,
            x.day(pid, started),
            x.day(pid, ended),
            status,
            improvement,
        ]
        if not sessions[cid]:
            rows.append([*course, None, None, None, *[None] * len(THERAPY_PARAMETERS)])
        for number, on, s_status, parameters in sorted(sessions[cid], key=lambda s: s[0]):
            parameters = parameters if isinstance(parameters, dict) else {}
            rows.append(
                [
                    *course,
                    number,
                    x.day(pid, on),
                    s_status,
                    *[as_number(parameters.get(key)) for key in THERAPY_PARAMETERS],
                ]
            )
    return sorted(rows, key=lambda r: (r[0], r[1], r[8] or 0))


def _medications(x: _Export) -> list[list[Any]]:
    rows = []
    for pid, name, dose, unit, started, stopped, replaces in rows_of(
        Medication,
        x.ids,
        ("patient_id", "name", "dose", "unit", "started_on", "stopped_on", "replaces_id"),
    ):
        drug = classify(name or "")
        rows.append(
            [
                x.codes[pid],
                drug.generic if drug else "other",
                drug.code if drug else "",
                dose,
                unit if unit in COMMON_UNITS else "other",
                x.day(pid, started),
                x.day(pid, stopped),
                _yes_no(replaces is not None),
            ]
        )
    return sorted(rows, key=lambda r: (r[0], r[4], r[1]))


def _follow_ups(x: _Export) -> list[list[Any]]:
    rows = []
    for pid, sid, label, days_after, due, status in rows_of(
        FollowUp, x.ids, ("patient_id", "surgery_id", "label", "days_after", "due_on", "status")
    ):
        rows.append(
            [x.codes[pid], x.surgeries.number[sid], label, days_after, x.day(pid, due), status]
        )
    return sorted(rows, key=lambda r: (r[0], r[1], r[3]))


def _visits(x: _Export) -> list[list[Any]]:
    rows = []
    for pid, slug, starts, status in rows_of(
        Appointment, x.ids, ("patient_id", "appointment_type__slug", "starts_at", "status")
    ):
        rows.append([x.codes[pid], slug, x.day(pid, starts), status])
    return sorted(rows, key=lambda r: (r[0], r[2], r[1]))


def _scores(x: _Export) -> list[list[Any]]:
    rows = []
    for pid, instrument_id, version, n, when, inst, _given, result, mode in x.responses:
        read = Result.from_dict(result) if isinstance(result, Mapping) else None
        values = read.scores if read is not None else {}
        band = (read.band if read is not None else None) or ""
        for score in inst.scores:
            value = as_number(values.get(score.id))
            if value is None:
                continue
            rows.append(
                [
                    x.codes[pid],
                    instrument_id,
                    version,
                    n,
                    when,
                    score.id,
                    value,
                    band if score.id == inst.band_score else "",
                    mode,
                ]
            )
    return rows


def _answers(x: _Export) -> list[list[Any]]:
    rows = []
    for pid, instrument_id, _version, n, when, inst, given, _result, _mode in x.responses:
        given = given if isinstance(given, dict) else {}
        for item in inst.items:
            answer = exported_answer(item, given.get(item.id))
            if answer is not None:
                rows.append([x.codes[pid], instrument_id, n, when, item.id, answer])
    return rows


def _examinations(x: _Export) -> list[list[Any]]:
    """The structured leg examination of each signed visit note, one row per leg examined
    (codes and numbers only: the note's text is never read)."""
    notes = [
        row
        for row in rows_of(
            VisitNote, x.ids, ("patient_id", "id", "visit_date", "examination", "status")
        )
        if row[4] == NoteStatus.SIGNED
    ]
    examined = [
        (pid, nid, day, data)
        for pid, nid, day, data, _status in notes
        if any(exam.is_recorded((data or {}).get(leg) or {}) for leg in exam.LEGS)
    ]
    number = _ordinals((pid, (day, nid), nid) for pid, nid, day, _data in examined)
    rows = []
    for pid, nid, day, data in examined:
        for leg in exam.LEGS:
            found = (data or {}).get(leg) or {}
            if not exam.is_recorded(found):
                continue
            rows.append(
                [x.codes[pid], number[nid], x.day(pid, day), leg, *exam.research_row(found, leg)]
            )
    return sorted(rows, key=lambda r: (r[0], r[1], r[3]))


def _nights(x: _Export) -> list[list[Any]]:
    rows = []
    for pid, night_of, *metrics in rows_of(
        Night, x.ids, ("patient_id", "night_of", *NIGHT_METRICS)
    ):
        rows.append([x.codes[pid], x.day(pid, night_of), *[as_number(v) for v in metrics]])
    return sorted(rows, key=lambda r: (r[0], r[1]))


# The builder of each file of FILES, in the same order.
BUILDERS: dict[str, Callable[[_Export], list[list[Any]]]] = {
    "subjects.csv": _subjects,
    "procedures.csv": _procedures,
    "monitoring.csv": _monitoring,
    "blocks.csv": _blocks,
    "diary.csv": _diary,
    "therapy.csv": _therapy,
    "medications.csv": _medications,
    "follow_ups.csv": _follow_ups,
    "visits.csv": _visits,
    "scores.csv": _scores,
    "answers.csv": _answers,
    "examinations.csv": _examinations,
    "nights.csv": _nights,
}


def _tables(selection: Selection, codes: dict[int, str]) -> dict[str, list[list[Any]]]:
    export = _Export(selection, codes)
    return {name: BUILDERS[name](export) for name in FILES}


def current_responses(
    ids: list[int],
) -> list[tuple[int, str, str, dt.datetime, Any, Any, str]]:
    """(patient id, instrument, version, first answered at, answers, result, collection
    mode) of every current (submitted, not corrected) response of these patients, oldest
    first; a corrected response is dated by the first submission of its chain."""
    from nervepath.research import responses

    rows = responses.current(
        ids,
        when="time",
        version="instrument_version",
        answers="answers",
        result="result",
        mode="mode",
    )
    return [
        (pid, instrument, version, at, answers, result, mode)
        for pid, instrument, at, version, answers, result, mode in rows
    ]


# ---------------------------------------------------------------- the ZIP


RULES = """\
De-identification (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)):
- (A) Names, (F) email addresses, (D) phone and (E) fax numbers: never exported. A
  patient appears only as a random study code (45 CFR 164.514(c): the code is not
  derived from any information about the person; the clinic keeps the key).
- (B) Geography: no address, city, postal code or clinic location is exported.
- (C) Dates: no calendar date is exported. Every date is a whole number of days since
  the patient's own index procedure (day 0; negative before it). Ages of 90 and over are
  the single category "90+" (subjects.csv age_years, and age answers in answers.csv).
- (G)-(R) Record, account, plan, licence, vehicle and device numbers, URLs, IP
  addresses, biometric identifiers, photographs and any other unique number or code:
  no database id, UUID, file name, device serial or URL is exported. Orders within a
  patient (surgery_number, block_number, ...) are counted afresh in each export.
- Free text is never exported: surgical findings and complications (only whether any
  were recorded), visit notes (only the coded leg examination of signed notes), notes,
  reasons, side effects, medication frequency text,
  questionnaire items of type text, and date items.
- No clinician, staff member or place of care is named.
The recipient must not try to re-identify anyone, alone or with other data.
"""


def readme(
    definition_lines: Sequence[tuple[str, str] | str],
    *,
    snapshot_at: dt.datetime,
    code_version: str,
    patients: int,
) -> str:
    lines = ["nervepath de-identified cohort export", "", "Cohort definition:"]
    for line in definition_lines:
        text = f"{line[0]}: {line[1]}" if isinstance(line, tuple) else str(line)
        lines.append(f"  {text}")
    lines += [
        "",
        f"Patients: {patients}",
        f"Data read at: {snapshot_at.isoformat()}",
        f"Code version: {code_version}",
        "",
        RULES,
        "Files: " + ", ".join(FILES) + ". data_dictionary.csv describes every column.",
        "",
    ]
    return "\n".join(lines)


def data_dictionary() -> bytes:
    header = [
        Column(n, "text", "", "")
        for n in ("file", "column", "type", "unit", "description", "allowed_values")
    ]
    rows = [
        [name, c.name, c.type, c.unit, c.description, c.allowed]
        for name, columns in FILES.items()
        for c in columns
    ]
    return csv_bytes(header, rows)


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            # A fixed timestamp: the ZIP's own entries carry no date of the export.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def deidentified_zip(
    selection: Selection,
    *,
    definition_lines: Sequence[tuple[str, str] | str],
    snapshot_at: dt.datetime,
    code_version: str,
) -> bytes:
    """The cohort's members as de-identified CSV files, a data dictionary and a README."""
    ids = [m.patient_id for m in selection.members]
    codes = {pid: s.code for pid, s in StudyCode.for_patients(ids).items()}
    tables = _tables(selection, codes)
    files = {name: csv_bytes(FILES[name], tables[name]) for name in FILES}
    files["data_dictionary.csv"] = data_dictionary()
    files["README.txt"] = readme(
        definition_lines, snapshot_at=snapshot_at, code_version=code_version, patients=len(ids)
    ).encode("utf-8")
    return _zip(files)
