# SPDX-License-Identifier: AGPL-3.0-or-later
"""Run the whole outcomes analysis of a `Dataset` and keep what a report and plots need.

`analyse` assembles the subjects x timepoints tables (`assemble`), then computes: Table 1;
per measure and follow-up the paired comparison with baseline on complete pairs; the
responder shares with Wilson CIs; the subgroup comparison of the change; the repeated-
measures GEE per measure (and the mixed-model sensitivity analysis for the primary
measure in cohorts of up to 1500 subjects); intraoperative monitoring; and the Kaplan-Meier
estimate of symptom return after a response, by subgroup with a log-rank test when both
subgroups have at least 2 subjects. Methods and sources: docs/research-statistics.md and
the docstrings of the modules named.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nervepath.science.outcomes.assemble import Assembled, assemble
from nervepath.science.outcomes.data import Dataset, Measure, Timepoint
from nervepath.science.outcomes.format import jsonable, number, p_value, percent
from nervepath.science.outcomes.groups import GroupResult, compare_groups
from nervepath.science.outcomes.measures import (
    BASELINE_KEY,
    DEFAULT_RESPONDERS,
    PRIMARY_MEASURE,
    Responder,
)
from nervepath.science.outcomes.monitoring import Monitoring, monitoring
from nervepath.science.outcomes.paired import PairedResult, compare_paired
from nervepath.science.outcomes.repeated import ModelResult, fit_gee, fit_mixed
from nervepath.science.outcomes.responders import ResponderShare, share
from nervepath.science.outcomes.result import ANALYSIS_SCHEMA_VERSION
from nervepath.science.outcomes.survival import KaplanMeier, LogRank, Recurrence, kaplan_meier
from nervepath.science.outcomes.survival import logrank as logrank_test
from nervepath.science.outcomes.survival import recurrence as recurrence_of
from nervepath.science.outcomes.table1 import UNKNOWN, Table1, subgroup_of, subgroup_order, table1

RESULTS_HEADER = [
    "Measure",
    "Timepoint",
    "n",
    "Baseline, mean ± SD",
    "Follow-up, mean ± SD",
    "Change [95 % CI]",
    "Test",
    "p",
    "Effect size",
    "Responders, % [95 % CI]",
]


def versions() -> dict[str, str]:
    import pandas
    import scipy
    import statsmodels

    return {
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
        "pandas": pandas.__version__,
    }


@dataclass
class Analysis:
    definition: dict[str, object]
    snapshot_at: str
    code_version: str
    versions: dict[str, str]
    subgroup: str
    compared: tuple[str, str]
    n_subjects: int
    n_observations: int
    measures: tuple[Measure, ...]
    timepoints: tuple[Timepoint, ...]
    responder_definitions: tuple[Responder, ...]
    table1: Table1
    paired: dict[str, dict[str, PairedResult]] = field(default_factory=dict)
    pairs: dict[str, dict[str, list[tuple[str, float, float]]]] = field(default_factory=dict)
    responders: list[ResponderShare] = field(default_factory=list)
    subgroup_change: dict[str, dict[str, GroupResult]] = field(default_factory=dict)
    models: dict[str, ModelResult] = field(default_factory=dict)
    mixed: ModelResult | None = None
    monitoring: Monitoring | None = None
    recurrence: Recurrence | None = None
    recurrence_by_group: dict[str, KaplanMeier] = field(default_factory=dict)
    recurrence_logrank: LogRank | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    def as_dict(self) -> dict[str, Any]:
        """Everything as JSON-serialisable values (no NaN: None), incl. the plot data."""
        return jsonable(
            {
                "definition": self.definition,
                "snapshot_at": self.snapshot_at,
                "code_version": self.code_version,
                "versions": self.versions,
                "subgroup": self.subgroup,
                "compared": list(self.compared),
                "n_subjects": self.n_subjects,
                "n_observations": self.n_observations,
                "measures": [
                    {
                        "key": m.key,
                        "label": m.label,
                        "unit": m.unit,
                        "lower_is_better": m.lower_is_better,
                        "aggregate": m.aggregate,
                        "mcid": m.mcid,
                        "mcid_source": m.mcid_source,
                    }
                    for m in self.measures
                ],
                "timepoints": [vars(t) for t in self.timepoints],
                "responder_definitions": [vars(r) for r in self.responder_definitions],
                "table1": self.table1.as_dict(),
                "paired": {
                    m: {t: r.as_dict() for t, r in by_t.items()} for m, by_t in self.paired.items()
                },
                "pairs": {
                    m: {t: [list(p) for p in ps] for t, ps in by_t.items()}
                    for m, by_t in self.pairs.items()
                },
                "responders": [r.as_dict() for r in self.responders],
                "subgroup_change": {
                    m: {t: r.as_dict() for t, r in by_t.items()}
                    for m, by_t in self.subgroup_change.items()
                },
                "models": {m: r.as_dict() for m, r in self.models.items()},
                "mixed": self.mixed.as_dict() if self.mixed else None,
                "monitoring": self.monitoring.as_dict() if self.monitoring else None,
                "recurrence": self.recurrence.as_dict() if self.recurrence else None,
                "recurrence_by_group": {
                    g: km.as_dict() for g, km in self.recurrence_by_group.items()
                },
                "recurrence_logrank": (
                    self.recurrence_logrank.as_dict() if self.recurrence_logrank else None
                ),
                "results_table": {"header": RESULTS_HEADER, "rows": self.results_table()},
                "timings": self.timings,
                "schema_version": ANALYSIS_SCHEMA_VERSION,
            }
        )

    def results_table(self) -> list[list[str]]:
        """The journal results table, one row per measure and follow-up (see RESULTS_HEADER)."""
        rows = []
        labels = {t.key: t.label for t in self.timepoints}
        for m in self.measures:
            for tkey, r in self.paired.get(m.key, {}).items():
                change = "—"
                if r.mean_change is not None:
                    change = number(r.mean_change)
                    if r.ci_low is not None and r.ci_high is not None:
                        change += f" [{number(r.ci_low)} to {number(r.ci_high)}]"
                effect = "—"
                if r.effect_size is not None:
                    effect = f"{r.effect_size_name} = {r.effect_size:.2f}"
                shares = [
                    f"{percent(s.share)} [{percent(s.ci_low)}–{percent(s.ci_high)}]"
                    f" ({self._responder_label(s.responder)})"
                    for s in self.responders
                    if s.timepoint == tkey
                    and s.share is not None
                    and self._responder_measure(s.responder) == m.key
                ]
                rows.append(
                    [
                        m.label,
                        labels.get(tkey, tkey),
                        str(r.n),
                        _mean_sd(r.mean_before, r.sd_before),
                        _mean_sd(r.mean_after, r.sd_after),
                        change,
                        r.test or "—",
                        p_value(r.p_value),
                        effect,
                        "; ".join(shares) or "—",
                    ]
                )
        return rows

    def _responder_measure(self, key: str) -> str:
        return next((r.measure for r in self.responder_definitions if r.key == key), "")

    def _responder_label(self, key: str) -> str:
        return next((r.label for r in self.responder_definitions if r.key == key), key)


def _mean_sd(mean: float | None, sd: float | None) -> str:
    if mean is None:
        return "—"
    return number(mean) if sd is None else f"{number(mean)} ± {number(sd)}"


def analyse(
    dataset: Dataset,
    subgroup: str = "diabetes",
    responders: tuple[Responder, ...] = DEFAULT_RESPONDERS,
) -> Analysis:
    """Run every analysis of the outcomes study on ``dataset`` (see the module docstring)."""
    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 4)
        clock = now

    data: Assembled = assemble(dataset)
    lap("assemble")
    group_of = {s.code: subgroup_of(s, subgroup) for s in dataset.subjects}
    order = subgroup_order(list(group_of.values()), subgroup)
    known = [g for g in order if g != UNKNOWN]
    padded = [*known, "", ""]  # fewer than two known subgroups: empty comparison groups
    compared = (padded[0], padded[1])
    groups = np.array([group_of[c] for c in data.codes], dtype=object)

    baseline_rows = {
        m.key: (m.label, data.values[m.key][BASELINE_KEY])
        for m in data.measures
        if m.key in ("irls_total", "pain_max", "plms_index")
    }
    result = Analysis(
        definition=dict(dataset.definition),
        snapshot_at=dataset.snapshot_at,
        code_version=dataset.code_version,
        versions=versions(),
        subgroup=subgroup,
        compared=compared,
        n_subjects=len(data.codes),
        n_observations=len(dataset.observations),
        measures=data.measures,
        timepoints=data.timepoints,
        responder_definitions=responders,
        table1=table1(dataset.subjects, baseline_rows, subgroup),
    )
    lap("table1")

    codes = np.array(data.codes, dtype=object)
    for m in data.measures:
        table = data.values[m.key]
        base = table[BASELINE_KEY].to_numpy(dtype=float)
        result.paired[m.key], result.pairs[m.key], result.subgroup_change[m.key] = {}, {}, {}
        for tp in data.followups:
            fu = table[tp.key].to_numpy(dtype=float)
            both = np.isfinite(base) & np.isfinite(fu)
            result.paired[m.key][tp.key] = compare_paired(base, fu)
            result.pairs[m.key][tp.key] = list(
                zip(codes[both].tolist(), base[both].tolist(), fu[both].tolist(), strict=True)
            )
            change = fu - base
            result.subgroup_change[m.key][tp.key] = compare_groups(
                change[groups == compared[0]], change[groups == compared[1]]
            )
            for r in responders:
                if r.measure == m.key:
                    result.responders.append(share(r, m, tp.key, base, fu))
    lap("paired_responders_subgroups")

    tp_order = [t.key for t in data.timepoints]
    for m in data.measures:
        long = data.long[data.long["measure"] == m.key]
        result.models[m.key] = fit_gee(long, m.key, tp_order)
    lap("gee")
    primary = next((m.key for m in data.measures if m.key == PRIMARY_MEASURE), None)
    if primary is not None:
        long = data.long[data.long["measure"] == primary]
        result.mixed = fit_mixed(long, primary, tp_order)
    lap("mixed")

    result.monitoring = monitoring(dataset.readings, group_of, compared)
    lap("monitoring")

    if primary is not None:
        rec = recurrence_of(
            data.values[primary], data.days[primary], [t.key for t in data.followups]
        )
        result.recurrence = rec
        rec_groups = np.array([group_of[c] for c in rec.codes], dtype=object)
        sizes = {g: int((rec_groups == g).sum()) for g in compared}
        if all(sizes[g] >= 2 for g in compared):
            dur, ev, en = (np.asarray(x) for x in (rec.duration, rec.event, rec.entry))
            for g in compared:
                sel = rec_groups == g
                result.recurrence_by_group[g] = kaplan_meier(dur[sel], ev[sel], entry=en[sel])
            sel = np.isin(rec_groups, list(compared))
            result.recurrence_logrank = logrank_test(
                dur[sel], ev[sel], rec_groups[sel].astype(str), entry=en[sel]
            )
    lap("recurrence")
    result.timings = timings
    return result
