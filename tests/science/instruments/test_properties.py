# SPDX-License-Identifier: AGPL-3.0-or-later
"""Property tests over answer sets generated from the definitions themselves."""

from __future__ import annotations

import math

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nervepath.science import instruments
from nervepath.science.instruments import AnswerError

from .strategies import complete_answers

IDS = instruments.available()
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("instrument_id", IDS)
@FAST
@given(data=st.data())
def test_complete_valid_answers_score_inside_the_declared_range(instrument_id, data):
    inst = instruments.load(instrument_id)
    answers = data.draw(complete_answers(inst))
    result = instruments.score(inst, answers)
    for definition in inst.scores:
        value = result.scores[definition.id]
        if value is None:
            continue
        low, high = definition.range
        assert low <= value <= high, (definition.id, value)
    if inst.bands and result.total is not None and inst.band_score == inst.main_score:
        assert result.band in {b.code for b in inst.bands}
    assert result.missing_items == []


def _numeric_visible(inst, answers):
    return [
        i
        for i in inst.items
        if i.id in answers and i.type in ("integer", "decimal", "date_or_year")
    ]


@pytest.mark.parametrize("instrument_id", IDS)
@FAST
@given(data=st.data())
def test_invalid_answers_raise_answer_error_naming_the_item(instrument_id, data):
    inst = instruments.load(instrument_id)
    answers = data.draw(complete_answers(inst))
    kinds = ["unknown", "wrong_type"]
    if _numeric_visible(inst, answers):
        kinds.append("out_of_range")
    if any(i.options and i.id in answers for i in inst.items):
        kinds.append("not_an_option")
    branching = {r for i in inst.items if i.show_if for r in _refs(i.show_if)}
    removable = [i for i in inst.items if i.id in answers and i.required and i.id not in branching]
    if removable:
        kinds.append("missing")
    hidden = [i for i in inst.items if i.id not in [v.id for v in inst.visible_items(answers)]]
    if hidden:
        kinds.append("hidden")
    kind = data.draw(st.sampled_from(kinds))
    bad = dict(answers)
    if kind == "unknown":
        target = data.draw(st.text("abcxyz_", min_size=1, max_size=8).map(lambda s: "zz" + s))
        bad[target] = 1
    elif kind == "wrong_type":
        item = data.draw(st.sampled_from([i for i in inst.items if i.id in answers]))
        target = item.id
        bad[target] = {"not": "a value"}
    elif kind == "out_of_range":
        item = data.draw(st.sampled_from(_numeric_visible(inst, answers)))
        target = item.id
        assert item.min is not None and item.max is not None
        bad[target] = data.draw(
            st.sampled_from([int(item.max) + 1, int(item.min) - 1, math.inf, math.nan])
        )
    elif kind == "not_an_option":
        item = data.draw(st.sampled_from([i for i in inst.items if i.options and i.id in answers]))
        target = item.id
        bad[target] = [99] if item.type == "multi_choice" else 99
    elif kind == "missing":
        item = data.draw(st.sampled_from(removable))
        target = item.id
        del bad[target]
    else:
        item = data.draw(st.sampled_from(hidden))
        target = item.id
        valid = inst.item(target)
        bad[target] = data.draw(_valid_value(valid))
    with pytest.raises(AnswerError) as caught:
        instruments.score(inst, bad)
    assert caught.value.item_id == target
    assert target in str(caught.value)


def _refs(cond):
    from nervepath.science.instruments.conditions import referenced_items

    return referenced_items(cond)


def _valid_value(item):
    from .strategies import value_for

    strategy = value_for(item)
    if item.type == "multi_choice":
        return strategy.filter(bool)
    return strategy


@pytest.mark.parametrize("instrument_id", IDS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_every_complete_answer_set_exports_as_a_valid_response(instrument_id, data):
    inst = instruments.load(instrument_id)
    answers = data.draw(complete_answers(inst))
    response = instruments.to_fhir_response(
        inst, answers, subject_ref="Patient/7", authored="2026-02-01T10:00:00Z"
    )
    QuestionnaireResponse.model_validate(response)
