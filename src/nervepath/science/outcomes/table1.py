# SPDX-License-Identifier: AGPL-3.0-or-later
"""A journal "Table 1": who was in the cohort, overall and per subgroup.

Continuous rows show mean ± SD (and median [IQR] for the baseline scores); categorical rows
n (%) of the column's subjects. p-values compare the known subgroups (the "Unknown" column
is left out): continuous rows with `groups.compare_groups` (Welch t-test or Mann-Whitney U,
only when there are exactly two known subgroups), categorical rows with
`groups.compare_counts` (chi-square, or Fisher's exact test for a sparse 2x2 table).

Ages of 90 and over are never shown exactly: they are counted as 90 in the mean and SD
and shown as a count "Age ≥ 90 years" (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)(i)(C)).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nervepath.science.outcomes.data import Subject
from nervepath.science.outcomes.describe import describe
from nervepath.science.outcomes.format import p_value
from nervepath.science.outcomes.groups import compare_counts, compare_groups

AGE_TOP = 90
UNKNOWN = "Unknown"
# The Table 1 row of a subgroup attribute: not tested against itself.
SUBGROUP_COLUMN = {"diabetes": "diabetes", "sex": "sex", "legs": "legs", "block_response": "block"}
SEX_LABELS = {"female": "Female", "male": "Male", "other": "Other", "": "Not recorded"}
BLOCK_LABELS = {  # Subject.block_response, as the clinic's cohorts record it
    "candidate": "Candidate",
    "not_candidate": "Not a candidate",
    "not_reviewed": "Block, no decision",
    "no_block": "No block",
    "": "Not recorded",
}


def subgroup_of(subject: Subject, subgroup: str) -> str:
    """The subject's subgroup label; "Unknown" when not recorded."""
    value = getattr(subject, subgroup)
    if subgroup == "diabetes":
        return {True: "Diabetic", False: "Non-diabetic"}.get(value, UNKNOWN)
    if value is None or value == "":
        return UNKNOWN
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value).replace("_", " ").capitalize()


def subgroup_order(labels: Sequence[str], subgroup: str) -> list[str]:
    """Known subgroups in a fixed order, "Unknown" last."""
    if subgroup == "diabetes":
        known = ["Diabetic", "Non-diabetic"]
    else:
        known = sorted({x for x in labels if x != UNKNOWN})
    return known + ([UNKNOWN] if UNKNOWN in labels else [])


@dataclass
class Table1:
    header: list[str]
    rows: list[list[str]]
    numbers: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"header": self.header, "rows": self.rows, "numbers": self.numbers}


def _pct(k: int, n: int) -> str:
    return f"{k} ({100 * k / n:.1f})" if n else "0"


def table1(
    subjects: Sequence[Subject],
    baseline: Mapping[str, tuple[str, pd.Series]],
    subgroup: str = "diabetes",
) -> Table1:
    """``baseline``: measure key -> (label, values indexed by subject code)."""
    frame = pd.DataFrame(
        {
            "code": [s.code for s in subjects],
            "age": [np.nan if s.age is None else min(s.age, AGE_TOP) for s in subjects],
            "age90": [s.age is not None and s.age >= AGE_TOP for s in subjects],
            "sex": [SEX_LABELS.get(s.sex, s.sex.capitalize()) for s in subjects],
            "diabetes": [subgroup_of(s, "diabetes") for s in subjects],
            "legs": [str(s.legs) for s in subjects],
            "block": [BLOCK_LABELS.get(s.block_response, s.block_response) for s in subjects],
            "group": [subgroup_of(s, subgroup) for s in subjects],
        }
    ).set_index("code")
    groups = subgroup_order(list(frame["group"].unique()), subgroup)
    known = [g for g in groups if g != UNKNOWN]
    columns: list[tuple[str, pd.DataFrame]] = [("Overall", frame)] + [
        (g, frame[frame["group"] == g]) for g in groups
    ]
    header = ["Characteristic"] + [f"{name} (n={len(df)})" for name, df in columns] + ["p"]
    rows: list[list[str]] = []
    numbers: dict[str, Any] = {"n": {name: len(df) for name, df in columns}}

    def continuous(key: str, label: str, series: pd.Series, median: bool) -> None:
        summaries = {name: describe(series.reindex(df.index).to_numpy()) for name, df in columns}
        p = None
        if len(known) == 2:
            a, b = (series.reindex(frame.index[frame["group"] == g]).to_numpy() for g in known)
            p = compare_groups(a, b)
        numbers[key] = {
            "summaries": {k: v.as_dict() for k, v in summaries.items()},
            "test": p.as_dict() if p else None,
        }
        pv = p_value(p.p_value) if p else "—"
        rows.append([f"{label}, mean ± SD"] + [s.mean_sd() for s in summaries.values()] + [pv])
        if median:
            rows.append(
                [f"{label}, median [IQR]"] + [s.median_iqr() for s in summaries.values()] + [""]
            )
        missing = [int(df.shape[0] - summaries[name].n) for name, df in columns]
        if any(missing):
            rows.append([f"{label}, missing"] + [str(m) for m in missing] + [""])

    def categorical(key: str, label: str, column: str, order: Sequence[str]) -> None:
        present = [c for c in order if (frame[column] == c).any()]
        present += sorted(set(frame[column]) - set(order))
        counts = {name: {c: int((df[column] == c).sum()) for c in present} for name, df in columns}
        test = None
        if len(known) >= 2 and column != SUBGROUP_COLUMN.get(subgroup):
            table = [[counts[g][c] for c in present] for g in known]
            test = compare_counts(table)
        numbers[key] = {"counts": counts, "test": test.as_dict() if test else None}
        rows.append(
            [f"{label}, n (%)"] + [""] * len(columns) + [p_value(test.p_value) if test else "—"]
        )
        for c in present:
            rows.append(
                [f"  {c}"] + [_pct(counts[name][c], len(df)) for name, df in columns] + [""]
            )

    continuous("age", "Age, years", frame["age"], median=False)
    age90 = {name: int(df["age90"].sum()) for name, df in columns}
    numbers["age_90_or_more"] = age90
    rows.append(
        ["Age ≥ 90 years, n (%)"] + [_pct(age90[name], len(df)) for name, df in columns] + [""]
    )
    categorical("sex", "Sex", "sex", list(SEX_LABELS.values()))
    categorical("diabetes", "Diabetes", "diabetes", ["Diabetic", "Non-diabetic", UNKNOWN])
    categorical("legs", "Legs operated", "legs", ["0", "1", "2"])
    categorical("block_response", "Block response", "block", list(BLOCK_LABELS.values()))
    for key, (label, series) in baseline.items():
        continuous(f"baseline_{key}", f"Baseline {label}", series, median=True)
    return Table1(header=header, rows=rows, numbers=numbers)
