# SPDX-License-Identifier: AGPL-3.0-or-later
"""Conditions on answers, shared by branching (`show_if`), counted scores and red flags.

A condition is a small mapping, so definition files stay readable and the same rule can be
exported to FHIR `enableWhen`:

    {item: diabetes, equals: "yes"}          {item: ferritin, lte: 75}
    {item: meds, contains_any: [ropinirole]} {item: course, in: [a, b]}
    {all: [...]}   {any: [...]}   {not: {...}}   {item: x, answered: true}

Inside a counted score the `item` key is left out: the comparison applies to each item.
An unanswered item meets no comparison (only `answered: false`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TypeGuard, cast

from nervepath.science.instruments.model import Condition, DefinitionError, Item

COMPARISONS = (
    "equals",
    "not_equals",
    "in",
    "gte",
    "gt",
    "lte",
    "lt",
    "contains",
    "contains_any",
    "answered",
)
NUMERIC = ("gte", "gt", "lte", "lt")
COMBINERS = ("all", "any", "not")
MISSING = object()


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def same(a: object, b: object) -> bool:
    """Equal and of the same kind: 1 is not True, "1" is not 1, 1 equals 1.0."""
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    return type(a) is type(b) and a == b


def compare(op: str, target: object, value: object) -> bool:
    """Whether an answer `value` (or MISSING) meets `op target`."""
    if op == "answered":
        return (value is not MISSING and value is not None) == bool(target)
    if value is MISSING or value is None:
        return False
    if op == "equals":
        return same(value, target)
    if op == "not_equals":
        return not same(value, target)
    if op == "in":
        return any(same(value, t) for t in _options(target))
    if op in NUMERIC:
        if not _is_number(value) or not math.isfinite(float(value)):
            return False
        v, t = float(value), float(cast(float, target))  # the loader checks it is a number
        return {"gte": v >= t, "gt": v > t, "lte": v <= t, "lt": v < t}[op]
    if op == "contains":
        return isinstance(value, list) and any(same(v, target) for v in value)
    if op == "contains_any":
        return isinstance(value, list) and any(same(v, t) for v in value for t in _options(target))
    raise ValueError(f"unknown comparison {op!r}")


def _options(target: object) -> Iterable[object]:
    """The list an ``in`` or ``contains_any`` condition names (the loader checks it)."""
    if not isinstance(target, list | tuple):
        raise ValueError(f"expected a list of answers to compare with, got {target!r}")
    return target


def evaluate(cond: Condition, answers: Mapping[str, object], value: object = MISSING) -> bool:
    """Evaluate `cond` against `answers`; `value` stands for the item in item-less conditions."""
    if "all" in cond:
        return all(evaluate(c, answers, value) for c in cond["all"])
    if "any" in cond:
        return any(evaluate(c, answers, value) for c in cond["any"])
    if "not" in cond:
        return not evaluate(cond["not"], answers, value)
    subject = answers.get(cond["item"], MISSING) if "item" in cond else value
    (op,) = (k for k in cond if k != "item")
    return compare(op, cond[op], subject)


def referenced_items(cond: Condition) -> list[str]:
    """Every item a condition reads, in order."""
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        return [i for c in cond[key] for i in referenced_items(c)]
    if "not" in cond:
        return referenced_items(cond["not"])
    return [cond["item"]] if "item" in cond else []


def check(
    cond: object,
    path: str,
    where: str,
    items: Mapping[str, Item] | None,
    *,
    itemless: bool = False,
) -> None:
    """Refuse a malformed condition with a message naming the file and field.

    `items` are the items the condition may name (earlier items for `show_if`); `itemless`
    allows comparisons without `item` (counted scores).
    """
    if not isinstance(cond, Mapping) or not cond:
        raise DefinitionError(path, where, "a condition must be a non-empty mapping")
    keys = set(cond)
    combiner = keys & set(COMBINERS)
    if combiner:
        if len(keys) != 1:
            raise DefinitionError(path, where, f"{sorted(keys)}: all/any/not stand alone")
        (key,) = combiner
        if key == "not":
            check(cond["not"], path, f"{where}.not", items, itemless=itemless)
            return
        parts = cond[key]
        if not isinstance(parts, list) or not parts:
            raise DefinitionError(path, where, f"{key} needs a non-empty list of conditions")
        for n, part in enumerate(parts):
            check(part, path, f"{where}.{key}[{n}]", items, itemless=itemless)
        return
    ops = [k for k in keys if k != "item"]
    if len(ops) != 1 or ops[0] not in COMPARISONS:
        raise DefinitionError(
            path, where, f"needs exactly one comparison of {', '.join(COMPARISONS)}; got {ops}"
        )
    op = ops[0]
    target = cond[op]
    if "item" not in cond:
        if not itemless:
            raise DefinitionError(path, where, "a condition must name an `item`")
    elif items is not None:
        item_id = cond["item"]
        if item_id not in items:
            raise DefinitionError(
                path, where, f"names item {item_id!r}, which is unknown or not asked before"
            )
    if op in NUMERIC and not _is_number(target):
        raise DefinitionError(path, where, f"{op} needs a number, got {target!r}")
    if op in ("in", "contains_any") and (not isinstance(target, list) or not target):
        raise DefinitionError(path, where, f"{op} needs a non-empty list")
    if op == "answered" and not isinstance(target, bool):
        raise DefinitionError(path, where, "answered needs true or false")
    if op in ("equals", "not_equals", "contains") and not isinstance(target, int | float | str):
        raise DefinitionError(path, where, f"{op} needs a single value, got {target!r}")
