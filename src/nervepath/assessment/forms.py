# SPDX-License-Identifier: AGPL-3.0-or-later
"""Turn a posted questionnaire form into answers, and answers into form fields.

Field names are ``a-<item id>``. A posted name that is not an item, or a choice that is
not one of the item's options, can only come from a tampered form: it is refused whole
(``AssessmentError``, 400) before anything is stored. Numbers a person typed badly are
refused the same way, with the question named.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from nervepath.assessment.services import AssessmentError
from nervepath.science.instruments import Instrument, Item

PREFIX = "a-"
NONE_CHOSEN = "__none__"  # the "none of these" box of a multi-choice question
MAX_FIELD = 4000


def _option(item: Item, raw: str) -> Any:
    for option in item.options:
        if str(option.value) == raw:
            return option.value
    raise AssessmentError(
        f"“{item.label}” {raw[:40]!r} is not one of its options; nothing was saved."
    )


def _number(item: Item, raw: str) -> int | float:
    text = raw.strip().replace(",", ".")
    try:
        if item.type == "integer":
            return int(text)
        value = float(text)
    except ValueError:
        kind = "a whole number" if item.type == "integer" else "a number"
        raise AssessmentError(
            f"“{item.label}” enter {kind}, not {raw[:40]!r}; nothing was saved.",
            item_id=item.id,
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise AssessmentError(f"“{item.label}” enter a number.", item_id=item.id)
    return value


def _date_or_year(raw: str) -> Any:
    text = raw.strip()
    return int(text) if text.isdigit() and len(text) == 4 else text


def parse(inst: Instrument, post: QueryDict) -> dict[str, Any]:
    """The posted answers, by item id; None for a question left blank."""
    items = {item.id: item for item in inst.items}
    answers: dict[str, Any] = {}
    for key in post:
        if not key.startswith(PREFIX):
            continue
        item_id = key[len(PREFIX) :]
        item = items.get(item_id)
        if item is None:
            raise AssessmentError(
                f"{item_id[:40]!r} is not a question of {inst.title}; nothing was saved."
            )
        values = [v for v in post.getlist(key) if v != ""]
        if any(len(v) > MAX_FIELD or "\x00" in v for v in values):
            raise AssessmentError(f"“{item.label}” the answer is not allowed.")
        if item.type == "multi_choice":
            if NONE_CHOSEN in values:
                if len(values) > 1:
                    raise AssessmentError(
                        f"“{item.label}” choose options or “none of these”, "
                        "not both; nothing was saved.",
                        item_id=item.id,
                    )
                answers[item_id] = []
            else:
                answers[item_id] = [_option(item, v) for v in values] or None
            continue
        if len(values) > 1:
            raise AssessmentError(f"“{item.label}” takes one answer.")
        if not values or not values[0].strip():
            answers[item_id] = None
        elif item.type in ("single_choice", "yes_no"):
            answers[item_id] = _option(item, values[0])
        elif item.type in ("integer", "decimal"):
            answers[item_id] = _number(item, values[0])
        elif item.type == "date_or_year":
            answers[item_id] = _date_or_year(values[0])
        else:
            answers[item_id] = values[0]
    return answers


def merge(
    inst: Instrument, stored: Mapping[str, Any], posted: Mapping[str, Any], shown: set[str]
) -> dict[str, Any]:
    """Stored draft answers updated by the post. A question the form showed but the post
    left out was cleared (an unticked box sends nothing)."""
    merged = dict(stored)
    for item_id in shown:
        merged[item_id] = None
    merged.update(posted)
    return merged


@dataclass
class Field:
    """One question as the template draws it."""

    item: Item
    name: str
    value: Any
    error: str = ""
    visible: bool = True

    @property
    def show_if(self) -> str:
        """The branching condition as JSON, for the static script (empty: always asked)."""
        return json.dumps(self.item.show_if, separators=(",", ":")) if self.item.show_if else ""

    @property
    def kind(self) -> str:
        return self.item.type

    def checked(self, option_value: Any) -> bool:
        if isinstance(self.value, list):
            return any(type(v) is type(option_value) and v == option_value for v in self.value)
        return type(self.value) is type(option_value) and self.value == option_value

    @property
    def none_chosen(self) -> bool:
        return self.value == []

    @property
    def options(self) -> list[tuple[str, str, bool]]:
        return [(str(o.value), o.label, self.checked(o.value)) for o in self.item.options]

    @property
    def text(self) -> str:
        if self.value is None or isinstance(self.value, list):
            return ""
        return str(self.value)

    @property
    def step(self) -> str:
        return "1" if self.item.type == "integer" else "any"


def fields(
    inst: Instrument,
    answers: Mapping[str, Any],
    error_item: str | None = None,
    error: str = "",
    *,
    every: bool = False,
    missing: set[str] | None = None,
) -> list[Field]:
    """The questions to show given the answers so far (branching applied). With
    ``every``, the questions branching hides come too, marked not visible: the page
    keeps them hidden (and their inputs disabled) until the static script shows them;
    without the script "Save draft" reloads the page with the questions that apply."""
    visible = {i.id for i in inst.visible_items(answers)}
    missing = missing or set()
    out = []
    for item in inst.items:
        if item.id not in visible and not every:
            continue
        text = error if item.id == error_item else ""
        if item.id in missing:
            text = _("Please answer this question.")
        out.append(
            Field(
                item=item,
                name=PREFIX + item.id,
                value=answers.get(item.id) if item.id in visible else None,
                error=text,
                visible=item.id in visible,
            )
        )
    return out
