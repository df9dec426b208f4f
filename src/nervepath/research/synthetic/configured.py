# SPDX-License-Identifier: AGPL-3.0-or-later
"""The plan for this clinic: the follow-up schedule, the block-diary rule and the time
zone read from the settings, unless given."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from nervepath.pathway.surgery import follow_up_plan
from nervepath.research.synthetic import planner
from nervepath.research.synthetic.planner import PlannedPatient
from nervepath.science.nerves.relief import CandidateRule


def candidate_rule() -> CandidateRule:
    """The configured rule that makes a block's diary a surgical candidate's."""
    days = settings.NERVEPATH["DIARY_DAYS"]
    return CandidateRule(
        threshold=float(settings.NERVEPATH["RELIEF_THRESHOLD"]),
        min_days=min(settings.NERVEPATH["CANDIDATE_MIN_DAYS"], days),
        length=days,
    )


def iter_plan(
    n_patients: int,
    *,
    seed: int,
    today: date,
    schedule: Sequence[tuple[int, str]] | None = None,
    rule: CandidateRule | None = None,
    zone: ZoneInfo | None = None,
    **kwargs: Any,
) -> Iterator[PlannedPatient]:
    """The patients of :func:`plan`, one at a time (the same sequence, less memory)."""
    return planner.iter_plan(
        n_patients,
        seed=seed,
        today=today,
        schedule=list(schedule if schedule is not None else follow_up_plan()),
        rule=rule or candidate_rule(),
        zone=zone or ZoneInfo(settings.TIME_ZONE),
        **kwargs,
    )


def plan(n_patients: int, **kwargs: Any) -> list[PlannedPatient]:
    """The whole synthetic history as plain records, from ``seed`` alone (no database).

    Keyword arguments as :func:`make_history`, plus ``clinicians`` and ``locations`` (how
    many there are: records name them by index), ``schedule`` (follow-up days and labels;
    default the configured plan), ``rule`` (the block-diary candidate rule; default the
    configured one) and ``zone`` (default the clinic's time zone)."""
    return list(iter_plan(n_patients, **kwargs))
