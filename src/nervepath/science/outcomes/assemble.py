# SPDX-License-Identifier: AGPL-3.0-or-later
"""From a `Dataset` to one value per subject, measure and timepoint.

Window rules (days since the index procedure, windows inclusive at both ends):

* Baseline: the LAST value in the baseline window (the most recent before the procedure).
* A follow-up, measure aggregated "nearest": the value nearest the timepoint's day; a tie
  in distance goes to the earlier day.
* A follow-up or the baseline, measure aggregated "mean" (the nights measures, PLMS index
  and leg movements per hour, recorded night by night): the MEAN of all nights in the
  window; the day shown is the day the "nearest" rule would have taken, and the number of
  nights is kept.
* Two values of one measure on the same day: the one recorded later in the dataset wins.

Observations of subjects or measures not in the dataset, and non-finite values, are left
out. The work is vectorised with pandas: one sort and one de-duplication per timepoint,
no Python loop over observations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nervepath.science.outcomes.data import Dataset, Measure, Timepoint
from nervepath.science.outcomes.measures import BASELINE_KEY, DEFAULT_MEASURES, DEFAULT_TIMEPOINTS

LONG_COLUMNS = ["code", "measure", "timepoint", "day", "value", "n"]


@dataclass
class Assembled:
    """Per measure, subjects x timepoints tables of values and of the observed days."""

    measures: tuple[Measure, ...]
    timepoints: tuple[Timepoint, ...]
    codes: list[str]
    long: pd.DataFrame  # one row per subject, measure and timepoint with a value
    values: dict[str, pd.DataFrame] = field(default_factory=dict)
    days: dict[str, pd.DataFrame] = field(default_factory=dict)

    def measure(self, key: str) -> Measure:
        for m in self.measures:
            if m.key == key:
                return m
        raise KeyError(key)

    @property
    def followups(self) -> tuple[Timepoint, ...]:
        return tuple(t for t in self.timepoints if t.key != BASELINE_KEY)


def observations_frame(dataset: Dataset) -> pd.DataFrame:
    """The observations as columns (code, measure, day, value, order)."""
    obs = dataset.observations
    return pd.DataFrame(
        {
            "code": [o.code for o in obs],
            "measure": [o.measure for o in obs],
            "day": np.fromiter((o.day for o in obs), dtype=np.int64, count=len(obs)),
            "value": np.fromiter((o.value for o in obs), dtype=float, count=len(obs)),
            "order": np.arange(len(obs), dtype=np.int64),
        }
    )


def _pick(window: pd.DataFrame, tp: Timepoint, mean_measures: set[str]) -> pd.DataFrame:
    """One row per (measure, code) in one window, by the rules of the module docstring."""
    w = window.copy()
    if tp.key == BASELINE_KEY:
        w["rank"] = -w["day"]  # latest day first
    else:
        w["rank"] = (w["day"] - tp.day).abs() * 2 + (w["day"] > tp.day)  # tie -> earlier day
    w = w.sort_values(["measure", "code", "rank", "order"], ascending=[True, True, True, False])
    grouped = w.groupby(["measure", "code"], sort=False)["value"]
    w["n"] = grouped.transform("size")
    is_mean = w["measure"].isin(mean_measures).to_numpy()
    if is_mean.any():
        w.loc[is_mean, "value"] = grouped.transform("mean").to_numpy()[is_mean]
    picked = w.drop_duplicates(["measure", "code"], keep="first")
    picked = picked.assign(timepoint=tp.key)
    return picked[LONG_COLUMNS]


def assemble(dataset: Dataset) -> Assembled:
    """Per measure, a subjects x timepoints table (NaN where a subject has no value)."""
    measures = dataset.measures or DEFAULT_MEASURES
    timepoints = dataset.timepoints or DEFAULT_TIMEPOINTS
    codes = list(dict.fromkeys(s.code for s in dataset.subjects))
    frame = observations_frame(dataset)
    keys = [m.key for m in measures]
    frame = frame[
        frame["code"].isin(codes) & frame["measure"].isin(keys) & np.isfinite(frame["value"])
    ]
    mean_measures = {m.key for m in measures if m.aggregate == "mean"}
    parts = []
    for tp in timepoints:
        window = frame[(frame["day"] >= tp.start) & (frame["day"] <= tp.end)]
        if len(window):
            parts.append(_pick(window, tp, mean_measures))
    long = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({c: pd.Series(dtype=object) for c in LONG_COLUMNS})
    )
    out = Assembled(measures=measures, timepoints=timepoints, codes=codes, long=long)
    tp_keys = [t.key for t in timepoints]
    for key in keys:
        sub = long[long["measure"] == key]
        values = sub.pivot(index="code", columns="timepoint", values="value")
        days = sub.pivot(index="code", columns="timepoint", values="day")
        out.values[key] = values.reindex(index=codes, columns=tp_keys).astype(float)
        out.days[key] = days.reindex(index=codes, columns=tp_keys).astype(float)
    return out
