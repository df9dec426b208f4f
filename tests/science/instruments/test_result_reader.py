# SPDX-License-Identifier: AGPL-3.0-or-later
"""The stored questionnaire result reads back as a typed Result: today's shape, the shape
stored before it carried a schema version, and never a version from the future."""

from __future__ import annotations

import pytest

from nervepath.science import instruments
from nervepath.science.instruments import Flag, Result
from nervepath.science.instruments.model import RESULT_SCHEMA_VERSION

#: A result as stored before ``schema_version`` existed (``asdict`` of the scorer's Result).
VERSION_1 = {
    "instrument_id": "symptom_history",
    "version": "1.0",
    "scores": {"total": None},
    "total": None,
    "band": None,
    "band_label": None,
    "positive": None,
    "cutoffs": {},
    "flags": [
        {
            "code": "neuro_urgent",
            "severity": "urgent",
            "message": "Progressive weakness.",
            "source": "NICE guideline NG127",
            "instrument_id": "symptom_history",
        }
    ],
    "missing_items": ["ferritin"],
    "summary": "1 red flag.",
}


def test_a_result_stored_without_a_schema_version_reads_as_version_1() -> None:
    result = Result.from_dict(VERSION_1)
    assert result.instrument_id == "symptom_history" and result.version == "1.0"
    assert result.flags == [
        Flag("neuro_urgent", "urgent", "Progressive weakness.", "NICE guideline NG127",
             "symptom_history")
    ]  # fmt: skip
    assert result.missing_items == ["ferritin"] and result.summary == "1 red flag."


def test_absent_keys_of_an_old_result_read_as_empty() -> None:
    result = Result.from_dict({"instrument_id": "irls", "total": 12, "flags": [{"code": "x"}]})
    assert result.total == 12 and result.band_label is None and result.scores == {}
    assert result.flags == [Flag("x", "", "", "")] and result.summary == ""


def test_a_scored_result_round_trips_through_its_stored_form() -> None:
    inst = instruments.load("irls")
    scored = instruments.score(inst, {f"q{n}": 2 for n in range(1, 11)})
    stored = scored.to_dict()
    assert stored["schema_version"] == RESULT_SCHEMA_VERSION == 2
    assert Result.from_dict(stored) == scored
    assert Result.from_dict(VERSION_1).to_dict() == {**VERSION_1, "schema_version": 2}


@pytest.mark.parametrize("version", [RESULT_SCHEMA_VERSION + 1, 0, "2", None])
def test_a_future_or_unreadable_schema_version_is_refused(version: object) -> None:
    with pytest.raises(ValueError, match="schema_version"):
        Result.from_dict({**VERSION_1, "schema_version": version})


def test_a_result_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ValueError, match="mapping"):
        Result.from_dict(["not", "a", "result"])  # type: ignore[arg-type]  # wrong on purpose
