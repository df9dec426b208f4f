# SPDX-License-Identifier: AGPL-3.0-or-later
"""The window rules that turn observations into one value per subject and timepoint."""

from __future__ import annotations

import math

from nervepath.science.outcomes.assemble import assemble
from nervepath.science.outcomes.data import Dataset, Observation, Subject


def _ds(*obs: tuple[str, str, int, float], codes=("A", "B")) -> Dataset:
    return Dataset(
        subjects=tuple(Subject(c, 50, "female", False) for c in codes),
        observations=tuple(Observation(*o) for o in obs),
    )


def test_baseline_takes_the_last_value_in_its_window():
    data = assemble(_ds(("A", "irls_total", -100, 30), ("A", "irls_total", -3, 25),
                        ("A", "irls_total", -200, 40), ("A", "irls_total", 3, 5)))  # fmt: skip
    assert data.values["irls_total"].loc["A", "baseline"] == 25
    assert data.days["irls_total"].loc["A", "baseline"] == -3


def test_follow_up_takes_the_nearest_and_a_tie_goes_to_the_earlier_day():
    data = assemble(_ds(("A", "irls_total", 84, 10), ("A", "irls_total", 98, 20),
                        ("B", "irls_total", 70, 11), ("B", "irls_total", 100, 21)))  # fmt: skip
    table = data.values["irls_total"]
    assert table.loc["A", "3m"] == 10  # 84 and 98 are both 7 days from 91
    assert table.loc["B", "3m"] == 21  # 100 is nearer 91 than 70
    assert data.days["irls_total"].loc["A", "3m"] == 84


def test_same_day_values_the_later_recorded_wins():
    data = assemble(_ds(("A", "pain_max", 14, 3), ("A", "pain_max", 14, 6)))
    assert data.values["pain_max"].loc["A", "2w"] == 6


def test_nights_measures_take_the_mean_of_the_window():
    data = assemble(_ds(("A", "plms_index", 10, 10.0), ("A", "plms_index", 14, 20.0),
                        ("A", "plms_index", 40, 60.0), ("A", "plms_index", 50, 99.0)))  # fmt: skip
    assert data.values["plms_index"].loc["A", "2w"] == 30.0  # 50 is outside 7..42
    long = data.long
    row = long[(long.code == "A") & (long.timepoint == "2w")].iloc[0]
    assert row["n"] == 3 and row["day"] == 14


def test_gaps_unknown_subjects_and_measures_and_nan_are_left_out():
    data = assemble(_ds(("A", "irls_total", 50, 10),  # between 2w (..42) and 3m (60..)
                        ("Z", "irls_total", 14, 10),  # not a subject of the dataset
                        ("A", "weight", 14, 80),  # not a measure
                        ("A", "irls_total", 14, math.nan)))  # fmt: skip
    table = data.values["irls_total"]
    assert list(table.index) == ["A", "B"]
    assert table.isna().all().all()
    assert set(data.long["measure"]) <= {"irls_total"} and len(data.long) == 0


def test_missing_follow_up_stays_missing():
    data = assemble(_ds(("A", "irls_total", -1, 20), ("A", "irls_total", 365, 5)))
    row = data.values["irls_total"].loc["A"]
    assert row["baseline"] == 20 and row["12m"] == 5
    assert math.isnan(row["3m"]) and math.isnan(row["2w"])
