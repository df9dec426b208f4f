# SPDX-License-Identifier: AGPL-3.0-or-later
"""The figures of a stored analysis run, drawn from its saved result on request.

A run's result holds every number the figures need (the per-subject pairs, the
Kaplan-Meier steps, the monitoring changes), so a figure is the same whenever it is asked
for, and no figure reads the clinic's records again.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from nervepath.research import disclosure
from nervepath.science.outcomes import plots
from nervepath.science.outcomes.format import p_value
from nervepath.science.outcomes.result import AnalysisResult

FOLLOW_UP_ORDER = ("12m", "6m", "3m", "2w")

#: A run's stored result, as stored (any schema version) or already read.
Stored = dict[str, Any] | AnalysisResult


def _read(result: Stored) -> AnalysisResult:
    return result if isinstance(result, AnalysisResult) else AnalysisResult.from_dict(result)


def _measures(result: AnalysisResult) -> dict[str, dict[str, Any]]:
    return {m["key"]: m for m in result.measures}


def headline_follow_up(result: Stored, measure: str) -> str | None:
    """The latest follow-up with at least two pairs for this measure."""
    run = _read(result)
    pairs = run.pairs.get(measure, {})
    for key in reversed(run.follow_ups):
        if len(pairs.get(key, [])) >= 2:
            return key
    return None


def available(result: Stored) -> list[dict[str, str]]:
    """Name, title and caption of each figure this run can draw, in reading order."""
    result = _read(result)
    out = []
    labels = result.timepoint_labels
    for key, m in _measures(result).items():
        follow_up = headline_follow_up(result, key)
        if follow_up is None:
            continue
        n = len(result.pairs[key][follow_up])
        out.append(
            {
                "name": f"paired-{key}",
                "title": f"{m['label']}: baseline and {labels[follow_up]}",
                "caption": (
                    f"{m['label']} of each patient at baseline and at {labels[follow_up]} "
                    f"(n = {disclosure.count(n)} with both); bold: mean with 95 % CI."
                ),
            }
        )
        out.append(
            {
                "name": f"boxes-{key}",
                "title": f"{m['label']} at each follow-up",
                "caption": (
                    f"{m['label']} at baseline and each follow-up, patients with a baseline "
                    "value; boxes: median and quartiles."
                ),
            }
        )
    for definition in result.responder_definitions:
        if any(r["n"] for r in result.responders if r["responder"] == definition["key"]):
            out.append(
                {
                    "name": f"responders-{definition['key']}",
                    "title": f"Responders: {definition['label']}",
                    "caption": (
                        f"Share of patients meeting “{definition['label']}” at each "
                        "follow-up, with Wilson 95 % CI; n = patients evaluable."
                    ),
                }
            )
    if result.recurrence_km:
        out.append(
            {
                "name": "recurrence",
                "title": "Time to symptom return after a response",
                "caption": (
                    "Kaplan-Meier estimate of remaining free of symptom return among IRLS "
                    "responders, with 95 % CI (log-log); + marks censored patients."
                ),
            }
        )
    for nerve in result.monitored_nerves:
        out.append(
            {
                "name": f"monitoring-{nerve['nerve']}",
                "title": f"Amplitude change: {nerve['nerve'].replace('_', ' ')}",
                "caption": (
                    "Intraoperative amplitude change after release, % of the amplitude "
                    "before, by subgroup."
                ),
            }
        )
    return out


def figure(result: Stored, name: str) -> Figure:
    """The named figure (KeyError for a name this run has not); counts of 1 to
    ``NERVEPATH_RESEARCH_MIN_CELL`` - 1 on it read "<min" (``disclosure``)."""
    result = _read(result)
    if name not in {f["name"] for f in available(result)}:
        raise KeyError(name)
    min_cell = disclosure.min_cell()
    measures, labels = _measures(result), result.timepoint_labels
    kind, _sep, key = name.partition("-")
    if kind == "paired":
        m = measures[key]
        follow_up = headline_follow_up(result, key) or ""
        pairs = [tuple(p) for p in result.pairs[key][follow_up]]
        return plots.paired_lines(
            pairs, m["label"], m["unit"], after_label=labels[follow_up], min_cell=min_cell
        )
    if kind == "boxes":
        m = measures[key]
        by_follow_up = result.pairs[key]
        baseline: dict[str, float] = {}
        for follow_up_pairs in by_follow_up.values():
            baseline.update({code: before for code, before, _after in follow_up_pairs})
        series = [("Baseline", list(baseline.values()))]
        series += [
            (labels[t], [after for _code, _before, after in by_follow_up.get(t, [])])
            for t in result.follow_ups
        ]
        return plots.boxes_by_timepoint(series, m["label"], m["unit"], min_cell=min_cell)
    if kind == "responders":
        definition = next(d for d in result.responder_definitions if d["key"] == key)
        rows = [
            (
                labels.get(r["timepoint"]) or r["timepoint"],
                r["share"],
                r["ci_low"],
                r["ci_high"],
                r["n"],
            )
            for r in result.responders
            if r["responder"] == key and r["n"]
        ]
        return plots.responder_bars(rows, definition["label"], min_cell=min_cell)
    if kind == "recurrence":
        curves = {}
        groups = result.recurrence_by_group
        kms = list(groups.items()) if groups else [("All responders", result.recurrence_km)]
        for label, km in kms:
            curves[label] = _curve(km or {})
        p_text = ""
        if result.logrank_p is not None:
            p_text = f"log-rank p = {p_value(result.logrank_p)}"
        return plots.km_curve(
            curves,
            "Free of symptom return",
            xlabel="Days since surgery",
            p_text=p_text,
            min_cell=min_cell,
        )
    if kind == "monitoring":
        nerve = next(n for n in result.monitored_nerves if n["nerve"] == key)
        return plots.change_distribution(
            nerve["changes"],
            "Amplitude change",
            "%",
            title=key.replace("_", " ").capitalize(),
            min_cell=min_cell,
        )
    raise KeyError(name)


def _curve(km: dict[str, Any], every: int = 90) -> dict[str, Any]:
    """Steps of a stored Kaplan-Meier estimate as the plot wants them (starting at 1), with
    the number at risk every ``every`` days (at the first step on or after that day, since
    patients enter the risk set only when they first respond)."""
    times, survival, low, high = [0.0], [1.0], [1.0], [1.0]
    censored_times, censored_survival = [], []
    for step in km["steps"]:
        if step["events"]:
            times.append(step["time"])
            survival.append(step["survival"])
            low.append(step["ci_low"] if step["ci_low"] is not None else step["survival"])
            high.append(step["ci_high"] if step["ci_high"] is not None else step["survival"])
        if step["censored"]:
            censored_times.append(step["time"])
            censored_survival.append(step["survival"])
    last = max((s["time"] for s in km["steps"]), default=0)
    at_risk = []
    for tick in range(0, int(last) + 1, every):
        following = next((s for s in km["steps"] if s["time"] >= tick), None)
        at_risk.append((tick, following["at_risk"] if following else 0))
    return {
        "times": times,
        "survival": survival,
        "low": low,
        "high": high,
        "censored_times": censored_times,
        "censored_survival": censored_survival,
        "n": km["n"],
        "at_risk": at_risk,
    }


def render(result: Stored, name: str, fmt: str) -> bytes:
    if fmt not in ("svg", "png"):
        raise KeyError(fmt)
    return plots.render(figure(result, name), fmt)
