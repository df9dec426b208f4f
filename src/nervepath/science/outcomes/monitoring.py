# SPDX-License-Identifier: AGPL-3.0-or-later
"""Intraoperative monitoring: the amplitude change of each nerve at release.

Amplitude change % = (after - before) / before x 100, the same definition as the clinic's
per-patient monitoring (nervepath.science.nerves.monitoring). A reading with a "before"
amplitude of 0 has no percentage: it is excluded from these statistics and counted. Changes
are summarised per nerve overall and by subgroup, and diabetic and non-diabetic patients
are compared with `groups.compare_groups` (Welch t-test or Mann-Whitney U).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nervepath.science.outcomes.data import Reading
from nervepath.science.outcomes.describe import Summary, describe
from nervepath.science.outcomes.groups import GroupResult, compare_groups


@dataclass
class NerveSummary:
    nerve: str
    overall: Summary
    by_group: dict[str, Summary]
    comparison: GroupResult | None  # group a vs group b of `Monitoring.compared`
    changes: dict[str, list[float]]  # group label -> the changes (%), for the plots

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Monitoring:
    n_readings: int
    excluded_zero_before: int
    compared: tuple[str, str]
    nerves: list[NerveSummary] = field(default_factory=list)
    note: str = (
        "Amplitude change % = (after - before) / before x 100; readings with a before "
        "amplitude of 0 are excluded."
    )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def monitoring(
    readings: Sequence[Reading],
    group_of: Mapping[str, str],
    compared: tuple[str, str] = ("Diabetic", "Non-diabetic"),
) -> Monitoring:
    """Per nerve: the change % overall and per group (``group_of``: code -> group label),
    and the comparison of the two ``compared`` groups."""
    frame = pd.DataFrame(
        {
            "code": [r.code for r in readings],
            "nerve": [r.nerve for r in readings],
            "before": np.fromiter((r.before_uv for r in readings), float, len(readings)),
            "after": np.fromiter((r.after_uv for r in readings), float, len(readings)),
        }
    )
    valid = np.isfinite(frame["before"]) & np.isfinite(frame["after"])
    zero = valid & (frame["before"] == 0)
    frame = frame[valid & ~zero].copy()
    frame["change"] = (frame["after"] - frame["before"]) / frame["before"] * 100
    frame["group"] = frame["code"].map(group_of).fillna("Unknown")
    out = Monitoring(
        n_readings=len(readings), excluded_zero_before=int(zero.sum()), compared=compared
    )
    for nerve, sub in frame.groupby("nerve", sort=True):
        per_group = {str(g): s["change"].to_numpy() for g, s in sub.groupby("group")}
        a = per_group.get(compared[0], np.array([]))
        b = per_group.get(compared[1], np.array([]))
        out.nerves.append(
            NerveSummary(
                nerve=str(nerve),
                overall=describe(sub["change"].to_numpy()),
                by_group={g: describe(v) for g, v in per_group.items()},
                comparison=compare_groups(a, b) if a.size and b.size else None,
                changes={g: [float(x) for x in v] for g, v in per_group.items()},
            )
        )
    return out
