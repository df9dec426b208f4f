# SPDX-License-Identifier: AGPL-3.0-or-later
"""A cohort's records read into the science layer's `Dataset`: study codes, ages, days since
the index procedure, scores, night metrics and monitoring readings, nothing that names anyone.

Reads are set-wise (a handful of queries whatever the cohort's size) and only the columns
the analysis needs, so the 20,000-patient benchmark clinic reads in about a second.
"""

from __future__ import annotations

import functools
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

import nervepath
from nervepath.pathway.models import MonitoringReading, Phase
from nervepath.pathway.surgery import follow_up_plan
from nervepath.research import responses
from nervepath.research.cohorts import Selection, chunks, describe, rows_of
from nervepath.research.models import StudyCode
from nervepath.science.outcomes import measures
from nervepath.science.outcomes.data import Dataset, Observation, Reading, Subject, Timepoint
from nervepath.wearables.models import Night

# Questionnaire scores the analysis reads: measure key → (instrument, score in `result`).
SCORES = {
    "irls_total": ("irls", "total"),
    "pain_max": ("pain_nrs", "total"),
    "sleep_nights": ("clinic_sleep", "total"),
}
NIGHT_METRICS = ("plms_index", "movements_per_hour")
FIRST_DAY = -400  # baseline windows look back 180 days; keep a margin, never the whole file
LAST_DAY = 800


@functools.cache
def code_version() -> str:
    """nervepath's version, and the git commit when running from a checkout."""
    version = f"nervepath {nervepath.__version__}"
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version} (git {commit})" if commit else version


def timepoints() -> tuple[Timepoint, ...]:
    """The analysis windows: the defaults for the default follow-ups, else the halfway rule
    over the clinic's own NERVEPATH_FOLLOW_UPS."""
    setting = tuple(f"{days}:{label}" for days, label in follow_up_plan())
    if setting == measures.DEFAULT_SETTING:
        return measures.DEFAULT_TIMEPOINTS
    return measures.timepoints_from_setting(setting)


def definition(name: str, selection: Selection) -> dict[str, Any]:
    """What the cohort was, in the form every output records."""
    return {
        "name": name,
        "filters": selection.filters,
        "described": [list(line) for line in describe(selection.filters)],
        "patients": selection.patients,
        "legs": selection.legs,
    }


def build(name: str, selection: Selection, snapshot_at: datetime | None = None) -> Dataset:
    """The cohort as the science layer reads it."""
    snapshot_at = snapshot_at or timezone.now()
    members = {m.patient_id: m for m in selection.members}
    ids = sorted(members)
    codes = StudyCode.codes_for(ids)
    index_dates = {pid: m.index_date for pid, m in members.items()}
    subjects = tuple(
        Subject(
            code=codes[m.patient_id],
            age=m.age,
            sex=m.sex,
            diabetes=m.diabetes,
            legs=len(m.legs),
            block_response=m.block_response,
        )
        for m in selection.members
    )
    observations: list[Observation] = []
    instruments = {instrument: key for key, (instrument, _score) in SCORES.items()}
    answered = responses.current(
        ids, list(instruments), total=responses.json_number("total"), mode="mode"
    )
    irls_mode = selection.filters.get("irls_mode") or ""
    for pid, instrument, on, total, mode in answered:
        if total is None:
            continue
        if instrument == "irls" and irls_mode and mode != irls_mode:
            continue  # the cohort keeps IRLS scores of one collection mode only
        day = (on - index_dates[pid]).days
        if FIRST_DAY <= day <= LAST_DAY:
            observations.append(Observation(codes[pid], instruments[instrument], day, total))
    for pid, night_of, *values in rows_of(Night, ids, ("patient_id", "night_of", *NIGHT_METRICS)):
        day = (night_of - index_dates[pid]).days
        if not FIRST_DAY <= day <= LAST_DAY:
            continue
        for key, value in zip(NIGHT_METRICS, values, strict=True):
            if value is not None:
                observations.append(Observation(codes[pid], key, day, value))
    readings = _readings(selection, codes)
    return Dataset(
        subjects=subjects,
        observations=tuple(observations),
        readings=tuple(readings),
        measures=tuple(measures.DEFAULT_MEASURES),
        timepoints=timepoints(),
        definition=definition(name, selection),
        snapshot_at=snapshot_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ"),
        code_version=code_version(),
    )


def _readings(selection: Selection, codes: dict[int, str]) -> list[Reading]:
    """Before/after amplitude pairs per nerve and leg of the cohort's surgeries (the last
    reading of each phase when a nerve was measured more than once)."""
    surgery_ids = [sid for m in selection.members for sid in m.surgery_ids]
    pairs: dict[tuple[int, str], dict[str, Any]] = {}
    for part in chunks(surgery_ids):
        rows = (
            MonitoringReading.objects.filter(surgery_id__in=part)
            .order_by("recorded_at", "pk")
            .values_list(
                "surgery_id", "patient_id", "surgery__leg", "nerve", "phase", "amplitude_uv"
            )
        )
        for sid, pid, leg, nerve, phase, amplitude in rows:
            pair = pairs.setdefault((sid, nerve), {"pid": pid, "leg": leg})
            pair[phase] = amplitude
    return [
        Reading(
            code=codes[p["pid"]],
            leg=p["leg"],
            nerve=nerve,
            before_uv=float(p[Phase.BEFORE]),
            after_uv=float(p[Phase.AFTER]),
        )
        for (_sid, nerve), p in pairs.items()
        if Phase.BEFORE in p and Phase.AFTER in p
    ]
