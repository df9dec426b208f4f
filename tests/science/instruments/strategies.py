# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hypothesis strategies that build answer sets from a definition itself, branching applied."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from nervepath.science.instruments import Instrument, Item
from nervepath.science.instruments.conditions import evaluate


def value_for(item: Item) -> st.SearchStrategy[object]:
    """Any valid answer to `item`."""
    values = [o.value for o in item.options]
    if item.type in ("single_choice", "yes_no"):
        return st.sampled_from(values)
    if item.type == "multi_choice":
        return st.lists(st.sampled_from(values), unique=True)
    if item.type == "text":
        return st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s and s.strip())
    assert item.min is not None and item.max is not None
    if item.type == "integer":
        return st.integers(int(item.min), int(item.max))
    if item.type == "decimal":
        return st.floats(item.min, item.max, allow_nan=False, allow_infinity=False)
    if item.type == "date_or_year":
        low, high = int(item.min), int(item.max)
        dates = st.dates(dt.date(low, 1, 1), dt.date(high, 12, 31)).map(dt.date.isoformat)
        return st.integers(low, high) | dates
    raise ValueError(f"no strategy for item type {item.type}")


@st.composite
def complete_answers(draw: st.DrawFn, inst: Instrument) -> dict[str, object]:
    """A complete valid answer set: every visible required item answered, optional ones maybe."""
    answers: dict[str, object] = {}
    for item in inst.items:
        if item.show_if is not None and not evaluate(item.show_if, answers):
            continue
        if item.required or draw(st.booleans()):
            answers[item.id] = draw(value_for(item))
    return answers
