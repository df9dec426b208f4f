# SPDX-License-Identifier: AGPL-3.0-or-later
"""Default measures, bands, timepoint windows and their rule."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.science.outcomes.measures import (
    BASELINE,
    DEFAULT_MEASURES,
    DEFAULT_SETTING,
    DEFAULT_TIMEPOINTS,
    IRLS_TOTAL,
    PAIN_MAX,
    PLMS_INDEX,
    band_index,
    timepoints_from_setting,
)


def test_default_measures_keys_and_aggregation():
    assert [m.key for m in DEFAULT_MEASURES] == [
        "irls_total",
        "pain_max",
        "sleep_nights",
        "plms_index",
        "movements_per_hour",
    ]
    assert {m.key for m in DEFAULT_MEASURES if m.aggregate == "mean"} == {
        "plms_index",
        "movements_per_hour",
    }
    assert IRLS_TOTAL.mcid is None and PAIN_MAX.mcid == 2.0 and "Farrar" in PAIN_MAX.mcid_source


@pytest.mark.parametrize(
    ("value", "band"),
    [(0, "none"), (1, "mild"), (10, "mild"), (11, "moderate"), (20, "moderate"), (21, "severe"),
     (30, "severe"), (31, "very_severe"), (40, "very_severe"), (10.5, "mild")],
)  # fmt: skip
def test_irls_bands_of_walters_2003(value, band):
    (idx,) = band_index(IRLS_TOTAL, [value])
    assert IRLS_TOTAL.bands[idx].code == band


def test_pain_and_plms_band_edges():
    assert [PAIN_MAX.bands[i].code for i in band_index(PAIN_MAX, [0, 3, 4, 6, 7, 10])] == [
        "none", "mild", "moderate", "moderate", "severe", "severe"
    ]  # fmt: skip
    assert list(band_index(PLMS_INDEX, [14.99, 15.0, 80.0])) == [0, 1, 1]
    assert list(band_index(PLMS_INDEX, [np.nan])) == [-1]


def test_default_timepoints_windows():
    by_key = {t.key: (t.day, t.start, t.end) for t in DEFAULT_TIMEPOINTS}
    assert by_key == {
        "baseline": (0, -180, 0),
        "2w": (14, 7, 42),
        "3m": (91, 60, 135),
        "6m": (182, 136, 273),
        "12m": (365, 274, 547),
    }


def test_setting_rule_halfway_to_neighbours():
    tps = timepoints_from_setting(["91:3 months", "14:2 weeks", "365:12 months", "182:6 months"])
    assert tps[0] == BASELINE
    assert [(t.key, t.label, t.day, t.start, t.end) for t in tps[1:]] == [
        ("2w", "2 weeks", 14, 7, 52),  # starts at half its day; (14+91)//2 = 52
        ("3m", "3 months", 91, 53, 136),
        ("6m", "6 months", 182, 137, 273),
        ("12m", "12 months", 365, 274, 547),  # the last ends at 1.5 x its day
    ]


def test_setting_yields_the_default_days_and_labels():
    built = timepoints_from_setting(DEFAULT_SETTING)
    assert [(t.key, t.label, t.day) for t in built] == [
        (t.key, t.label, t.day) for t in DEFAULT_TIMEPOINTS
    ]


def test_setting_rejects_bad_days():
    with pytest.raises(ValueError, match="after day 0"):
        timepoints_from_setting(["0:Day of surgery"])
    with pytest.raises(ValueError, match="same day"):
        timepoints_from_setting(["14:2 weeks", "14:Two weeks"])
    (_, odd) = timepoints_from_setting(["30:One month-ish"])
    assert odd.key == "d30" and (odd.start, odd.end) == (15, 45)
