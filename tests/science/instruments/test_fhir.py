# SPDX-License-Identifier: AGPL-3.0-or-later
"""FHIR export validated with the fhir.resources R4B models.

fhir.resources 8 ships R5 at the top level and R4B / STU3 as subpackages; R4B keeps the
R4 Questionnaire and QuestionnaireResponse elements used here unchanged.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from nervepath.science import instruments
from nervepath.science.instruments import AnswerError

HISTORY = {
    "onset_age": 41,
    "onset_year": 1998,
    "family_history": "yes",
    "diabetes": "yes",
    "diabetes_type": "type2",
    "hba1c": 7.2,
    "caffeine_cups": 3,
    "alcohol_drinks": 2,
    "medications": ["pramipexole", "iron"],
    "side_effects": "Nausea in the first week",
    "symptom_sites": ["lower_legs", "feet"],
    "main_site": "lower_legs",
    "progressive_weakness": "no",
    "slurred_speech": "no",
    "swallowing_difficulty": "no",
    "aug_earlier_onset": "no",
    "aug_spread_arms": "no",
    "aug_shorter_relief": "yes",
    "ferritin": 48.0,
}
WHEN = dt.datetime(2026, 3, 8, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("instrument_id", instruments.available())
def test_every_questionnaire_is_valid_r4(instrument_id):
    inst = instruments.load(instrument_id)
    data = instruments.to_fhir_questionnaire(inst)
    model = Questionnaire.model_validate(data)
    assert model.status == "active"
    assert [i.linkId for i in model.item] == [i.id for i in inst.items]
    assert model.version == inst.version


def test_branching_becomes_enable_when():
    q = instruments.to_fhir_questionnaire(instruments.load("symptom_history"))
    items = {i["linkId"]: i for i in q["item"]}
    assert items["hba1c"]["enableWhen"] == [
        {"question": "diabetes", "operator": "=", "answerBoolean": True}
    ]
    assert "enableBehavior" not in items["hba1c"]
    assert items["aug_spread_arms"]["enableBehavior"] == "any"
    assert [e["answerCoding"]["code"] for e in items["aug_spread_arms"]["enableWhen"]] == [
        "levodopa",
        "ropinirole",
        "pramipexole",
        "rotigotine",
    ]
    assert items["medications"]["repeats"] is True
    diag = instruments.to_fhir_questionnaire(instruments.load("rls_diagnosis"))
    course = next(i for i in diag["item"] if i["linkId"] == "course")
    assert course["enableBehavior"] == "all" and len(course["enableWhen"]) == 4


def test_a_response_is_valid_r4_and_matches_the_questionnaire():
    inst = instruments.load("symptom_history")
    data = instruments.to_fhir_response(inst, HISTORY, subject_ref="Patient/42", authored=WHEN)
    model = QuestionnaireResponse.model_validate(data)
    assert model.subject.reference == "Patient/42"
    q = instruments.to_fhir_questionnaire(inst)
    assert data["questionnaire"] == f"{q['url']}|{q['version']}"
    answers = {i["linkId"]: i["answer"] for i in data["item"]}
    assert set(answers) == set(HISTORY)
    assert [a["valueCoding"]["code"] for a in answers["medications"]] == ["pramipexole", "iron"]
    assert answers["onset_year"] == [{"valueDate": "1998"}]
    assert answers["diabetes"] == [{"valueBoolean": True}]
    assert answers["hba1c"] == [{"valueDecimal": 7.2}]
    options = next(i for i in q["item"] if i["linkId"] == "medications")["answerOption"]
    systems = {o["valueCoding"]["system"] for o in options}
    assert {a["valueCoding"]["system"] for a in answers["medications"]} <= systems


def test_an_irls_response_is_valid():
    inst = instruments.load("irls")
    answers = {f"q{n}": n % 5 for n in range(1, 11)}
    data = instruments.to_fhir_response(inst, answers, subject_ref="Patient/1", authored=WHEN)
    QuestionnaireResponse.model_validate(data)
    assert data["item"][0]["answer"][0]["valueCoding"]["code"] == "1"


def test_in_progress_responses_may_be_incomplete_completed_ones_may_not():
    inst = instruments.load("irls")
    partial = {"q1": 2}
    data = instruments.to_fhir_response(
        inst, partial, subject_ref="Patient/1", authored=WHEN, status="in-progress"
    )
    QuestionnaireResponse.model_validate(data)
    with pytest.raises(AnswerError) as caught:
        instruments.to_fhir_response(inst, partial, subject_ref="Patient/1", authored=WHEN)
    assert caught.value.item_id == "q2"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "done"}, "status"),
        ({"authored": dt.datetime(2026, 1, 1, 9, 0)}, "timezone"),
        ({"subject_ref": "42"}, "Patient/123"),
    ],
)
def test_bad_response_arguments_are_refused(kwargs, message):
    args = {"subject_ref": "Patient/1", "authored": WHEN, **kwargs}
    with pytest.raises(ValueError, match=message):
        instruments.to_fhir_response(instruments.load("jhrlss"), {"onset_time": 2}, **args)
