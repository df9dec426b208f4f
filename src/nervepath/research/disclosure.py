# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a research output may show: the minimum cohort size and small-cell suppression.

A narrow cohort undoes de-identification: with one patient indexed on one day, "days
since index" turns back into calendar dates. So, with ``MIN`` =
``NERVEPATH_RESEARCH_MIN_CELL`` (default 11, after the CMS cell-size suppression
policy: no cell of 1 to 10 beneficiaries is shown):

- a cohort of fewer than ``MIN`` patients gets no output at all: no analysis, figure,
  PDF/Word report, de-identified CSV, FHIR export or listing of study codes
  (:func:`refusal` is the message);
- in every table, figure and count shown of a larger cohort, a count of 1 to ``MIN``-1
  reads "<MIN" (:func:`disclosed` for stored results, :func:`count` for counts the
  research pages work out themselves; the science layer takes ``min_cell`` as a plain
  argument for its figures).

Everything here runs where the research pages receive the science layer's results, so
that analyses stored before this rule are suppressed too.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import Any

from django.conf import settings

from nervepath.science.outcomes import format as fmt
from nervepath.science.outcomes.result import AnalysisResult


def min_cell() -> int:
    return int(settings.NERVEPATH["RESEARCH_MIN_CELL"])


def enough(patients: int) -> bool:
    """Whether a cohort of ``patients`` may produce any output."""
    return patients >= min_cell()


def refusal() -> str:
    m = min_cell()
    return (
        f"This cohort has fewer than {m} patients, so nervepath produces no analysis, "
        "figure, report, export or list of study codes for it: so few patients could be "
        f"recognised. Widen the filters until at least {m} patients are in it (cells of "
        f"1 to {m - 1} are suppressed, as in the CMS cell-size suppression policy)."
    )


def count(n: int) -> str:
    """A count for a research page: "<MIN" for 1 to MIN-1."""
    return fmt.count(n, min_cell())


# Keys whose integer values are counts of patients, legs, observations or events.
_COUNT_KEYS = frozenset(
    {
        "n",
        "n_a",
        "n_b",
        "n_subjects",
        "n_observations",
        "responders",
        "not_evaluable",
        "events",
        "censored",
        "at_risk",
        "counts",
        "age_90_or_more",
    }
)
# A table cell that is a count, or a count and its percentage: "7", "7 (13.5)".
_COUNT_CELL = re.compile(r"^(\d+)( \(\d+(?:\.\d+)?\))?$")
_HEADER_N = re.compile(r"\(n=(\d+)\)")


def _cell(text: str, m: int) -> str:
    match = _COUNT_CELL.match(text.strip()) if isinstance(text, str) else None
    if match and 0 < int(match.group(1)) < m:
        return f"<{m}"
    return text


def _walk(value: Any, m: int, counting: bool) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, m, counting or k in _COUNT_KEYS) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, m, counting) for v in value]
    if counting and isinstance(value, int) and not isinstance(value, bool):
        return fmt.count(value, m) if 0 < value < m else value
    return value


def _table(table: dict[str, Any], m: int, count_columns: slice) -> dict[str, Any]:
    header = [
        _HEADER_N.sub(lambda x: f"(n={fmt.count(int(x.group(1)), m)})", h)
        for h in table.get("header", [])
    ]
    rows = []
    for row in table.get("rows", []):
        row = list(row)
        row[count_columns] = [_cell(c, m) for c in row[count_columns]]
        rows.append(row)
    return {**table, "header": header, "rows": rows}


def disclosed(result: AnalysisResult, m: int | None = None) -> AnalysisResult:
    """A stored analysis result as it may be shown: every count of 1 to ``m``-1 in
    Table 1, the results table, responder, subgroup, monitoring, model and
    time-to-event numbers reads "<m" (a string). Values that are not counts (means,
    shares, CIs, p-values) are left as they are; per-patient pairs are kept for the
    figures, which suppress their own counts (``min_cell``), and the run's own totals
    (``n_subjects``, ``n_observations``) stay numbers: pages show the cohort's size
    through :func:`count`."""
    m = min_cell() if m is None else m
    # _walk builds new containers: the stored result is not touched.
    parts = {
        f.name: _walk(getattr(result, f.name), m, f.name in _COUNT_KEYS)
        for f in fields(result)
        if f.name not in _KEPT
    }
    if parts["table1"]:
        # Every column but the label and the p-value holds counts or summaries.
        parts["table1"] = _table(parts["table1"], m, slice(1, -1))
    if parts["results_table"]:
        parts["results_table"] = _table(parts["results_table"], m, slice(2, 3))  # the n column
    return replace(result, **parts)


# Parts of a result that are not suppressed: per-patient values (not counts, and the
# bulk) and the run's totals, which keep their number type.
_KEPT = frozenset({"pairs", "n_subjects", "n_observations"})
