# SPDX-License-Identifier: AGPL-3.0-or-later
"""Read questionnaire definition files and refuse any that break the format.

The format is documented in docs/instruments.md. Every check here names the file and the
field, so whoever adds an instrument (a file, not code) sees what to fix.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from nervepath.science.instruments import conditions
from nervepath.science.instruments.model import (
    ADMINISTERED_BY,
    ITEM_TYPES,
    KINDS,
    SEVERITIES,
    Band,
    Cutoff,
    DefinitionError,
    FlagRule,
    Instrument,
    Item,
    MissingRule,
    Option,
    OptionValue,
    Score,
    Source,
)

SLUG = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
PLACEHOLDER = "(licensed wording not loaded)"
YES_NO = (Option("yes", "Yes"), Option("no", "No"))
DEFAULT_TEXT_LENGTH = 2000

TOP_KEYS = {
    "id",
    "version",
    "title",
    "kind",
    "source",
    "wording",
    "items",
    "scores",
    "main_score",
    "bands",
    "cutoffs",
    "missing",
    "flags",
    "patient_title",
    "administered_by",
    "repeat_after_days",
}
ITEM_KEYS = {"id", "type", "label", "required", "options", "min", "max", "unit"}
ITEM_KEYS |= {"max_length", "show_if"}
SCORE_KEYS = {"id", "label", "method", "items", "scores", "map", "item_maps", "where", "range"}
SCORE_KEYS |= {"when"}
FLAG_KEYS = {"code", "severity", "message", "source", "when", "patient_advice", "advice_source"}


def definitions_dir() -> Path:
    """The folder of shipped definition files (packaged with the wheel)."""
    return Path(str(resources.files("nervepath.science.instruments") / "definitions"))


def available() -> list[str]:
    """The ids of the shipped instruments, sorted."""
    return sorted(p.stem for p in definitions_dir().glob("*.yaml"))


@functools.cache
def load(instrument_id: str) -> Instrument:
    """The shipped instrument `instrument_id`, parsed once and then cached (it is immutable)."""
    ids = available()
    if instrument_id not in ids:
        raise ValueError(f"unknown instrument {instrument_id!r}; available: {', '.join(ids)}")
    return load_file(definitions_dir() / f"{instrument_id}.yaml")


def load_file(path: str | Path) -> Instrument:
    """Parse and check one definition file; a bad file raises DefinitionError."""
    path = Path(path)
    name = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(name, "(file)", f"cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise DefinitionError(name, "(file)", f"is not valid YAML: {exc}") from exc
    return parse(data, name, expected_id=path.stem)


def _need(
    data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: str, where: str
) -> Any:
    if key not in data:
        raise DefinitionError(path, f"{where}{key}", "is required")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _types(kind)):
        raise DefinitionError(path, f"{where}{key}", f"must be {_kind_name(kind)}, got {value!r}")
    if isinstance(value, str) and not value.strip():
        raise DefinitionError(path, f"{where}{key}", "must not be empty")
    return value


def _types(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "an integer", float: "a number", bool: "true or false"}
    names |= {list: "a list", dict: "a mapping"}
    return " or ".join(names.get(k, k.__name__) for k in _types(kind))


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unknown_keys(data: Mapping[str, Any], allowed: set[str], path: str, where: str) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise DefinitionError(
            path, f"{where}{extra[0]}", f"unknown field (allowed: {sorted(allowed)})"
        )


def parse(data: object, path: str, expected_id: str | None = None) -> Instrument:
    """Build an Instrument from parsed YAML, checking every field."""
    if not isinstance(data, dict):
        raise DefinitionError(path, "(top)", "a definition must be a mapping")
    _unknown_keys(data, TOP_KEYS, path, "")
    inst_id = _need(data, "id", str, path, "")
    if not SLUG.match(inst_id):
        raise DefinitionError(path, "id", f"{inst_id!r} must be lower-case letters, digits, _")
    if expected_id is not None and inst_id != expected_id:
        raise DefinitionError(path, "id", f"{inst_id!r} must match the file name {expected_id!r}")
    version = _need(data, "version", str, path, "")
    title = _need(data, "title", str, path, "")
    kind = _need(data, "kind", str, path, "")
    if kind not in KINDS:
        raise DefinitionError(path, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    source = _source(_need(data, "source", dict, path, ""), path)
    wording = _need(data, "wording", dict, path, "")
    _unknown_keys(wording, {"licensed", "note"}, path, "wording.")
    licensed = _need(wording, "licensed", bool, path, "wording.")
    items = _items(_need(data, "items", list, path, ""), path, licensed)
    by_id = {i.id: i for i in items}
    scores = _scores(data.get("scores", []), path, by_id)
    score_ids = {s.id: s for s in scores}
    main = data.get("main_score")
    if scores and main is None:
        raise DefinitionError(path, "main_score", "is required when there are scores")
    if main is not None and main not in score_ids:
        raise DefinitionError(path, "main_score", f"{main!r} is not a score id")
    band_score, bands, band_source = _bands(data.get("bands"), path, score_ids)
    cutoffs = _cutoffs(data.get("cutoffs", []), path, score_ids)
    missing = _missing(data.get("missing", {"rule": "refuse"}), path, by_id, scores)
    flags = _flags(data.get("flags", []), path, by_id)
    patient_title = data.get("patient_title")
    if patient_title is not None and (not isinstance(patient_title, str) or not patient_title):
        raise DefinitionError(path, "patient_title", "must be non-empty text")
    administered_by = data.get("administered_by", "patient")
    if administered_by not in ADMINISTERED_BY:
        raise DefinitionError(
            path, "administered_by", f"{administered_by!r} is not one of {ADMINISTERED_BY}"
        )
    repeat = data.get("repeat_after_days")
    if repeat is not None and (
        isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= 3660
    ):
        raise DefinitionError(path, "repeat_after_days", "must be a whole number of days, 1-3660")
    inst = Instrument(
        id=inst_id,
        version=version,
        title=title,
        kind=kind,
        source=source,
        wording_licensed=licensed,
        wording_loaded=not licensed,
        items=tuple(items),
        scores=tuple(scores),
        main_score=main,
        band_score=band_score,
        bands=bands,
        band_source=band_source,
        cutoffs=cutoffs,
        missing=missing,
        flags=flags,
        path=path,
        patient_title=patient_title,
        administered_by=administered_by,
        repeat_after_days=repeat,
    )
    from nervepath.science.instruments.fhir import enable_when

    for item in items:
        if item.show_if is not None:
            try:
                enable_when(inst, item.show_if)
            except ValueError as exc:
                raise DefinitionError(path, f"items.{item.id}.show_if", str(exc)) from exc
    return inst


def _source(data: dict[str, Any], path: str, where: str = "source.") -> Source:
    _unknown_keys(data, {"citation", "licence", "url"}, path, where)
    url = data.get("url")
    if url is not None and not isinstance(url, str):
        raise DefinitionError(path, f"{where}url", "must be text")
    return Source(
        citation=_need(data, "citation", str, path, where),
        licence=_need(data, "licence", str, path, where),
        url=url,
    )


def _items(raw: list[Any], path: str, licensed: bool) -> list[Item]:
    if not raw:
        raise DefinitionError(path, "items", "must list at least one item")
    items: list[Item] = []
    seen: dict[str, Item] = {}
    for n, entry in enumerate(raw):
        where = f"items[{n}]."
        if not isinstance(entry, dict):
            raise DefinitionError(path, f"items[{n}]", "must be a mapping")
        item_id = _need(entry, "id", str, path, where)
        where = f"items.{item_id}."
        if not SLUG.match(item_id):
            raise DefinitionError(path, f"{where}id", "must be lower-case letters, digits, _")
        if item_id in seen:
            raise DefinitionError(path, f"{where}id", "is used twice")
        _unknown_keys(entry, ITEM_KEYS, path, where)
        item_type = _need(entry, "type", str, path, where)
        if item_type not in ITEM_TYPES:
            raise DefinitionError(path, f"{where}type", f"{item_type!r} is not one of {ITEM_TYPES}")
        label = _need(entry, "label", str, path, where)
        required = entry.get("required", True)
        if not isinstance(required, bool):
            raise DefinitionError(path, f"{where}required", "must be true or false")
        options = _options(entry, item_type, path, where)
        low, high = _limits(entry, item_type, path, where)
        unit = entry.get("unit")
        if unit is not None and not isinstance(unit, str):
            raise DefinitionError(path, f"{where}unit", "must be text")
        max_length = entry.get("max_length", DEFAULT_TEXT_LENGTH if item_type == "text" else None)
        if max_length is not None and (item_type != "text" or not isinstance(max_length, int)):
            raise DefinitionError(path, f"{where}max_length", "is an integer, for text items only")
        show_if = entry.get("show_if")
        if show_if is not None:
            conditions.check(show_if, path, f"{where}show_if", seen)
        if licensed:
            texts = [label, *(o.label for o in options if item_type != "yes_no")]
            if any(PLACEHOLDER not in t for t in texts):
                raise DefinitionError(
                    path, f"{where}label", f"licensed wording: ship only text with {PLACEHOLDER!r}"
                )
        item = Item(
            id=item_id,
            type=item_type,
            label=label,
            required=required,
            options=options,
            min=low,
            max=high,
            unit=unit,
            max_length=max_length,
            show_if=show_if,
        )
        items.append(item)
        seen[item_id] = item
    return items


def _options(entry: dict[str, Any], item_type: str, path: str, where: str) -> tuple[Option, ...]:
    raw = entry.get("options")
    if item_type not in ("single_choice", "multi_choice", "yes_no"):
        if raw is not None:
            raise DefinitionError(path, f"{where}options", f"not allowed for {item_type} items")
        return ()
    if raw is None:
        if item_type == "yes_no":
            return YES_NO
        raise DefinitionError(path, f"{where}options", "is required for choice items")
    if not isinstance(raw, list) or not raw:
        raise DefinitionError(path, f"{where}options", "must be a non-empty list")
    options: list[Option] = []
    for n, opt in enumerate(raw):
        at = f"{where}options[{n}]."
        if not isinstance(opt, dict):
            raise DefinitionError(path, f"{where}options[{n}]", "must be a mapping")
        _unknown_keys(opt, {"value", "label"}, path, at)
        value = _need(opt, "value", (int, str), path, at)
        if any(type(o.value) is type(value) and o.value == value for o in options):
            raise DefinitionError(path, f"{at}value", f"{value!r} is used twice")
        options.append(Option(value, _need(opt, "label", str, path, at)))
    if item_type == "yes_no" and [o.value for o in options] != ["yes", "no"]:
        raise DefinitionError(path, f"{where}options", "yes_no options are exactly yes, no")
    return tuple(options)


def _limits(
    entry: dict[str, Any], item_type: str, path: str, where: str
) -> tuple[float | None, float | None]:
    if item_type not in ("integer", "decimal", "date_or_year"):
        for key in ("min", "max", "unit"):
            if key in entry:
                raise DefinitionError(path, f"{where}{key}", f"not allowed for {item_type} items")
        return None, None
    kind: type | tuple[type, ...] = (int, float) if item_type == "decimal" else int
    low = _need(entry, "min", kind, path, where)
    high = _need(entry, "max", kind, path, where)
    if low >= high:
        raise DefinitionError(path, f"{where}max", f"must be above min ({low})")
    return low, high


def _scorable_range(item: Item, value_map: dict[OptionValue, float] | None) -> tuple[float, float]:
    if value_map is not None:
        points = [value_map[o.value] for o in item.options]
        return min(points), max(points)
    if item.type == "single_choice":
        values = [float(o.value) for o in item.options]
        return min(values), max(values)
    assert item.min is not None and item.max is not None
    return item.min, item.max


def _scores(raw: object, path: str, items: Mapping[str, Item]) -> list[Score]:
    if not isinstance(raw, list):
        raise DefinitionError(path, "scores", "must be a list")
    scores: dict[str, Score] = {}
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise DefinitionError(path, f"scores[{n}]", "must be a mapping")
        score_id = _need(entry, "id", str, path, f"scores[{n}].")
        where = f"scores.{score_id}."
        _unknown_keys(entry, SCORE_KEYS, path, where)
        if not SLUG.match(score_id) or score_id in scores:
            raise DefinitionError(path, f"{where}id", "must be a unique lower-case slug")
        method = _need(entry, "method", str, path, where)
        if method not in ("sum", "count", "max", "rule"):
            raise DefinitionError(path, f"{where}method", "must be sum, count, max or rule")
        if method == "rule":
            scores[score_id] = _rule_score(entry, score_id, path, where, items)
            continue
        item_ids = tuple(entry.get("items", []))
        sub = tuple(entry.get("scores", []))
        for item_id in item_ids:
            if item_id not in items:
                raise DefinitionError(path, f"{where}items", f"{item_id!r} is not an item")
        for other in sub:
            if other not in scores:
                raise DefinitionError(path, f"{where}scores", f"{other!r} is not an earlier score")
        if bool(item_ids) == bool(sub):
            raise DefinitionError(path, f"{where}items", "give either items or scores")
        if sub and method != "max":
            raise DefinitionError(path, f"{where}scores", "only max combines other scores")
        value_map = _value_maps(entry, item_ids, items, path, where)
        where_cond = entry.get("where")
        if method == "count":
            if where_cond is None:
                raise DefinitionError(path, f"{where}where", "a count needs a condition")
            conditions.check(where_cond, path, f"{where}where", None, itemless=True)
        elif where_cond is not None:
            raise DefinitionError(path, f"{where}where", "only a count takes a condition")
        if method == "count":
            expected: tuple[float, float] = (0, len(item_ids))
        else:
            if sub:
                parts = [scores[s].range for s in sub]
            else:
                for item_id in item_ids:
                    item = items[item_id]
                    numeric = item.type in ("integer", "decimal") or (
                        item.type == "single_choice"
                        and all(isinstance(o.value, int) for o in item.options)
                    )
                    if item_id not in value_map and not numeric:
                        raise DefinitionError(
                            path, f"{where}map", f"item {item_id!r} needs a value map to score"
                        )
                parts = [_scorable_range(items[i], value_map.get(i)) for i in item_ids]
            if method == "sum":
                expected = (sum(p[0] for p in parts), sum(p[1] for p in parts))
            else:
                expected = (max(p[0] for p in parts), max(p[1] for p in parts))
        declared = entry.get("range")
        if (
            not isinstance(declared, list)
            or len(declared) != 2
            or not all(_number(v) for v in declared)
            or (float(declared[0]), float(declared[1])) != (float(expected[0]), float(expected[1]))
        ):
            raise DefinitionError(
                path,
                f"{where}range",
                f"must be [{expected[0]:g}, {expected[1]:g}] as the items give, got {declared!r}",
            )
        scores[score_id] = Score(
            id=score_id,
            label=_need(entry, "label", str, path, where),
            method=method,
            items=item_ids,
            scores=sub,
            value_map=value_map,
            where=where_cond,
            range=(declared[0], declared[1]),
        )
    return list(scores.values())


def _rule_score(
    entry: dict[str, Any], score_id: str, path: str, where: str, items: Mapping[str, Item]
) -> Score:
    """A score that is 1 when a condition on the answers holds and 0 when it does not (a
    published rule such as the MPI augmentation criteria, written as a condition)."""
    for key in ("items", "scores", "map", "item_maps", "where"):
        if key in entry:
            raise DefinitionError(path, f"{where}{key}", "a rule takes only a `when` condition")
    when = entry.get("when")
    conditions.check(when, path, f"{where}when", items)
    declared = entry.get("range")
    if declared != [0, 1]:
        raise DefinitionError(path, f"{where}range", f"must be [0, 1] for a rule, got {declared!r}")
    assert isinstance(when, dict)
    return Score(
        id=score_id,
        label=_need(entry, "label", str, path, where),
        method="rule",
        range=(0, 1),
        when=when,
    )


def _value_maps(
    entry: dict[str, Any],
    item_ids: tuple[str, ...],
    items: Mapping[str, Item],
    path: str,
    where: str,
) -> dict[str, dict[OptionValue, float]]:
    common = entry.get("map")
    per_item = entry.get("item_maps", {})
    if not isinstance(per_item, dict):
        raise DefinitionError(path, f"{where}item_maps", "must be a mapping of item to map")
    maps: dict[str, dict[OptionValue, float]] = {}
    for item_id in item_ids:
        raw = per_item.get(item_id, common)
        if raw is None:
            continue
        at = f"{where}item_maps.{item_id}" if item_id in per_item else f"{where}map"
        item = items[item_id]
        values = [o.value for o in item.options]
        if not isinstance(raw, dict) or sorted(map(str, raw)) != sorted(map(str, values)):
            raise DefinitionError(path, at, f"must give points for exactly the options {values}")
        if not all(_number(v) for v in raw.values()):
            raise DefinitionError(path, at, "points must be numbers")
        maps[item_id] = {o.value: raw[o.value] for o in item.options if o.value in raw}
        if len(maps[item_id]) != len(values):
            raise DefinitionError(path, at, f"keys must be the option values {values} exactly")
    for item_id in per_item:
        if item_id not in item_ids:
            raise DefinitionError(path, f"{where}item_maps.{item_id}", "is not in this score")
    return maps


def _bands(
    raw: object, path: str, scores: Mapping[str, Score]
) -> tuple[str | None, tuple[Band, ...], str | None]:
    if raw is None:
        return None, (), None
    if not isinstance(raw, dict):
        raise DefinitionError(path, "bands", "must be a mapping with score, source, ranges")
    _unknown_keys(raw, {"score", "source", "ranges"}, path, "bands.")
    score_id = _need(raw, "score", str, path, "bands.")
    if score_id not in scores:
        raise DefinitionError(path, "bands.score", f"{score_id!r} is not a score id")
    source = _need(raw, "source", str, path, "bands.")
    ranges = _need(raw, "ranges", list, path, "bands.")
    bands: list[Band] = []
    for n, entry in enumerate(ranges):
        at = f"bands.ranges[{n}]."
        if not isinstance(entry, dict):
            raise DefinitionError(path, f"bands.ranges[{n}]", "must be a mapping")
        _unknown_keys(entry, {"code", "label", "min", "max"}, path, at)
        band = Band(
            code=_need(entry, "code", str, path, at),
            label=_need(entry, "label", str, path, at),
            min=_need(entry, "min", (int, float), path, at),
            max=_need(entry, "max", (int, float), path, at),
        )
        if band.min > band.max:
            raise DefinitionError(path, f"{at}max", "must not be below min")
        if bands and band.min != bands[-1].max + 1:
            raise DefinitionError(
                path, f"{at}min", f"must be {bands[-1].max + 1:g}: bands run upward without gaps"
            )
        bands.append(band)
    low, high = scores[score_id].range
    if not bands or bands[0].min != low or bands[-1].max != high:
        raise DefinitionError(path, "bands.ranges", f"must cover the score range {low:g}–{high:g}")
    return score_id, tuple(bands), source


def _cutoffs(raw: object, path: str, scores: Mapping[str, Score]) -> tuple[Cutoff, ...]:
    if not isinstance(raw, list):
        raise DefinitionError(path, "cutoffs", "must be a list")
    cutoffs: list[Cutoff] = []
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise DefinitionError(path, f"cutoffs[{n}]", "must be a mapping")
        at = f"cutoffs[{n}]."
        _unknown_keys(entry, {"id", "score", "gte", "label", "source", "primary"}, path, at)
        score_id = _need(entry, "score", str, path, at)
        if score_id not in scores:
            raise DefinitionError(path, f"{at}score", f"{score_id!r} is not a score id")
        primary = entry.get("primary", False)
        if not isinstance(primary, bool):
            raise DefinitionError(path, f"{at}primary", "must be true or false")
        cutoffs.append(
            Cutoff(
                id=_need(entry, "id", str, path, at),
                score=score_id,
                gte=_need(entry, "gte", (int, float), path, at),
                label=_need(entry, "label", str, path, at),
                source=_need(entry, "source", str, path, at),
                primary=primary,
            )
        )
    if cutoffs and sum(c.primary for c in cutoffs) != 1:
        raise DefinitionError(path, "cutoffs", "exactly one cutoff must be primary: true")
    if len({c.id for c in cutoffs}) != len(cutoffs):
        raise DefinitionError(path, "cutoffs", "cutoff ids must be unique")
    return tuple(cutoffs)


def _missing(raw: object, path: str, items: Mapping[str, Item], scores: list[Score]) -> MissingRule:
    if not isinstance(raw, dict):
        raise DefinitionError(path, "missing", "must be a mapping")
    _unknown_keys(raw, {"rule", "max_missing", "items", "source"}, path, "missing.")
    rule = _need(raw, "rule", str, path, "missing.")
    if rule == "refuse":
        if set(raw) - {"rule", "source"}:
            raise DefinitionError(path, "missing", "refuse takes no max_missing or items")
        return MissingRule()
    if rule != "prorate":
        raise DefinitionError(path, "missing.rule", "must be refuse or prorate")
    max_missing = _need(raw, "max_missing", int, path, "missing.")
    listed = tuple(_need(raw, "items", list, path, "missing."))
    for item_id in listed:
        if item_id not in items:
            raise DefinitionError(path, "missing.items", f"{item_id!r} is not an item")
    if not 0 < max_missing < len(listed):
        raise DefinitionError(path, "missing.max_missing", "must be between 1 and len(items)-1")
    for score in scores:
        if score.method != "sum" and set(score.items) & set(listed):
            raise DefinitionError(
                path, "missing.items", f"only sums can be prorated; {score.id} is a {score.method}"
            )
    return MissingRule("prorate", max_missing, listed, _need(raw, "source", str, path, "missing."))


def _flags(raw: object, path: str, items: Mapping[str, Item]) -> tuple[FlagRule, ...]:
    if not isinstance(raw, list):
        raise DefinitionError(path, "flags", "must be a list")
    rules: list[FlagRule] = []
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise DefinitionError(path, f"flags[{n}]", "must be a mapping")
        at = f"flags[{n}]."
        _unknown_keys(entry, FLAG_KEYS, path, at)
        code = _need(entry, "code", str, path, at)
        severity = _need(entry, "severity", str, path, at)
        if severity not in SEVERITIES:
            raise DefinitionError(path, f"{at}severity", f"must be one of {SEVERITIES}")
        when = entry.get("when")
        conditions.check(when, path, f"{at}when", items)
        assert isinstance(when, dict)
        if any(r.code == code for r in rules):
            raise DefinitionError(path, f"{at}code", f"{code!r} is used twice")
        advice = entry.get("patient_advice", "")
        advice_source = entry.get("advice_source", "")
        if not isinstance(advice, str) or not isinstance(advice_source, str):
            raise DefinitionError(path, f"{at}patient_advice", "must be text")
        if severity == "urgent" and not (advice.strip() and advice_source.strip()):
            raise DefinitionError(
                path,
                f"{at}patient_advice",
                "an urgent flag needs the advice the patient reads at once, and its source",
            )
        if advice and not advice_source.strip():
            raise DefinitionError(path, f"{at}advice_source", "advice needs its source")
        rules.append(
            FlagRule(
                code=code,
                severity=severity,
                message=_need(entry, "message", str, path, at),
                source=_need(entry, "source", str, path, at),
                when=when,
                patient_advice=" ".join(advice.split()),
                advice_source=" ".join(advice_source.split()),
            )
        )
    return tuple(rules)


def apply_wording(inst: Instrument, path: str | Path) -> Instrument:
    """A copy of `inst` with item and option text from a clinic's wording file.

    The file (YAML or JSON) maps every item id to its text, plus an optional `options`
    mapping {item_id: {option value: text}} and an optional `title`. Wording for the
    wrong instrument (unknown ids) or for only part of it is refused, so a form never
    mixes licensed text with placeholders.
    """
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise DefinitionError(name, "(file)", f"cannot be read as wording: {exc}") from exc
    if not isinstance(data, dict):
        raise DefinitionError(name, "(top)", "wording must be a mapping of item id to text")
    ids = {i.id for i in inst.items}
    for key, value in data.items():
        if key in ("options", "title"):
            continue
        if key not in ids:
            raise DefinitionError(name, str(key), f"is not an item of {inst.id}")
        if not isinstance(value, str) or not value.strip():
            raise DefinitionError(name, str(key), "must be non-empty text")
    lacking = [i for i in inst.items if i.id not in data]
    if lacking:
        raise DefinitionError(name, lacking[0].id, "has no wording (every item needs text)")
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise DefinitionError(name, "options", "must map item id to {value: text}")
    for item_id, labels in options.items():
        if item_id not in ids or not isinstance(labels, dict):
            raise DefinitionError(name, f"options.{item_id}", f"is not a choice item of {inst.id}")
        item = inst.item(item_id)
        values = {str(o.value) for o in item.options}
        for value, label in labels.items():
            if str(value) not in values or not isinstance(label, str) or not label.strip():
                raise DefinitionError(
                    name,
                    f"options.{item_id}.{value}",
                    f"must be non-empty text for one of {values}",
                )
    new_items = []
    for item in inst.items:
        labels = {str(k): v for k, v in options.get(item.id, {}).items()}
        new_options = tuple(
            Option(o.value, labels.get(str(o.value), o.label)) for o in item.options
        )
        lacking_options = [
            o.value for o in new_options if inst.wording_licensed and PLACEHOLDER in o.label
        ]
        if lacking_options:
            raise DefinitionError(
                name, f"options.{item.id}", f"has no text for option {lacking_options[0]!r}"
            )
        new_items.append(dataclasses.replace(item, label=data[item.id], options=new_options))
    title = data.get("title", inst.title)
    if not isinstance(title, str) or not title.strip():
        raise DefinitionError(name, "title", "must be non-empty text")
    return dataclasses.replace(inst, items=tuple(new_items), title=title, wording_loaded=True)
