# SPDX-License-Identifier: AGPL-3.0-or-later
"""API input errors as one sentence naming the field, from pydantic's error records
(type, location, context), never the validator's own wording."""

from __future__ import annotations

from collections.abc import Mapping

# The parts of an error's location that are not field names (django-ninja's wrappers).
_WRAPPERS = {"body", "query", "payload", "path"}

BODY_NOT_JSON = "The request body is not valid JSON: send one JSON object."
CSRF_MISSING = (
    "A signed-in session must send its CSRF token in the X-CSRFToken header "
    "(the csrftoken cookie's value)."
)
BODY_NOT_OBJECT = "The request body must be a JSON object of named fields."


def field_name(loc: tuple[object, ...] | list[object]) -> str:
    """The field a pydantic location points at, as the request names it (``a.b`` or
    ``items[2]``); empty for the body as a whole."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        elif str(part) not in _WRAPPERS:
            name += f".{part}" if name else str(part)
    return name


def _sentence(field: str, kind: str, ctx: Mapping[str, object], msg: str) -> str:
    the = f"“{field}”"
    if kind == "missing":
        return f"{the} is required."
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        return f"{the} must be {words} {bound}."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{the} must be a whole number."
    if kind in ("float_parsing", "float_type"):
        return f"{the} must be a number."
    if kind in ("bool_parsing", "bool_type"):
        return f"{the} must be true or false."
    if kind.startswith("datetime") or kind == "timezone_aware":
        return (
            f"{the} must be a date and time with its offset from UTC, "
            "e.g. 2026-03-02T10:00:00-07:00."
        )
    if kind.startswith("date"):
        return f"{the} must be a date as YYYY-MM-DD, e.g. 2026-03-02."
    if kind == "string_too_short":
        return (
            f"{the} must not be empty."
            if ctx.get("min_length") == 1
            else (f"{the} must be at least {ctx.get('min_length')} characters long.")
        )
    if kind == "string_too_long":
        return f"{the} must be at most {ctx.get('max_length')} characters long."
    if kind == "string_pattern_mismatch":
        return f"{the} may hold only letters, digits, hyphens and underscores."
    if kind in ("string_type", "string_unicode"):
        return f"{the} must be text."
    if kind in ("list_type", "tuple_type"):
        return f"{the} must be a list."
    if kind == "extra_forbidden":
        return f"{the} is not a field this request takes."
    if kind == "value_error":
        detail = msg.removeprefix("Value error, ").rstrip(".")
        return f"{the} {detail}."
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"{the} must be a JSON object of named fields."
    return f"{the} is not valid ({msg.rstrip('.').lower()})."


def sentence(error: Mapping[str, object]) -> str:
    """One pydantic error record as a sentence naming the field."""
    loc = error.get("loc", ())
    field = field_name(loc if isinstance(loc, (tuple, list)) else ())
    kind = str(error.get("type", ""))
    msg = str(error.get("msg", ""))
    ctx = error.get("ctx") or {}
    if not field:
        if kind == "json_invalid":
            return BODY_NOT_JSON
        if kind == "missing":
            return "The request needs a JSON body."
        return BODY_NOT_OBJECT
    return _sentence(field, kind, ctx if isinstance(ctx, Mapping) else {}, msg)
