# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every red-flag rule fires when its condition holds and stays silent when it does not."""

from __future__ import annotations

import pytest

from nervepath.science import instruments
from nervepath.science.instruments import AnswerError

BASE: dict[str, object] = {
    "family_history": "no",
    "diabetes": "no",
    "caffeine_cups": 1,
    "alcohol_drinks": 0,
    "medications": [],
    "symptom_sites": ["lower_legs"],
    "main_site": "lower_legs",
    "progressive_weakness": "no",
    "slurred_speech": "no",
    "swallowing_difficulty": "no",
}
ON_AGONIST = {
    **BASE,
    "medications": ["ropinirole"],
    "aug_earlier_onset": "no",
    "aug_spread_arms": "no",
    "aug_shorter_relief": "no",
}


def codes(answers: dict[str, object]) -> list[str]:
    result = instruments.score(instruments.load("symptom_history"), answers)
    return [f.code for f in result.flags]


def test_a_quiet_history_raises_no_flag():
    assert codes(BASE) == []
    assert codes(ON_AGONIST) == []


@pytest.mark.parametrize(
    "item", ["progressive_weakness", "slurred_speech", "swallowing_difficulty"]
)
def test_neurological_symptoms_are_urgent(item):
    result = instruments.score(instruments.load("symptom_history"), {**BASE, item: "yes"})
    assert [(f.code, f.severity) for f in result.flags] == [("neuro_urgent", "urgent")]
    assert "neurology" in result.flags[0].message
    assert "NG127" in result.flags[0].source


@pytest.mark.parametrize(
    ("sites", "main", "fires"),
    [
        (["above_knee"], "above_knee", True),
        (["back", "feet"], "back", True),
        (["back", "lower_legs"], "lower_legs", False),  # mostly below the knee
        (["feet"], "feet", False),
    ],
)
def test_symptoms_mostly_above_the_knee_or_from_the_back(sites, main, fires):
    found = codes({**BASE, "symptom_sites": sites, "main_site": main})
    assert ("radicular_pattern" in found) is fires


@pytest.mark.parametrize("sign", ["aug_earlier_onset", "aug_spread_arms", "aug_shorter_relief"])
@pytest.mark.parametrize("agonist", ["ropinirole", "pramipexole", "rotigotine"])
def test_augmentation_signs_on_a_dopamine_agonist(sign, agonist):
    answers = {**ON_AGONIST, "medications": [agonist, "iron"], sign: "yes"}
    assert codes(answers) == ["possible_augmentation"]


def test_augmentation_questions_are_not_asked_without_a_dopamine_agonist():
    inst = instruments.load("symptom_history")
    shown = [i.id for i in inst.visible_items({**BASE, "medications": ["gabapentin"]})]
    assert "aug_earlier_onset" not in shown and "side_effects" in shown
    with pytest.raises(AnswerError) as caught:
        instruments.score(inst, {**BASE, "medications": ["gabapentin"], "aug_spread_arms": "yes"})
    assert caught.value.item_id == "aug_spread_arms"


@pytest.mark.parametrize(
    ("labs", "fires"),
    [
        ({"ferritin": 75}, True),
        ({"ferritin": 75.1}, False),
        ({"ferritin": 20, "transferrin_saturation": 35}, True),
        ({"transferrin_saturation": 19.9}, True),
        ({"transferrin_saturation": 20}, False),
        ({"ferritin": 150, "transferrin_saturation": 25}, False),
        ({}, False),
    ],
)
def test_iron_rule(labs, fires):
    assert ("iron_low" in codes({**BASE, **labs})) is fires


def test_diabetes_is_an_information_flag():
    answers = {**BASE, "diabetes": "yes", "diabetes_type": "type2", "hba1c": 7.4}
    result = instruments.score(instruments.load("symptom_history"), answers)
    assert [(f.code, f.severity) for f in result.flags] == [("diabetes_risk", "info")]
    assert codes({**BASE, "diabetes": "no"}) == []


def test_hba1c_is_asked_only_of_diabetics():
    with pytest.raises(AnswerError) as caught:
        codes({**BASE, "hba1c": 7.0})
    assert caught.value.item_id == "hba1c"
    with pytest.raises(AnswerError) as caught:
        codes({**BASE, "diabetes": "yes"})
    assert caught.value.item_id == "diabetes_type"


def test_red_flags_across_instruments_most_urgent_first_and_partial_forms_allowed():
    flags = instruments.red_flags(
        {
            "symptom_history": {"diabetes": "yes", "slurred_speech": "yes", "ferritin": 40},
            "irls": {"q1": 3},
        }
    )
    assert [(f.code, f.severity) for f in flags] == [
        ("neuro_urgent", "urgent"),
        ("iron_low", "warning"),
        ("diabetes_risk", "info"),
    ]
    assert {f.instrument_id for f in flags} == {"symptom_history"}
    assert all(f.source and f.message for f in flags)


def test_red_flags_still_check_every_answer():
    with pytest.raises(AnswerError) as caught:
        instruments.red_flags({"symptom_history": {"ferritin": -3}})
    assert caught.value.item_id == "ferritin"
    with pytest.raises(ValueError, match="unknown instrument"):
        instruments.red_flags({"nope": {}})
