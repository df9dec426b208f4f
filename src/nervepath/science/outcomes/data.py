# SPDX-License-Identifier: AGPL-3.0-or-later
"""What an outcomes analysis reads: plain records with no identifier and no Django.

The web app builds a `Dataset` from a cohort (nervepath.research.dataset); a statistician
can build one from any table. Every day is counted from the subject's index procedure
(day 0, the first decompression in the cohort, or the first block or therapy course when
the cohort has no surgery), so no calendar date reaches the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Subject:
    """One patient of the cohort, known only by a random study code."""

    code: str
    age: int | None  # whole years at the index procedure
    sex: str  # "female", "male", "other" or "" when not recorded
    diabetes: bool | None  # None: not asked / not answered
    legs: int = 1  # legs decompressed (0 for a cohort without surgery)
    block_response: str = ""  # "candidate", "not_candidate", "not_reviewed", "no_block" or ""


@dataclass(frozen=True)
class Observation:
    """One value of one measure on one day (days since the index procedure)."""

    code: str
    measure: str  # a `Measure.key`
    day: int
    value: float


@dataclass(frozen=True)
class Reading:
    """Intraoperative monitoring of one nerve on one leg: amplitude before and after release."""

    code: str
    leg: str  # "left" / "right"
    nerve: str  # "common_peroneal", "superficial_peroneal", "tibial"
    before_uv: float
    after_uv: float


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    low: float
    high: float


@dataclass(frozen=True)
class Measure:
    key: str  # "irls_total", "pain_max", "sleep_nights", "plms_index", "movements_per_hour"
    label: str  # "IRLS total"
    unit: str  # "points", "per hour", "nights a week"
    lower_is_better: bool = True
    bands: tuple[Band, ...] = ()  # severity bands, for "reached a lower band"
    mcid: float | None = None  # minimal clinically important difference, in the unit
    mcid_source: str = ""  # its citation
    # How several values in one follow-up window become one: "nearest" (the value nearest
    # the timepoint's day; the last one for the baseline) or "mean" (the mean of all values
    # in the window, for measures recorded night by night).
    aggregate: str = "nearest"


@dataclass(frozen=True)
class Timepoint:
    """A follow-up window: observations on days [start, end] count; the one nearest `day`
    is taken. The baseline is the timepoint with key "baseline" (the last value before or on
    day 0 within its window)."""

    key: str  # "baseline", "2w", "3m", "6m", "12m"
    label: str  # "Baseline", "2 weeks", ...
    day: int
    start: int
    end: int


@dataclass(frozen=True)
class Dataset:
    subjects: tuple[Subject, ...]
    observations: tuple[Observation, ...]
    readings: tuple[Reading, ...] = ()
    measures: tuple[Measure, ...] = ()
    timepoints: tuple[Timepoint, ...] = ()
    # What the cohort was and when the data were read, carried into every output.
    definition: dict[str, object] = field(default_factory=dict)
    snapshot_at: str = ""  # ISO 8601 UTC
    code_version: str = ""
