# SPDX-License-Identifier: AGPL-3.0-or-later
"""A stored analysis run as tables for its page, and as a PDF or Word document.

The page and the documents show the same tables, built once here from the run's saved
result, so what a researcher reads on screen is what the journal receives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nervepath.research import disclosure, figures
from nervepath.research.models import AnalysisRun
from nervepath.science.outcomes import report as doc
from nervepath.science.outcomes.format import number, p_value, percent
from nervepath.science.outcomes.result import AnalysisResult

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Block:
    """One section of the analysis: text, then tables."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[doc.Table] = field(default_factory=list)


def _ci(low: float | None, high: float | None) -> str:
    return "—" if low is None or high is None else f"{number(low)} to {number(high)}"


def provenance(run: AnalysisRun) -> list[tuple[str, str]]:
    result = AnalysisResult.from_dict(run.result)
    versions = ", ".join(f"{k} {v}" for k, v in result.versions.items())
    lines = [("Cohort", str(run.definition.get("name", run.cohort.name)))]
    lines += [(str(what), str(which)) for what, which in run.definition.get("described", [])]
    lines += [
        ("Patients / legs", f"{disclosure.count(run.patients)} / {disclosure.count(run.legs)}"),
        ("Data snapshot", run.snapshot_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Code version", run.code_version),
        ("Software", versions),
        ("Run by", str(run.created_by)),
    ]
    return lines


def _compared(r: AnalysisResult) -> tuple[str, str]:
    a, b = (r.compared or ["", ""])[:2]
    return a, b


def _gee(r: AnalysisResult) -> dict[str, Any] | None:
    """The first repeated-measures model of the result (its note explains missing data)."""
    return next(iter((r.models or {}).values()), None)


def _methods(r: AnalysisResult) -> Block:
    windows = "; ".join(f"{t['label']}: days {t['start']} to {t['end']}" for t in r.timepoints)
    methods = Block(
        "Methods",
        [
            "Day 0 is each patient's index procedure (the first decompression in the cohort, "
            "or the first block or therapy course). The baseline is the last value in the "
            "180 days up to day 0; each follow-up takes the value nearest its target day "
            f"within its window ({windows}). Night measures take the mean of the nights in "
            "the window.",
            "Each follow-up is compared with baseline on patients with both values: a paired "
            "t-test when the differences pass a Shapiro-Wilk test (p ≥ 0.05), otherwise the "
            "Wilcoxon signed-rank test; the effect size is Cohen's d_z or the matched-pairs "
            "rank-biserial correlation. Responder shares carry Wilson 95 % CIs. Subgroups "
            "are compared on the change (Welch t-test or Mann-Whitney U).",
        ],
    )
    gee = _gee(r)
    if gee and gee.get("note"):
        methods.paragraphs.append("Missing follow-ups: " + gee["note"])
    for definition in r.responder_definitions:
        cite = definition.get("citation") or ""
        methods.paragraphs.append(
            f"Responder “{definition['label']}”: {definition.get('rule', '')}"
            + (f" ({cite})" if cite else "")
        )
    return methods


def _baseline(r: AnalysisResult) -> Block | None:
    """Table 1: the patients at baseline."""
    t1 = r.table1 or {}
    if not t1:
        return None
    return Block(
        "Patients at baseline",
        tables=[
            doc.Table(
                "Baseline characteristics",
                t1["header"],
                t1["rows"],
                "Mean ± SD, median [IQR] or n (%). Ages of 90 and over are counted as 90.",
            )
        ],
    )


def _outcomes(r: AnalysisResult) -> Block | None:
    """Each follow-up compared with baseline (the results table)."""
    rt = r.results_table or {}
    if not rt.get("rows"):
        return None
    return Block(
        "Outcomes at each follow-up",
        tables=[
            doc.Table(
                "Paired comparison with baseline",
                rt["header"],
                rt["rows"],
                "Change = follow-up − baseline (negative is better for every "
                "measure here). Complete pairs only.",
            )
        ],
    )


def _estimate_row(
    measure: str, method: str, e: dict[str, Any], labels: dict[str, str]
) -> list[str]:
    return [
        measure,
        method,
        labels.get(e["timepoint"], e["timepoint"]),
        number(e["change"]),
        _ci(e["ci_low"], e["ci_high"]),
        p_value(e["p_value"]),
        f"{e['n_observations']} obs / {e['n_subjects']} patients",
    ]


def _model_rows(
    r: AnalysisResult, labels: dict[str, str], measures: dict[str, Any]
) -> list[list[str]]:
    """One row per estimate of each GEE model (or one "not fitted" row), then the mixed
    model's estimates."""
    rows = []
    for key, model in (r.models or {}).items():
        label = measures.get(key, {}).get("label", key)
        if not model.get("fitted"):
            rows.append(
                [label, "GEE", "—", "not fitted", "—", "—", "; ".join(model.get("messages") or [])]
            )
            continue
        for e in model.get("estimates", []):
            rows.append(_estimate_row(label, model["method"], e, labels))
    mixed = r.mixed
    if mixed:
        for e in mixed.get("estimates", []) if mixed.get("fitted") else []:
            label = measures.get(mixed["measure"], {}).get("label", mixed["measure"])
            rows.append(_estimate_row(label, "Mixed model", e, labels))
    return rows


def _models(r: AnalysisResult, labels: dict[str, str], measures: dict[str, Any]) -> Block | None:
    """All follow-ups together: the repeated-measures estimates."""
    rows = _model_rows(r, labels, measures)
    if not rows:
        return None
    gee = _gee(r)
    mixed = r.mixed
    mixed_note = mixed.get("note", "") if mixed else ""
    return Block(
        "All follow-ups together",
        [p for p in (gee.get("note") if gee else "", mixed_note) if p],
        [
            doc.Table(
                "Repeated-measures estimates of the change from baseline",
                ["Measure", "Model", "Follow-up", "Change", "95 % CI", "p", "Data"],
                rows,
            )
        ],
    )


def _responders(r: AnalysisResult, labels: dict[str, str]) -> Block | None:
    names = {d["key"]: d["label"] for d in r.responder_definitions}
    rows = [
        [
            str(names.get(s["responder"], s["responder"])),
            str(labels.get(s["timepoint"], s["timepoint"])),
            f"{s['responders']} / {s['n']}",
            percent(s["share"]),
            "—" if s["ci_low"] is None else f"{percent(s['ci_low'])} to {percent(s['ci_high'])}",
            str(s.get("not_evaluable", 0)),
        ]
        for s in r.responders
    ]
    if not rows:
        return None
    return Block(
        "Responders",
        tables=[
            doc.Table(
                "Responders by definition and follow-up",
                [
                    "Definition",
                    "Follow-up",
                    "Responders / n",
                    "%",
                    "95 % CI (Wilson)",
                    "Not evaluable",
                ],
                rows,
                "Not evaluable: both values present but the baseline makes the rule "
                "impossible (e.g. a baseline of 0 for a percentage rule).",
            )
        ],
    )


def _subgroups(r: AnalysisResult, labels: dict[str, str], measures: dict[str, Any]) -> Block | None:
    """The change from baseline of the two compared subgroups."""
    a, b = _compared(r)
    rows = []
    for key, by_t in (r.subgroup_change or {}).items():
        for t, g in by_t.items():
            if not (g["n_a"] or g["n_b"]):
                continue
            rows.append(
                [
                    measures.get(key, {}).get("label", key),
                    labels.get(t, t),
                    f"{g['n_a']}: {number(g['mean_a'])} ± {number(g['sd_a'])}",
                    f"{g['n_b']}: {number(g['mean_b'])} ± {number(g['sd_b'])}",
                    f"{number(g['difference'])} [{_ci(g['ci_low'], g['ci_high'])}]",
                    g["test"] or g["reason"],
                    p_value(g["p_value"]),
                ]
            )
    if not (rows and a and b):
        return None
    return Block(
        f"Subgroups: {a} vs {b}",
        tables=[
            doc.Table(
                f"Change from baseline, {a} vs {b}",
                [
                    "Measure",
                    "Follow-up",
                    f"{a}: n, mean ± SD",
                    f"{b}: n, mean ± SD",
                    "Difference [95 % CI]",
                    "Test",
                    "p",
                ],
                rows,
            )
        ],
    )


def _nerve_row(nerve: dict[str, Any], compared: list[str]) -> list[str]:
    o = nerve["overall"]
    comparison = nerve.get("comparison") or {}
    by_group = nerve["by_group"]
    return [
        nerve["nerve"].replace("_", " "),
        str(o["n"]),
        f"{number(o['median'])} [{number(o['q1'])} to {number(o['q3'])}]",
        f"{number(o['mean'])} ± {number(o['sd'])}",
        *[
            "—" if g not in by_group else f"{by_group[g]['n']}: {number(by_group[g]['median'])}"
            for g in compared
        ],
        comparison.get("test") or comparison.get("reason", "—"),
        p_value(comparison.get("p_value")),
    ]


def _monitoring(r: AnalysisResult) -> Block | None:
    """Intraoperative nerve monitoring: the amplitude change after release, per nerve."""
    mon = r.monitoring or {}
    if not mon.get("nerves"):
        return None
    return Block(
        "Intraoperative nerve monitoring",
        [mon.get("note", "")],
        [
            doc.Table(
                "Amplitude change after release (%)",
                [
                    "Nerve",
                    "n",
                    "Median [IQR]",
                    "Mean ± SD",
                    *[f"{g}: n, median" for g in mon["compared"]],
                    "Test",
                    "p",
                ],
                [_nerve_row(nerve, mon["compared"]) for nerve in mon["nerves"]],
            )
        ],
    )


def _recurrence(r: AnalysisResult) -> Block | None:
    """Time to symptom return among responders (Kaplan-Meier, log-rank)."""
    a, b = _compared(r)
    rec = r.recurrence or {}
    if not rec:
        return None
    km = rec.get("km") or {}
    paragraphs = [rec.get("note", "")]
    if km:
        median = km.get("median")
        paragraphs.append(
            f"{km['n']} responders followed, {km['events']} with symptom return; median "
            + ("not reached." if median is None else f"{median:.0f} days.")
        )
    logrank = r.recurrence_logrank or {}
    if logrank.get("p_value") is not None:
        paragraphs.append(f"Log-rank test {a} vs {b}: p = {p_value(logrank['p_value'])}.")
    return Block("Time to symptom return", [p for p in paragraphs if p])


def blocks(run: AnalysisRun) -> list[Block]:
    """The analysis's sections in reading order; a section with nothing to show is left out."""
    # Small cells suppressed here, where the page and the documents receive the result.
    r = disclosure.disclosed(AnalysisResult.from_dict(run.result))
    labels = {t["key"]: t["label"] for t in r.timepoints}
    measures = {m["key"]: m for m in r.measures}
    built = [
        _methods(r),
        _baseline(r),
        _outcomes(r),
        _models(r, labels, measures),
        _responders(r, labels),
        _subgroups(r, labels, measures),
        _monitoring(r),
        _recurrence(r),
    ]
    return [block for block in built if block is not None]


def page(run: AnalysisRun) -> dict[str, Any]:
    return {"provenance": provenance(run), "blocks": blocks(run)}


def as_document(run: AnalysisRun) -> doc.Document:
    """The whole analysis as the one document model both the PDF and Word are drawn
    from (science.outcomes.report.layout turns it into blocks)."""
    sections = [
        doc.Section(block.heading, [p for p in block.paragraphs if p], block.tables)
        for block in blocks(run)
    ]
    result = AnalysisResult.from_dict(run.result)
    pictures = [
        doc.Figure(f["title"], figures.render(result, f["name"], "png"), f["caption"])
        for f in figures.available(result)
    ]
    if pictures:
        sections.append(doc.Section("Figures", figures=pictures))
    return doc.Document(
        title=f"Outcomes: {run.definition.get('name', run.cohort.name)}",
        subtitle=(
            f"{disclosure.count(run.patients)} patients, {disclosure.count(run.legs)} legs · "
            "data as of "
            f"{run.snapshot_at:%Y-%m-%d %H:%M} UTC · nervepath"
        ),
        sections=sections,
        provenance=provenance(run),
    )


def document(run: AnalysisRun, fmt: str) -> tuple[bytes, str]:
    """The whole analysis as PDF or Word (.docx) bytes and the content type."""
    if fmt not in ("pdf", "docx"):
        raise ValueError(f"No such format: {fmt}")
    model = as_document(run)
    if fmt == "pdf":
        return doc.to_pdf(model), PDF
    return doc.to_docx(model), DOCX
