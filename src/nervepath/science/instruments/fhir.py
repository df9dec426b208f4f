# SPDX-License-Identifier: AGPL-3.0-or-later
"""Export instruments and answer sets as FHIR R4 Questionnaire / QuestionnaireResponse.

Plain dicts (JSON-ready), so the science layer needs no FHIR library; the tests validate
the output with the fhir.resources R4B models. Element names follow the R4 specification
(https://hl7.org/fhir/R4/questionnaire.html, /questionnaireresponse.html).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from nervepath.science.instruments.model import Condition, Instrument, Item

URN = "urn:nervepath:questionnaire:"
EXT_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
EXT_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXT_UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
FHIR_TYPES = {
    "single_choice": "choice",
    "multi_choice": "choice",
    "yes_no": "boolean",
    "integer": "integer",
    "decimal": "decimal",
    "text": "text",
    "date_or_year": "date",
}
OPERATORS = {
    "equals": "=",
    "not_equals": "!=",
    "gte": ">=",
    "gt": ">",
    "lte": "<=",
    "lt": "<",
    "contains": "=",
}
STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")


def canonical(inst: Instrument) -> str:
    return f"{URN}{inst.id}"


def fhir_id(inst: Instrument) -> str:
    """FHIR ids allow letters, digits, '-' and '.', not '_'."""
    return inst.id.replace("_", "-")


def _system(inst: Instrument, item: Item) -> str:
    return f"{canonical(inst)}:{item.id}"


def _value(inst: Instrument, item: Item, value: object, prefix: str) -> dict[str, Any]:
    """One answer (or enableWhen target) as value[x] / answer[x]."""
    if item.type == "yes_no":
        return {f"{prefix}Boolean": value == "yes"}
    if item.type in ("single_choice", "multi_choice"):
        coding: dict[str, Any] = {"system": _system(inst, item), "code": str(value)}
        option = item.option(value)
        if option is not None:
            coding["display"] = option.label
        return {f"{prefix}Coding": coding}
    if item.type == "integer":
        return {f"{prefix}Integer": int(cast(int, value))}  # scoring checked it is a number
    if item.type == "decimal":
        return {f"{prefix}Decimal": value}
    if item.type == "date_or_year":
        return {f"{prefix}Date": f"{value:04d}" if isinstance(value, int) else value}
    return {f"{prefix}String": value}


def _one(inst: Instrument, cond: Condition, standalone: bool) -> list[dict[str, Any]]:
    if any(k in cond for k in ("all", "any", "not")):
        raise ValueError("show_if nests all/any/not; it cannot become FHIR enableWhen")
    item = inst.item(cond["item"])
    (op,) = (k for k in cond if k != "item")
    target = cond[op]
    if op == "answered":
        return [{"question": item.id, "operator": "exists", "answerBoolean": target}]
    if op in ("in", "contains_any"):
        if not standalone:
            raise ValueError(f"{op} inside all cannot become FHIR enableWhen; use any")
        return [
            {"question": item.id, "operator": "=", **_value(inst, item, t, "answer")}
            for t in target
        ]
    return [
        {"question": item.id, "operator": OPERATORS[op], **_value(inst, item, target, "answer")}
    ]


def enable_when(inst: Instrument, cond: Condition) -> tuple[list[dict[str, Any]], str | None]:
    """A show_if as FHIR enableWhen entries plus enableBehavior (None for a single entry).

    Raises ValueError for conditions FHIR enableWhen cannot express; the loader refuses
    such show_if, so every shipped instrument exports exactly.
    """
    if "all" in cond:
        entries = [e for c in cond["all"] for e in _one(inst, c, standalone=False)]
        return entries, "all" if len(entries) > 1 else None
    if "any" in cond:
        entries = [e for c in cond["any"] for e in _one(inst, c, standalone=True)]
        return entries, "any" if len(entries) > 1 else None
    entries = _one(inst, cond, standalone=True)
    return entries, "any" if len(entries) > 1 else None


def _item(inst: Instrument, item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {
        "linkId": item.id,
        "text": item.label,
        "type": FHIR_TYPES[item.type],
        "required": item.required,
    }
    if item.type == "multi_choice":
        out["repeats"] = True
    if item.type in ("single_choice", "multi_choice"):
        out["answerOption"] = [_value(inst, item, option.value, "value") for option in item.options]
    if item.type == "text" and item.max_length is not None:
        out["maxLength"] = item.max_length
    extensions: list[dict[str, Any]] = []
    if item.type in ("integer", "decimal"):
        kind = "valueInteger" if item.type == "integer" else "valueDecimal"
        extensions.append({"url": EXT_MIN, kind: item.min})
        extensions.append({"url": EXT_MAX, kind: item.max})
    if item.unit:
        extensions.append({"url": EXT_UNIT, "valueCoding": {"display": item.unit}})
    if extensions:
        out["extension"] = extensions
    if item.show_if is not None:
        entries, behavior = enable_when(inst, item.show_if)
        out["enableWhen"] = entries
        if behavior is not None:
            out["enableBehavior"] = behavior
    return out


def to_fhir_questionnaire(inst: Instrument) -> dict[str, Any]:
    """The instrument as an R4 Questionnaire (plain dict)."""
    name = "".join(part.capitalize() for part in inst.id.split("_"))
    return {
        "resourceType": "Questionnaire",
        "id": fhir_id(inst),
        "url": canonical(inst),
        "version": inst.version,
        "name": name,
        "title": inst.title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": f"Source: {inst.source.citation}",
        "copyright": inst.source.licence,
        "item": [_item(inst, item) for item in inst.items],
    }


def _authored(authored: object) -> str:
    if isinstance(authored, dt.datetime):
        if authored.tzinfo is None or authored.utcoffset() is None:
            raise ValueError("authored needs a timezone-aware datetime")
        return authored.isoformat()
    if isinstance(authored, dt.date):
        return authored.isoformat()
    if isinstance(authored, str) and authored:
        return authored
    raise ValueError(f"authored must be a datetime or an ISO string, got {authored!r}")


def to_fhir_response(
    inst: Instrument,
    answers: Mapping[str, object],
    *,
    subject_ref: str,
    authored: object,
    status: str = "completed",
) -> dict[str, Any]:
    """An answer set as an R4 QuestionnaireResponse (plain dict).

    The answers are checked first (AnswerError as in scoring); a completed or amended
    response must be complete, an in-progress one may have gaps. An empty multi-choice
    answer (none chosen) has no FHIR answer and is left out.
    """
    from nervepath.science.instruments.scoring import COMPLETE_STATUSES, validate

    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    if not isinstance(subject_ref, str) or "/" not in subject_ref:
        raise ValueError(f"subject_ref must look like 'Patient/123', got {subject_ref!r}")
    clean, _ = validate(inst, answers, complete=status in COMPLETE_STATUSES)
    items = []
    for item in inst.items:
        if item.id not in clean:
            continue
        value = clean[item.id]
        values = value if isinstance(value, list) else [value]
        if not values:
            continue
        items.append(
            {
                "linkId": item.id,
                "text": item.label,
                "answer": [_value(inst, item, v, "value") for v in values],
            }
        )
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{canonical(inst)}|{inst.version}",
        "status": status,
        "subject": {"reference": subject_ref},
        "authored": _authored(authored),
    }
    if items:
        response["item"] = items
    return response
