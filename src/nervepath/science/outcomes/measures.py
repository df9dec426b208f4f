# SPDX-License-Identifier: AGPL-3.0-or-later
"""The default measures, follow-up timepoints and responder definitions of an outcomes study.

Sources of the clinical rules:

* IRLS (International RLS Study Group rating scale): 10 items scored 0-4, total 0-40;
  severity bands mild 1-10, moderate 11-20, severe 21-30, very severe 31-40
  (Walters AS et al., Sleep Med 2003;4:121-132). No minimal clinically important
  difference is set here: the responder rule used instead is an improvement of at least
  50 % from baseline, a common responder definition in RLS trials.
* Worst leg pain on a 0-10 numeric rating scale: bands mild 1-3, moderate 4-6, severe 7-10
  (Zelman DC et al., Pain 2005;115:29-36); a clinically important improvement is about
  2 points or 30 % (Farrar JT et al., Pain 2001;94:149-158).
* Periodic limb movements in sleep: more than 15 an hour is the adult cut-off of the
  International Classification of Sleep Disorders, 3rd edition (American Academy of Sleep
  Medicine, 2014), so the index is banded < 15 normal and >= 15 elevated.

A value belongs to the last band whose ``low`` it reaches (bands are sorted by ``low``),
so a non-integer value such as a mean of nights is banded without gaps.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nervepath.science.outcomes.data import Band, Measure, Timepoint

WALTERS_2003 = "Walters AS et al., Sleep Med 2003;4:121-132"
ZELMAN_2005 = "Zelman DC et al., Pain 2005;115:29-36"
FARRAR_2001 = "Farrar JT et al., Pain 2001;94:149-158"
ICSD_3 = "American Academy of Sleep Medicine, ICSD-3, 2014 (adult PLMS index cut-off 15/h)"

IRLS_TOTAL = Measure(
    key="irls_total",
    label="IRLS total",
    unit="points",
    bands=(
        Band("none", "None", 0, 0),
        Band("mild", "Mild", 1, 10),
        Band("moderate", "Moderate", 11, 20),
        Band("severe", "Severe", 21, 30),
        Band("very_severe", "Very severe", 31, 40),
    ),
    mcid=None,  # no published IRLS MCID is relied on; the >= 50 % responder rule is used
)
PAIN_MAX = Measure(
    key="pain_max",
    label="Worst leg pain (NRS)",
    unit="points",
    bands=(
        Band("none", "None", 0, 0),
        Band("mild", "Mild", 1, 3),
        Band("moderate", "Moderate", 4, 6),
        Band("severe", "Severe", 7, 10),
    ),
    mcid=2.0,
    mcid_source=FARRAR_2001 + " (2 points or 30 %)",
)
SLEEP_NIGHTS = Measure(
    key="sleep_nights",
    label="Nights disturbed by leg symptoms",
    unit="nights a week",  # the clinic's own form, 0-7; no published MCID
)
PLMS_INDEX = Measure(
    key="plms_index",
    label="PLMS index",
    unit="per hour",
    bands=(
        Band("normal", "Normal (< 15/h)", 0, 15),
        Band("elevated", "Elevated (>= 15/h)", 15, math.inf),
    ),
    aggregate="mean",
)
MOVEMENTS_PER_HOUR = Measure(
    key="movements_per_hour",
    label="Leg movements per hour",
    unit="per hour",
    aggregate="mean",
)

DEFAULT_MEASURES: tuple[Measure, ...] = (
    IRLS_TOTAL,
    PAIN_MAX,
    SLEEP_NIGHTS,
    PLMS_INDEX,
    MOVEMENTS_PER_HOUR,
)
PRIMARY_MEASURE = IRLS_TOTAL.key

BASELINE_KEY = "baseline"
BASELINE = Timepoint(BASELINE_KEY, "Baseline", day=0, start=-180, end=0)

# The clinic's default follow-ups (days since the index procedure). This constant is the
# one definition of the defaults; `timepoints_from_setting` is the one definition of the
# "halfway to the neighbours" rule used for a clinic's own list.
DEFAULT_TIMEPOINTS: tuple[Timepoint, ...] = (
    BASELINE,
    Timepoint("2w", "2 weeks", day=14, start=7, end=42),
    Timepoint("3m", "3 months", day=91, start=60, end=135),
    Timepoint("6m", "6 months", day=182, start=136, end=273),
    Timepoint("12m", "12 months", day=365, start=274, end=547),
)
DEFAULT_SETTING: tuple[str, ...] = tuple(f"{t.day}:{t.label}" for t in DEFAULT_TIMEPOINTS[1:])

_UNIT_LETTER = {"day": "d", "week": "w", "month": "m", "year": "y"}


def _key_of(day: int, label: str) -> str:
    """ "2 weeks" -> "2w", "12 months" -> "12m"; anything else -> "d<day>"."""
    match = re.fullmatch(r"\s*(\d+)\s*(day|week|month|year)s?\s*", label.lower())
    return f"{match.group(1)}{_UNIT_LETTER[match.group(2)]}" if match else f"d{day}"


def timepoints_from_setting(
    setting: Iterable[str], baseline: Timepoint = BASELINE
) -> tuple[Timepoint, ...]:
    """Timepoints from a clinic setting such as ``["14:2 weeks", "91:3 months"]``.

    Rule: each follow-up's window reaches halfway to its neighbours. Between two follow-ups
    on days a < b the boundary is m = (a + b) // 2; the earlier window ends on m and the
    later starts on m + 1. The first window starts on half its day (at least day 1) and the
    last ends one half of its day after it (day * 3 // 2). The baseline is kept as given.
    """
    parsed: list[tuple[int, str]] = []
    for item in setting:
        day_text, _, label = item.partition(":")
        day = int(day_text.strip())
        if day <= 0:
            raise ValueError(f"a follow-up must be after day 0: {item!r}")
        parsed.append((day, label.strip() or f"Day {day}"))
    parsed.sort()
    days = [d for d, _ in parsed]
    if len(set(days)) != len(days):
        raise ValueError("two follow-ups on the same day")
    out = [baseline]
    for i, (day, label) in enumerate(parsed):
        start = max(1, day // 2) if i == 0 else (days[i - 1] + day) // 2 + 1
        end = day * 3 // 2 if i == len(parsed) - 1 else (day + days[i + 1]) // 2
        out.append(Timepoint(_key_of(day, label), label, day=day, start=start, end=end))
    return tuple(out)


def band_index(measure: Measure, values: ArrayLike) -> NDArray[np.intp]:
    """Index (0-based) of each value's band: the last band whose ``low`` it reaches;
    -1 for a missing value (NaN)."""
    lows = np.array([b.low for b in measure.bands], dtype=float)
    arr = np.asarray(values, dtype=float)
    idx = np.searchsorted(lows, arr, side="right") - 1
    return np.where(np.isnan(arr), -1, idx)


@dataclass(frozen=True)
class Responder:
    """A responder definition: who counts as improved at a follow-up.

    ``min_percent``: improvement from baseline of at least this many percent;
    ``min_points``: and at least this many points; ``lower_band``: the follow-up value lies
    in a lower severity band than the baseline. A subject whose baseline is 0 cannot be
    evaluated by a percentage rule (no improvement is possible), nor by the band rule when
    the baseline is already in the lowest band; such subjects are counted as not evaluable.
    """

    key: str
    label: str
    measure: str
    rule: str
    citation: str
    min_percent: float | None = None
    min_points: float | None = None
    lower_band: bool = False


IRLS_50 = Responder(
    key="irls_50",
    label="IRLS improved >= 50 %",
    measure=IRLS_TOTAL.key,
    rule="IRLS total at follow-up at least 50 % lower than at baseline",
    citation="A common responder definition in RLS trials",
    min_percent=50.0,
)
IRLS_BAND = Responder(
    key="irls_band",
    label="IRLS lower severity band",
    measure=IRLS_TOTAL.key,
    rule="IRLS total at follow-up in a lower severity band than at baseline",
    citation=WALTERS_2003 + " (bands)",
    lower_band=True,
)
PAIN_30 = Responder(
    key="pain_30_2",
    label="Pain improved >= 30 % and >= 2 points",
    measure=PAIN_MAX.key,
    rule="Worst leg pain at follow-up at least 30 % and at least 2 points lower than baseline",
    citation=FARRAR_2001,
    min_percent=30.0,
    min_points=2.0,
)
DEFAULT_RESPONDERS: tuple[Responder, ...] = (IRLS_50, IRLS_BAND, PAIN_30)
