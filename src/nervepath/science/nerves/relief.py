# SPDX-License-Identifier: AGPL-3.0-or-later
"""Days of meaningful relief after a diagnostic nerve block, from the patient's diary.

The diary covers ``length`` days; day 1 is the day of the block. Each day holds the
relief the patient felt (0-100 %) or nothing when the day was not filled. A missing day
stays missing: it never counts as relief and never as its absence.

The clinic's practice (not a published criterion; DESIGN.md, step 4): a block that
relieves the symptoms for 5 to 7 days or more points to compression at the blocked
tunnel, so the patient is a likely candidate for decompression of that leg. Relief
"lasts" as a run of days at or above the threshold (the clinic's default: 50 %). Both
numbers are settings (``NERVEPATH_RELIEF_THRESHOLD``, ``NERVEPATH_CANDIDATE_MIN_DAYS``).
nervepath supports the decision; the clinician always confirms or overrides it.

Verdict, counting only recorded days:
- ``candidate``: a run of at least ``min_days`` recorded days at or above threshold,
  with no recorded day below threshold inside it (missing days inside the run bridge it
  but are not counted);
- ``not_candidate``: even if every missing day had been relief, no such run could
  reach ``min_days``;
- ``undetermined``: the missing days decide it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class Verdict(enum.StrEnum):
    CANDIDATE = "candidate"
    NOT_CANDIDATE = "not_candidate"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class CandidateRule:
    threshold: float = 50.0  # % relief that counts as meaningful
    min_days: int = 5  # days of lasting relief that mark a likely candidate
    length: int = 14  # diary days after the block (day 1 = the day of the block)

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 100:
            raise ValueError("The relief threshold is a percentage above 0 and at most 100.")
        if self.length < 1:
            raise ValueError("The diary lasts at least one day.")
        if not 1 <= self.min_days <= self.length:
            raise ValueError("The days of relief needed must be between 1 and the diary length.")


@dataclass(frozen=True)
class ReliefSummary:
    rule: CandidateRule
    recorded: int  # days filled
    missing: tuple[int, ...]  # day numbers not filled (within the diary)
    meaningful: tuple[int, ...]  # day numbers at or above the threshold
    longest_run: int  # recorded meaningful days in the best run
    run_first: int | None  # first and last day of that run
    run_last: int | None
    best_possible_run: int  # the same if every missing day had been relief
    mean_relief: float | None  # over recorded days
    verdict: Verdict

    @property
    def meaningful_days(self) -> int:
        return len(self.meaningful)


def _runs(values: list[float | None], threshold: float, missing_counts: bool) -> list[list[int]]:
    """Runs of day numbers with no recorded day below threshold; each run lists the days
    that count (recorded relief days, plus missing days when ``missing_counts``)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for number, value in enumerate(values, start=1):
        if value is None:
            if missing_counts:
                current.append(number)
        elif value >= threshold:
            current.append(number)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def summarise(
    entries: Mapping[int, float | None], rule: CandidateRule | None = None
) -> ReliefSummary:
    """Summarise a diary: ``entries`` maps day number (1 = block day) to relief in %.

    Days outside 1..length or relief outside 0..100 raise ``ValueError``.
    """
    rule = rule or CandidateRule()
    values: list[float | None] = [None] * rule.length
    for number, value in entries.items():
        if not 1 <= number <= rule.length:
            raise ValueError(f"Day {number} is outside the {rule.length}-day diary.")
        if value is None:
            continue
        if not 0 <= value <= 100:
            raise ValueError(f"Relief on day {number} must be between 0 and 100 %.")
        values[number - 1] = float(value)

    recorded = [v for v in values if v is not None]
    missing = tuple(n for n, v in enumerate(values, start=1) if v is None)
    meaningful = tuple(
        n for n, v in enumerate(values, start=1) if v is not None and v >= rule.threshold
    )
    actual = [run for run in _runs(values, rule.threshold, False) if run]
    best = max(actual, key=len, default=[])
    possible = max((len(r) for r in _runs(values, rule.threshold, True)), default=0)
    if len(best) >= rule.min_days:
        verdict = Verdict.CANDIDATE
    elif possible < rule.min_days:
        verdict = Verdict.NOT_CANDIDATE
    else:
        verdict = Verdict.UNDETERMINED
    return ReliefSummary(
        rule=rule,
        recorded=len(recorded),
        missing=missing,
        meaningful=meaningful,
        longest_run=len(best),
        run_first=best[0] if best else None,
        run_last=best[-1] if best else None,
        best_possible_run=possible,
        mean_relief=round(sum(recorded) / len(recorded), 1) if recorded else None,
        verdict=verdict,
    )
