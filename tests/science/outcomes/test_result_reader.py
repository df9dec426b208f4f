# SPDX-License-Identifier: AGPL-3.0-or-later
"""The stored result of an analysis run reads back as a typed AnalysisResult: today's
shape, the shape stored before it carried a schema version, never a future version."""

from __future__ import annotations

import json

import pytest

from nervepath.science.outcomes.analysis import analyse
from nervepath.science.outcomes.result import ANALYSIS_SCHEMA_VERSION, AnalysisResult

from .synthetic import cohort

#: A result as stored before ``schema_version`` existed, cut to the parts figures read.
VERSION_1 = {
    "snapshot_at": "2026-11-30T12:00:00+00:00",
    "code_version": "0.9",
    "versions": {"numpy": "2.1"},
    "subgroup": "sex",
    "compared": ["female", "male"],
    "n_subjects": 40,
    "n_observations": 200,
    "measures": [{"key": "irls", "label": "IRLS", "unit": "points"}],
    "timepoints": [
        {"key": "baseline", "label": "Baseline"},
        {"key": "3m", "label": "3 months"},
        {"key": "12m", "label": "12 months"},
    ],
    "pairs": {"irls": {"3m": [["S1", 24.0, 12.0], ["S2", 20.0, 10.0]]}},
    "monitoring": {"nerves": [{"nerve": "tibial", "changes": {}}, "junk"]},
    "recurrence": {"km": {"n": 5, "steps": []}},
    "recurrence_logrank": {"p_value": 0.03},
    "mixed": None,
}


def test_a_result_stored_without_a_schema_version_reads_as_version_1() -> None:
    run = AnalysisResult.from_dict(VERSION_1)
    assert run.n_subjects == 40 and run.compared == ["female", "male"]
    assert run.measure("irls")["label"] == "IRLS"
    assert run.follow_ups == ["3m", "12m"] and run.timepoint_labels["3m"] == "3 months"
    assert run.monitored_nerves == [{"nerve": "tibial", "changes": {}}]
    assert run.recurrence_km == {"n": 5, "steps": []} and run.logrank_p == 0.03
    # Parts that version did not store read as empty.
    assert run.models == {} and run.responders == [] and run.mixed is None
    assert run.recurrence_by_group == {} and run.table1 == {}


def test_an_empty_old_result_reads_with_nothing_to_draw() -> None:
    run = AnalysisResult.from_dict({})
    assert run.recurrence_km is None and run.logrank_p is None and run.monitored_nerves == []
    with pytest.raises(KeyError):
        run.measure("irls")


def test_an_analysis_round_trips_through_its_stored_form() -> None:
    stored = json.loads(json.dumps(analyse(cohort(60, seed=3, readings=40)).as_dict()))
    assert stored["schema_version"] == ANALYSIS_SCHEMA_VERSION == 2
    run = AnalysisResult.from_dict(stored)
    assert run.to_dict() == stored
    assert AnalysisResult.from_dict(run.to_dict()) == run


@pytest.mark.parametrize("version", [ANALYSIS_SCHEMA_VERSION + 1, 0, "2", None])
def test_a_future_or_unreadable_schema_version_is_refused(version: object) -> None:
    with pytest.raises(ValueError, match="schema_version"):
        AnalysisResult.from_dict({**VERSION_1, "schema_version": version})
