# SPDX-License-Identifier: AGPL-3.0-or-later
"""Check an answer set against its definition, then score it with the definition's rules.

Answers are plain JSON values keyed by item id. Anything the definition does not allow
(an unknown item, a value out of range, an answer to a question branching hides, a
missing required answer) raises AnswerError naming the item, and nothing is scored.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import TypeGuard

from nervepath.science.instruments.conditions import MISSING, evaluate
from nervepath.science.instruments.loader import load
from nervepath.science.instruments.model import (
    AnswerError,
    Flag,
    Instrument,
    Item,
    Result,
    Score,
)

DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
SEVERITY_ORDER = {"urgent": 0, "warning": 1, "info": 2}
COMPLETE_STATUSES = ("completed", "amended")


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_value(item: Item, value: object) -> object:
    """The answer as stored, or AnswerError saying what is wrong with it."""
    if item.type in ("single_choice", "yes_no"):
        if item.option(value) is None:
            allowed = ", ".join(repr(o.value) for o in item.options)
            raise AnswerError(item.id, f"{value!r} is not one of the options ({allowed})")
        return value
    if item.type == "multi_choice":
        if not isinstance(value, list):
            raise AnswerError(item.id, f"expects a list of options, got {value!r}")
        for choice in value:
            if item.option(choice) is None:
                allowed = ", ".join(repr(o.value) for o in item.options)
                raise AnswerError(item.id, f"{choice!r} is not one of the options ({allowed})")
        if len({repr(v) for v in value}) != len(value):
            raise AnswerError(item.id, "the same option is chosen twice")
        return list(value)
    if item.type in ("integer", "decimal"):
        if not _number(value) or not math.isfinite(float(value)):
            raise AnswerError(item.id, f"expects a number, got {value!r}")
        number: int | float = value
        if item.type == "integer":
            if isinstance(number, float):
                if not number.is_integer():
                    raise AnswerError(item.id, f"expects a whole number, got {value!r}")
                number = int(number)
        assert item.min is not None and item.max is not None
        if not item.min <= number <= item.max:
            unit = f" {item.unit}" if item.unit else ""
            raise AnswerError(item.id, f"{value!r} is outside {item.min:g}–{item.max:g}{unit}")
        return number
    if item.type == "text":
        if not isinstance(value, str):
            raise AnswerError(item.id, f"expects text, got {value!r}")
        if "\x00" in value:
            raise AnswerError(item.id, "text must not contain NUL characters")
        if item.max_length is not None and len(value) > item.max_length:
            raise AnswerError(item.id, f"text is longer than {item.max_length} characters")
        return value
    return _check_date(item, value)


def _check_date(item: Item, value: object) -> object:
    """A year (1998 or "1998"), a month ("1998-04") or a date ("1998-04-30")."""
    assert item.min is not None and item.max is not None
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, str) and (match := DATE.match(value)):
        year = int(match.group(1))
        month = int(match.group(2) or 1)
        day = int(match.group(3) or 1)
        try:
            dt.date(year, month, day)
        except ValueError as exc:
            raise AnswerError(item.id, f"{value!r} is not a real date") from exc
    else:
        raise AnswerError(item.id, f"expects a year or a YYYY-MM-DD date, got {value!r}")
    if not item.min <= year <= item.max:
        raise AnswerError(item.id, f"year {year} is outside {item.min:g}–{item.max:g}")
    return value


def validate(
    inst: Instrument, answers: Mapping[str, object], *, complete: bool = True
) -> tuple[dict[str, object], list[str]]:
    """The checked answers and the missing items the missing rule tolerates.

    With `complete=False` (a form still being filled) missing answers are allowed; every
    given answer is still checked.
    """
    if not isinstance(answers, Mapping):
        raise AnswerError("(answers)", "answers must be a mapping of item id to value")
    known = {i.id for i in inst.items}
    for key in answers:
        if key not in known:
            raise AnswerError(str(key), f"is not an item of {inst.id}")
    clean: dict[str, object] = {}
    missing: list[str] = []
    for item in inst.items:
        value = answers.get(item.id)
        if isinstance(value, str) and not value.strip():
            value = None  # a blank form field is an unanswered question
        visible = item.show_if is None or evaluate(item.show_if, clean)
        if not visible:
            if value is not None:
                raise AnswerError(item.id, "is not asked given the earlier answers (branching)")
            continue
        if value is None:
            if item.required:
                missing.append(item.id)
            continue
        clean[item.id] = _check_value(item, value)
    if not complete:
        return clean, []
    rule = inst.missing
    tolerated = [m for m in missing if rule.rule == "prorate" and m in rule.items]
    refused = [m for m in missing if m not in tolerated]
    if refused:
        raise AnswerError(refused[0], "is required and has no answer")
    if len(tolerated) > rule.max_missing:
        raise AnswerError(
            tolerated[rule.max_missing],
            f"too many items missing: the source allows at most {rule.max_missing}",
        )
    return clean, tolerated


def unanswered(inst: Instrument, answers: Mapping[str, object]) -> list[str]:
    """Every required question that is asked (branching applied) and has no answer, in
    the order of the form, so a form can list them all at once."""
    clean, _ = validate(inst, answers, complete=False)
    tolerated = set(inst.missing.items) if inst.missing.rule == "prorate" else set()
    out = []
    for item in inst.visible_items(clean):
        if item.required and item.id not in clean and item.id not in tolerated:
            out.append(item.id)
    return out


def _points(score: Score, item_id: str, value: object) -> float:
    mapping = score.value_map.get(item_id)
    if mapping is not None:
        for key, points in mapping.items():
            if type(key) is type(value) and key == value:
                return points
        raise AnswerError(item_id, f"{value!r} has no points in score {score.id}")
    if not _number(value):
        raise AnswerError(item_id, f"{value!r} is not a number, so it has no points")
    return value


def _compute(
    score: Score,
    clean: Mapping[str, object],
    done: Mapping[str, float | int | None],
    tolerated: list[str],
) -> float | int | None:
    if score.method == "rule":
        assert score.when is not None
        return 1 if evaluate(score.when, clean) else 0
    if score.method == "count":
        assert score.where is not None
        where = score.where
        return sum(1 for i in score.items if evaluate(where, clean, clean.get(i, MISSING)))
    if score.scores:
        parts = [done[s] for s in score.scores]
        if any(p is None for p in parts):
            return None
        return max(p for p in parts if p is not None)
    answered = [i for i in score.items if i in clean]
    absent = [i for i in score.items if i not in clean]
    if any(i not in tolerated for i in absent):
        return None  # an optional or hidden item is unanswered: no honest score
    values = [_points(score, i, clean[i]) for i in answered]
    if score.method == "max":
        return max(values)
    total = sum(values)
    if absent:
        # Proration as the definition's source prescribes: scale the answered sum up to
        # the full item count.
        return round(total * len(score.items) / len(answered), 2)
    return total


def _fmt(value: float | int) -> str:
    return f"{value:g}"


def score(inst: Instrument, answers: Mapping[str, object]) -> Result:
    """Score a complete answer set; raise AnswerError and score nothing if it is not valid."""
    clean, tolerated = validate(inst, answers)
    values: dict[str, float | int | None] = {}
    for definition in inst.scores:
        values[definition.id] = _compute(definition, clean, values, tolerated)
    total = values.get(inst.main_score) if inst.main_score else None
    band = band_label = None
    if inst.band_score is not None and values.get(inst.band_score) is not None:
        banded = values[inst.band_score]
        assert banded is not None
        for candidate in inst.bands:
            if banded >= candidate.min:
                band, band_label = candidate.code, candidate.label
    cutoffs: dict[str, bool | None] = {}
    positive: bool | None = None
    for cutoff in inst.cutoffs:
        value = values.get(cutoff.score)
        cutoffs[cutoff.id] = None if value is None else value >= cutoff.gte
        if cutoff.primary:
            positive = cutoffs[cutoff.id]
    flags = _flags(inst, clean)
    return Result(
        instrument_id=inst.id,
        version=inst.version,
        scores=values,
        total=total,
        band=band,
        band_label=band_label,
        positive=positive,
        cutoffs=cutoffs,
        flags=flags,
        missing_items=tolerated,
        summary=_summary(inst, total, band_label, positive, flags, tolerated),
    )


def _flags(inst: Instrument, clean: Mapping[str, object]) -> list[Flag]:
    return [
        Flag(
            rule.code,
            rule.severity,
            rule.message,
            rule.source,
            inst.id,
            rule.patient_advice,
            rule.advice_source,
        )
        for rule in inst.flags
        if evaluate(rule.when, clean)
    ]


def _summary(
    inst: Instrument,
    total: float | int | None,
    band_label: str | None,
    positive: bool | None,
    flags: list[Flag],
    tolerated: list[str],
) -> str:
    parts: list[str] = []
    if inst.main_score is not None:
        main = inst.score_def(inst.main_score)
        if total is None:
            parts.append(f"{main.label} not scored (an optional answer is missing)")
        else:
            text = f"{main.label} {_fmt(total)} of {_fmt(main.range[1])}"
            if band_label:
                text += f" ({band_label})"
            parts.append(text)
    else:
        parts.append("answers recorded (no score)")
    primary = next((c for c in inst.cutoffs if c.primary), None)
    if primary is not None and positive is not None:
        parts.append(f"{primary.label}: {'yes' if positive else 'no'}")
    if tolerated:
        parts.append(f"{len(tolerated)} item(s) missing, prorated as the source allows")
    if flags:
        parts.append(f"{len(flags)} red flag(s) for the clinician")
    return f"{inst.title}: " + "; ".join(parts) + "."


def red_flags(answers_by_instrument: Mapping[str, Mapping[str, object]]) -> list[Flag]:
    """Every red flag the answers raise across instruments, most urgent first.

    Partly filled forms are accepted (a warning should not wait for the last answer); every
    given answer is still checked.
    """
    found: list[Flag] = []
    for instrument_id, answers in answers_by_instrument.items():
        inst = load(instrument_id)
        clean, _ = validate(inst, answers, complete=False)
        found.extend(_flags(inst, clean))
    return sorted(found, key=lambda f: SEVERITY_ORDER[f.severity])
