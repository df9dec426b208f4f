# SPDX-License-Identifier: AGPL-3.0-or-later
"""The rules of issue 19 section 4 at every boundary: the IRLSSG 2014 course specifier,
criterion 5 as the clinician's judgement, the MPI augmentation rule and the MNSI
examination with its half points and cut-off."""

from __future__ import annotations

import itertools

import pytest

from nervepath.science import instruments
from nervepath.science.instruments import AnswerError
from nervepath.science.instruments.rls import diagnosis_status

CRITERIA_1_4 = {
    "urge_to_move": "yes",
    "worse_at_rest": "yes",
    "relieved_by_movement": "yes",
    "evening_night": "yes",
}


def rls(course: str, **extra: str) -> tuple[instruments.Result, dict[str, str]]:
    answers = {**CRITERIA_1_4, "course": course, "clinically_significant": "yes", **extra}
    return instruments.score(instruments.load("rls_diagnosis"), answers), answers


def criterion5(value: str) -> instruments.Result:
    return instruments.score(instruments.load("rls_criterion5"), {"not_solely_other": value})


# -- course specifier -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("course", "shown"),
    [
        ("chronic_persistent", "chronic-persistent"),
        ("intermittent", "intermittent"),
        ("not_determined", "course not yet determined (fewer than five episodes so far)"),
    ],
)
def test_every_course_lets_the_diagnosis_stand(course, shown):
    result, answers = rls(course)
    assert result.positive is True
    status = diagnosis_status(result, answers, criterion5("yes"))
    assert status is not None and status.code == "met"
    assert status.course == shown and shown in status.text


def test_fewer_than_five_episodes_has_an_option_and_is_not_refused():
    inst = instruments.load("rls_diagnosis")
    values = [o.value for o in inst.item("course").options]
    assert values == ["chronic_persistent", "intermittent", "not_determined"]
    result, _ = rls("not_determined")
    assert result.scores["criteria_met"] == 4


def test_a_course_still_has_to_be_answered_when_it_is_asked():
    with pytest.raises(AnswerError) as caught:
        instruments.score(
            instruments.load("rls_diagnosis"), {**CRITERIA_1_4, "clinically_significant": "no"}
        )
    assert caught.value.item_id == "course"


# -- criterion 5 -----------------------------------------------------------------------


def test_criteria_1_4_met_await_the_clinician_for_criterion_5():
    result, answers = rls("chronic_persistent")
    status = diagnosis_status(result, answers, None)
    assert status is not None and status.code == "awaits_clinician"
    assert status.text.startswith("Criteria 1–4 met, criterion 5 awaits the clinician")


def test_the_clinician_confirms_or_excludes_criterion_5():
    result, answers = rls("intermittent")
    met = diagnosis_status(result, answers, criterion5("yes"))
    excluded = diagnosis_status(result, answers, criterion5("no"))
    assert met is not None and met.code == "met"
    assert excluded is not None and excluded.code == "excluded"
    assert "not met" in excluded.text


@pytest.mark.parametrize("missing", sorted(CRITERIA_1_4))
def test_three_of_four_is_not_met_whatever_the_clinician_says(missing):
    answers = {**CRITERIA_1_4, missing: "no"}
    result = instruments.score(instruments.load("rls_diagnosis"), answers)
    status = diagnosis_status(result, answers, criterion5("yes"))
    assert status is not None and status.code == "not_met" and "3 of 4" in status.text


def test_no_patient_answers_means_no_status():
    assert diagnosis_status(None, None, criterion5("yes")) is None


# -- augmentation: levodopa and the MPI rule ---------------------------------------------


def test_levodopa_opens_the_augmentation_questions_and_the_prompt():
    inst = instruments.load("symptom_history")
    shown = [i.id for i in inst.visible_items({"medications": ["levodopa"]})]
    assert {"aug_earlier_onset", "aug_spread_arms", "aug_shorter_relief"} <= set(shown)
    flags = instruments.red_flags(
        {"symptom_history": {"medications": ["levodopa"], "aug_shorter_relief": "yes"}}
    )
    assert [f.code for f in flags] == ["possible_augmentation"]
    assert "mpi_augmentation" in flags[0].message


BASIC = {"a1_more_severe": "yes", "a2_not_explained": "yes", "a3_prior_response": "yes"}
NO_C2 = {"c_shorter_latency": "no", "c_spread": "no", "c_more_intense": "no"}


def mpi(**answers: str) -> instruments.Result:
    full = {"drug": "levodopa", **answers}
    return instruments.score(instruments.load("mpi_augmentation"), full)


@pytest.mark.parametrize(
    ("answers", "met"),
    [
        # A + B (the paradoxical response to a dose change)
        ({**BASIC, "b_paradoxical": "yes", "c_earlier_onset": "under_2h"}, True),
        # A + C1: at least four hours earlier
        ({**BASIC, "b_paradoxical": "no", "c_earlier_onset": "4h_or_more"}, True),
        # A + C2: two to four hours earlier with one of C2a-C2d (each alone)
        *[
            (
                {
                    **BASIC,
                    "b_paradoxical": "no",
                    "c_earlier_onset": "2_to_4h",
                    **{**NO_C2, "c_shorter_relief": "no"},
                    key: "yes",
                },
                True,
            )
            for key in ("c_shorter_latency", "c_spread", "c_more_intense", "c_shorter_relief")
        ],
        # two to four hours earlier alone is not enough
        (
            {
                **BASIC,
                "b_paradoxical": "no",
                "c_earlier_onset": "2_to_4h",
                **NO_C2,
                "c_shorter_relief": "no",
            },
            False,
        ),
        # neither B nor C
        ({**BASIC, "b_paradoxical": "no", "c_earlier_onset": "under_2h"}, False),
    ],
)
def test_mpi_rule_boundaries(answers, met):
    result = mpi(**answers)
    assert result.positive is met
    assert result.scores["augmentation"] == (1 if met else 0)
    assert [f.code for f in result.flags] == (["augmentation_met"] if met else [])


@pytest.mark.parametrize("basic", sorted(BASIC))
def test_each_basic_feature_is_required(basic):
    answers = {**BASIC, basic: "no", "b_paradoxical": "yes", "c_earlier_onset": "4h_or_more"}
    assert mpi(**answers).positive is False


def test_c2_questions_are_asked_only_for_an_onset_two_to_four_hours_earlier():
    with pytest.raises(AnswerError, match="branching"):
        mpi(**BASIC, b_paradoxical="no", c_earlier_onset="4h_or_more", c_spread="yes")


def test_mpi_rule_cites_both_sources():
    inst = instruments.load("mpi_augmentation")
    cutoff = inst.cutoffs[0]
    assert "2007;8:520-530" in cutoff.source and "2016;21:1-11" in cutoff.source


# -- MNSI examination ---------------------------------------------------------------------

SIGNS: dict[str, dict[str, float]] = {
    "appearance": {"normal": 0, "abnormal": 1},
    "ulceration": {"absent": 0, "present": 1},
    "ankle_reflex": {"present": 0, "reinforcement": 0.5, "absent": 1},
    "vibration": {"present": 0, "decreased": 0.5, "absent": 1},
    "monofilament": {"normal": 0, "reduced": 0.5, "absent": 1},
}


def exam(**answers: str) -> instruments.Result:
    full = {
        f"{side}_{sign}": next(iter(points))
        for side in ("right", "left")
        for sign, points in SIGNS.items()
    }
    full.update(answers)
    return instruments.score(instruments.load("mnsi_exam"), full)


def test_every_exam_answer_set_scores_its_half_points():
    """All 2 * 2 * 3 * 3 * 3 answers of one foot, the other foot normal: the engine's
    total is the published half-point sum, and the cut-off falls at 2.5."""
    for combo in itertools.product(*(list(p) for p in SIGNS.values())):
        answers = {f"right_{sign}": value for sign, value in zip(SIGNS, combo, strict=True)}
        expected = sum(SIGNS[sign][v] for sign, v in zip(SIGNS, combo, strict=True))
        mono = SIGNS["monofilament"][answers["right_monofilament"]]
        result = exam(**answers)
        assert result.scores["exam"] == expected - mono
        assert result.scores["monofilament"] == mono
        assert result.scores["exam_with_monofilament"] == expected
        assert result.positive is (expected - mono >= 2.5)


@pytest.mark.parametrize(
    ("answers", "total", "abnormal"),
    [
        ({"right_ankle_reflex": "absent", "left_ankle_reflex": "absent"}, 2, False),
        (
            {
                "right_ankle_reflex": "absent",
                "left_ankle_reflex": "absent",
                "left_vibration": "decreased",
            },
            2.5,
            True,
        ),
        ({"right_ankle_reflex": "reinforcement", "left_vibration": "decreased"}, 1, False),
        (
            {
                "right_appearance": "abnormal",
                "left_appearance": "abnormal",
                "right_ulceration": "present",
                "left_ulceration": "present",
                "right_ankle_reflex": "absent",
                "left_ankle_reflex": "absent",
                "right_vibration": "absent",
                "left_vibration": "absent",
            },
            8,
            True,
        ),
    ],
)
def test_exam_cutoff_boundary(answers, total, abnormal):
    result = exam(**answers)
    assert result.total == total
    assert result.positive is abnormal


def test_monofilament_alone_does_not_move_the_cutoff():
    result = exam(right_monofilament="absent", left_monofilament="absent", left_vibration="absent")
    assert result.scores["exam"] == 1 and result.scores["exam_with_monofilament"] == 3
    assert result.positive is False


def test_exam_cutoff_cites_feldman_and_herman():
    cutoff = instruments.load("mnsi_exam").cutoffs[0]
    assert cutoff.gte == 2.5
    assert "1994;17:1281-1289" in cutoff.source and "2012;29:937-944" in cutoff.source
