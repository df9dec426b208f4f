# SPDX-License-Identifier: AGPL-3.0-or-later
"""Worked examples for every shipped instrument, scored as its source says."""

from __future__ import annotations

import pytest

from nervepath.science import instruments
from nervepath.science.instruments import AnswerError
from nervepath.science.instruments.loader import parse

ALL_YES = {
    "urge_to_move": "yes",
    "worse_at_rest": "yes",
    "relieved_by_movement": "yes",
    "evening_night": "yes",
}


def irls_answers(total: int) -> dict[str, object]:
    """Ten item scores (0-4) adding up to `total`."""
    values = [4] * (total // 4) + ([total % 4] if total % 4 else [])
    values += [0] * (10 - len(values))
    return {f"q{n}": v for n, v in enumerate(values, 1)}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none"),
        (1, "mild"),
        (10, "mild"),
        (11, "moderate"),
        (20, "moderate"),
        (21, "severe"),
        (30, "severe"),
        (31, "very_severe"),
        (40, "very_severe"),
    ],
)
def test_irls_band_boundaries(total, band):
    result = instruments.score(instruments.load("irls"), irls_answers(total))
    assert result.total == total == result.scores["total"]
    assert result.band == band
    assert result.positive is None
    assert result.instrument_id == "irls" and result.version == "2003"
    assert f"{total} of 40" in result.summary


def test_irls_worked_example_sums_the_items():
    answers = dict(
        zip([f"q{n}" for n in range(1, 11)], [3, 2, 4, 1, 0, 2, 3, 3, 1, 2], strict=True)
    )
    result = instruments.score(instruments.load("irls"), answers)
    assert result.total == 21
    assert result.band == "severe" and result.band_label == "severe"


def test_irls_refuses_a_missing_item_rather_than_prorating():
    answers = irls_answers(20)
    del answers["q6"]
    with pytest.raises(AnswerError, match="q6: is required") as caught:
        instruments.score(instruments.load("irls"), answers)
    assert caught.value.item_id == "q6"


@pytest.mark.parametrize("bad", [5, -1, "4", 2.0, True, None])
def test_irls_refuses_values_that_are_not_options(bad):
    answers = irls_answers(10)
    answers["q1"] = bad
    with pytest.raises(AnswerError) as caught:
        instruments.score(instruments.load("irls"), answers)
    assert caught.value.item_id == "q1"


def test_rls_diagnosis_patient_part_is_positive_only_when_criteria_1_to_4_are_met():
    inst = instruments.load("rls_diagnosis")
    answers = {**ALL_YES, "course": "chronic_persistent", "clinically_significant": "yes"}
    result = instruments.score(inst, answers)
    assert result.positive is True
    assert result.scores["criteria_met"] == 4
    for criterion in ALL_YES:
        partial = {**ALL_YES, criterion: "no"}
        result = instruments.score(inst, partial)
        assert result.positive is False, criterion
        assert result.scores["criteria_met"] == 3


def test_criterion_5_is_never_asked_of_the_patient():
    inst = instruments.load("rls_diagnosis")
    assert "not_other_condition" not in [i.id for i in inst.items]
    assert instruments.load("rls_criterion5").administered_by == "clinician"


def test_rls_diagnosis_specifiers_are_asked_only_when_all_criteria_are_met():
    inst = instruments.load("rls_diagnosis")
    shown = [i.id for i in inst.visible_items(ALL_YES)]
    assert shown[-2:] == ["course", "clinically_significant"]
    not_met = {**ALL_YES, "evening_night": "no"}
    assert "course" not in [i.id for i in inst.visible_items(not_met)]
    with pytest.raises(AnswerError, match="branching") as caught:
        instruments.score(inst, {**not_met, "course": "intermittent"})
    assert caught.value.item_id == "course"
    with pytest.raises(AnswerError) as caught:
        instruments.score(inst, ALL_YES)
    assert caught.value.item_id == "course"


@pytest.mark.parametrize(
    ("value", "band"), [(0, "none"), (1, "mild"), (2, "moderate"), (3, "severe")]
)
def test_jhrlss_categories(value, band):
    result = instruments.score(instruments.load("jhrlss"), {"onset_time": value})
    assert result.total == value and result.band == band


def mnsi(yes: set[int]) -> dict[str, object]:
    return {f"q{n}": "yes" if n in yes else "no" for n in range(1, 16)}


def test_mnsi_scoring_key():
    inst = instruments.load("mnsi")
    # All "no": only items 7 and 13 score (a No there counts 1).
    assert instruments.score(inst, mnsi(set())).total == 2
    # All "yes": the 11 Yes-scored items; 7 and 13 score 0; 4 and 10 are not scored.
    assert instruments.score(inst, mnsi(set(range(1, 16)))).total == 11
    # Items 4 and 10 never change the score.
    assert instruments.score(inst, mnsi({4, 10})).total == 2
    assert instruments.score(inst, mnsi({1, 2, 4, 10})).total == 4


@pytest.mark.parametrize(
    ("yes", "total", "abnormal_7", "abnormal_4"),
    [
        ({1, 7, 13}, 1, False, False),
        ({1, 2, 7}, 3, False, False),  # 7 answered yes: 0; 13 answered no: 1
        ({1, 2, 3, 7, 13}, 3, False, False),
        ({1, 2, 7, 13, 14, 15}, 4, False, True),
        ({1, 2, 3, 5, 7}, 5, False, True),  # 4 Yes + No to 13
        ({1, 2, 3, 5, 6, 7}, 6, False, True),  # 5 Yes + No to 13
        ({1, 2, 3, 5, 6}, 7, True, True),  # 5 Yes + No to 7 and 13
        ({1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15}, 13, True, True),
    ],
)
def test_mnsi_cutoffs(yes, total, abnormal_7, abnormal_4):
    result = instruments.score(instruments.load("mnsi"), mnsi(yes))
    assert result.total == total
    assert result.cutoffs == {"abnormal_7": abnormal_7, "abnormal_4": abnormal_4}
    assert result.positive is abnormal_7


def test_mnsi_refuses_a_missing_answer():
    answers = mnsi({1})
    del answers["q4"]  # even an unscored item is part of the instrument
    with pytest.raises(AnswerError) as caught:
        instruments.score(instruments.load("mnsi"), answers)
    assert caught.value.item_id == "q4"


def pain(now_left: int, now_right: int, night_left: int, night_right: int) -> dict[str, object]:
    return {
        "now_left": now_left,
        "now_right": now_right,
        "night_left": night_left,
        "night_right": night_right,
    }


def test_pain_scores_per_leg_and_worst():
    result = instruments.score(instruments.load("pain_nrs"), pain(2, 5, 8, 1))
    assert result.scores == {"left": 8, "right": 5, "now": 5, "night": 8, "max": 8}
    assert result.total == 8 and result.band == "severe"


@pytest.mark.parametrize(
    ("worst", "band"),
    [
        (0, "none"),
        (1, "mild"),
        (3, "mild"),
        (4, "moderate"),
        (6, "moderate"),
        (7, "severe"),
        (10, "severe"),
    ],
)
def test_pain_band_boundaries(worst, band):
    result = instruments.score(instruments.load("pain_nrs"), pain(0, worst, 0, 0))
    assert result.total == worst and result.band == band


@pytest.mark.parametrize("bad", [11, -1, 3.5, "7"])
def test_pain_refuses_out_of_range_and_non_integers(bad):
    with pytest.raises(AnswerError) as caught:
        instruments.score(instruments.load("pain_nrs"), {**pain(1, 1, 1, 1), "night_right": bad})
    assert caught.value.item_id == "night_right"


def test_pain_accepts_a_whole_float_as_an_integer():
    result = instruments.score(instruments.load("pain_nrs"), pain(0, 0, 0, 0) | {"now_left": 4.0})
    assert result.total == 4 and isinstance(result.total, int)


def test_clinic_sleep_reports_each_measure():
    inst = instruments.load("clinic_sleep")
    result = instruments.score(
        inst, {"nights_disturbed": 5, "minutes_to_sleep": 45, "awakenings": 3}
    )
    assert result.scores == {"nights_disturbed": 5, "minutes_to_sleep": 45, "awakenings": 3}
    assert result.total == 5
    assert "not validated" in inst.source.citation
    with pytest.raises(AnswerError) as caught:
        instruments.score(inst, {"nights_disturbed": 8, "minutes_to_sleep": 45, "awakenings": 3})
    assert caught.value.item_id == "nights_disturbed"


def test_unknown_items_are_refused():
    with pytest.raises(AnswerError, match="not an item of jhrlss") as caught:
        instruments.score(instruments.load("jhrlss"), {"onset_time": 1, "extra": 2})
    assert caught.value.item_id == "extra"


PRORATED = {
    "id": "prorated",
    "version": "1",
    "title": "Prorated fixture",
    "kind": "severity_scale",
    "source": {"citation": "test fixture", "licence": "test fixture"},
    "wording": {"licensed": False},
    "items": [
        {"id": f"i{n}", "type": "integer", "label": f"I{n}", "min": 0, "max": 3}
        for n in range(1, 5)
    ],
    "scores": [
        {
            "id": "total",
            "label": "Total",
            "method": "sum",
            "items": ["i1", "i2", "i3", "i4"],
            "range": [0, 12],
        }
    ],
    "main_score": "total",
    "missing": {
        "rule": "prorate",
        "max_missing": 1,
        "items": ["i1", "i2", "i3", "i4"],
        "source": "fixture rule",
    },
}


def test_a_prorate_rule_scales_up_within_its_limit_and_refuses_beyond():
    inst = parse(PRORATED, "prorated.yaml")
    full = instruments.score(inst, {"i1": 3, "i2": 2, "i3": 1, "i4": 0})
    assert full.total == 6 and full.missing_items == []
    one_missing = instruments.score(inst, {"i1": 3, "i2": 3, "i3": 3})
    assert one_missing.total == 12 and one_missing.missing_items == ["i4"]
    assert "prorated" in one_missing.summary
    with pytest.raises(AnswerError, match="at most 1") as caught:
        instruments.score(inst, {"i1": 3, "i2": 3})
    assert caught.value.item_id == "i4"
