# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every shipped definition loads and passes the schema; bad files are refused clearly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from nervepath.science import instruments
from nervepath.science.instruments import DefinitionError
from nervepath.science.instruments.loader import definitions_dir, load_file

SHIPPED = [
    "clinic_sleep",
    "irls",
    "jhrlss",
    "mnsi",
    "mnsi_exam",
    "mpi_augmentation",
    "pain_nrs",
    "rls_criterion5",
    "rls_diagnosis",
    "symptom_history",
]

GOOD: dict[str, Any] = {
    "id": "demo",
    "version": "1",
    "title": "Demo scale",
    "kind": "severity_scale",
    "source": {"citation": "test fixture", "licence": "test fixture"},
    "wording": {"licensed": False},
    "items": [
        {"id": "a", "type": "integer", "label": "A", "min": 0, "max": 3},
        {"id": "b", "type": "yes_no", "label": "B"},
        {
            "id": "c",
            "type": "text",
            "label": "C",
            "required": False,
            "show_if": {"item": "b", "equals": "yes"},
        },
    ],
    "scores": [
        {
            "id": "total",
            "label": "Total",
            "method": "sum",
            "items": ["a", "b"],
            "item_maps": {"b": {"yes": 1, "no": 0}},
            "range": [0, 4],
        }
    ],
    "main_score": "total",
    "bands": {
        "score": "total",
        "source": "test fixture",
        "ranges": [
            {"code": "low", "label": "low", "min": 0, "max": 1},
            {"code": "high", "label": "high", "min": 2, "max": 4},
        ],
    },
    "flags": [
        {
            "code": "b_yes",
            "severity": "info",
            "message": "B said yes",
            "source": "test fixture",
            "when": {"item": "b", "equals": "yes"},
        }
    ],
}


def write(tmp_path: Path, data: object, name: str = "demo") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_the_shipped_list_is_exactly_the_files():
    assert instruments.available() == SHIPPED
    assert sorted(p.stem for p in definitions_dir().glob("*.yaml")) == SHIPPED


@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_every_shipped_definition_loads_and_passes_the_schema(instrument_id):
    inst = instruments.load(instrument_id)
    assert inst.id == instrument_id
    assert inst.source.citation and inst.source.licence
    assert inst.items
    assert instruments.load(instrument_id) is inst  # cached
    for flag in inst.flags:
        assert flag.source and "not a diagnosis" in flag.message


def test_the_definition_files_are_packaged():
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())
    assert "*.yaml" in pyproject["tool"]["setuptools"]["package-data"]["*"]


def test_unknown_instrument_is_refused_with_the_list():
    with pytest.raises(ValueError, match=r"unknown instrument 'nope'.*irls"):
        instruments.load("nope")


def test_a_good_fixture_loads(tmp_path):
    inst = load_file(write(tmp_path, GOOD))
    assert [i.id for i in inst.items] == ["a", "b", "c"]
    assert inst.score_def("total").range == (0, 4)


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    target: Any = data
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if value is DELETE:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


DELETE = object()

BAD = [
    ("id", DELETE, "id", "is required"),
    ("id", "other", "id", "must match the file name"),
    ("version", 2, "version", "must be text"),
    ("kind", "quiz", "kind", "is not one of"),
    ("colour", "red", "colour", "unknown field"),
    ("source.licence", DELETE, "source.licence", "is required"),
    ("wording.licensed", "no", "wording.licensed", "true or false"),
    ("items.0.type", "slider", "items.a.type", "is not one of"),
    ("items.1.id", "a", "items.a.id", "used twice"),
    ("items.0.max", -1, "items.a.max", "must be above min"),
    ("items.0.options", [{"value": 1, "label": "x"}], "items.a.options", "not allowed"),
    ("items.2.show_if", {"item": "zz", "equals": "yes"}, "items.c.show_if", "unknown or not asked"),
    ("items.0.show_if", {"item": "b", "equals": "yes"}, "items.a.show_if", "not asked before"),
    ("items.2.show_if", {"item": "b", "like": "yes"}, "items.c.show_if", "exactly one comparison"),
    ("items.2.show_if", {"not": {"item": "b", "equals": "no"}}, "items.c.show_if", "enableWhen"),
    ("scores.0.range", [0, 5], "scores.total.range", "must be [0, 4]"),
    ("scores.0.item_maps", {}, "scores.total.map", "needs a value map"),
    ("scores.0.item_maps.b", {"yes": 1}, "scores.total.item_maps.b", "exactly the options"),
    ("scores.0.method", "mean", "scores.total.method", "sum, count, max or rule"),
    ("main_score", "nope", "main_score", "not a score id"),
    ("bands.ranges.1.min", 3, "bands.ranges[1].min", "without gaps"),
    ("bands.ranges.1.max", 3, "bands.ranges", "must cover the score range"),
    ("flags.0.severity", "panic", "flags[0].severity", "must be one of"),
    ("flags.0.when", {"item": "zz", "equals": 1}, "flags[0].when", "unknown"),
    ("flags.0.source", DELETE, "flags[0].source", "is required"),
]


@pytest.mark.parametrize(("where", "value", "field", "message"), BAD)
def test_a_bad_definition_is_refused_naming_file_and_field(tmp_path, where, value, field, message):
    data = copy.deepcopy(GOOD)
    _set(data, where, value)
    path = write(tmp_path, data)
    with pytest.raises(DefinitionError) as caught:
        load_file(path)
    assert caught.value.field == field
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_not_yaml_is_refused(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(DefinitionError, match="not valid YAML"):
        load_file(path)


def test_licensed_wording_must_not_ship_real_text(tmp_path):
    data = copy.deepcopy(GOOD)
    data["wording"]["licensed"] = True
    with pytest.raises(DefinitionError, match="licensed wording") as caught:
        load_file(write(tmp_path, data))
    assert caught.value.field == "items.a.label"


def test_the_irls_ships_only_placeholders():
    irls = instruments.load("irls")
    assert irls.wording_licensed and not irls.wording_loaded
    for item in irls.items:
        assert "(licensed wording not loaded)" in item.label
        assert [o.value for o in item.options] == [4, 3, 2, 1, 0]
        assert all("(licensed wording not loaded)" in o.label for o in item.options)


def _irls_wording() -> dict[str, Any]:
    wording: dict[str, Any] = {f"q{n}": f"Licensed text {n}" for n in range(1, 11)}
    wording["options"] = {
        f"q{n}": {str(v): f"Option {v} of {n}" for v in range(5)} for n in range(1, 11)
    }
    return wording


def test_with_wording_loads_licensed_text_and_leaves_the_shipped_copy_alone(tmp_path):
    path = tmp_path / "irls-wording.json"
    path.write_text(json.dumps(_irls_wording()), encoding="utf-8")
    irls = instruments.load("irls")
    worded = irls.with_wording(path)
    assert worded.wording_loaded
    assert worded.item("q3").label == "Licensed text 3"
    assert worded.item("q3").option(4).label == "Option 4 of 3"
    assert "(licensed wording not loaded)" in irls.item("q3").label
    answers = {f"q{n}": 1 for n in range(1, 11)}
    assert instruments.score(worded, answers).total == instruments.score(irls, answers).total == 10


def test_with_wording_reads_yaml_too(tmp_path):
    path = tmp_path / "irls.yaml"
    path.write_text(yaml.safe_dump(_irls_wording()), encoding="utf-8")
    assert instruments.load("irls").with_wording(path).item("q1").label == "Licensed text 1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda w: w.pop("q7"), "q7"),
        (lambda w: w.update(q99="x"), "q99"),
        (lambda w: w["options"]["q2"].update({"9": "x"}), "options.q2.9"),
        (lambda w: w["options"].pop("q5"), "options.q5"),
        (lambda w: w.update(q1=""), "q1"),
    ],
)
def test_bad_wording_files_are_refused(tmp_path, change, field):
    wording = _irls_wording()
    change(wording)
    path = tmp_path / "w.json"
    path.write_text(json.dumps(wording), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        instruments.load("irls").with_wording(path)
    assert caught.value.field == field
    assert str(path) in str(caught.value)
