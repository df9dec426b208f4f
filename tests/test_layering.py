# SPDX-License-Identifier: AGPL-3.0-or-later
"""The layers are checked, not just hoped for (DESIGN.md, issue 14): import-linter's
contracts in pyproject.toml, run here as in CI. The science layer imports neither Django
nor a web app; the web apps import only the apps below them on the patient's journey."""

from __future__ import annotations

import copy
import io
import logging
from contextlib import redirect_stdout
from pathlib import Path

import grimp
import pytest
from importlinter import configuration
from importlinter.application import use_cases
from importlinter.contracts.layers import LayersContract

import nervepath

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
PACKAGE = Path(nervepath.__file__).parent

# The readers and checkers import-linter's command line sets up before it lints.
configuration.configure()


def _journey_options() -> dict:
    options = use_cases.read_user_options(config_filename=str(PYPROJECT))
    (journey,) = [c for c in options.contracts_options if c.get("id") == "journey"]
    return {"session": options.session_options, "contract": journey}


@pytest.fixture(scope="module")
def journey() -> LayersContract:
    options = _journey_options()
    return LayersContract(
        name=options["contract"]["name"],
        session_options=options["session"],
        contract_options=options["contract"],
    )


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("nervepath", include_external_packages=True, cache_dir=None)


def _lint(*contracts: str) -> tuple[bool, str]:
    """import-linter's own check and report, without its command line's logging set-up
    (``importlinter.cli.lint_imports`` calls ``dictConfig``, which disables every logger
    that exists by then, so the tests after this one in the process lost their log
    records)."""
    out = io.StringIO()
    with redirect_stdout(out):
        kept = use_cases.lint_imports(
            config_filename=str(PYPROJECT), limit_to_contracts=contracts, cache_dir=None
        )
    return kept, out.getvalue()


def test_every_contract_is_kept():
    app_logger = logging.getLogger("nervepath.messaging.bounces")
    kept, report = _lint()
    assert kept, report
    assert "0 broken" in report
    assert not app_logger.disabled  # the lint left the app's logging alone


def test_the_journey_contract_is_one_of_them():
    kept, report = _lint("journey")
    assert kept, report
    assert "1 kept, 0 broken" in report


def _children_of_nervepath() -> set[str]:
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    return packages | modules


def test_the_layers_place_every_app_and_module_under_nervepath(journey):
    contract = _journey_options()["contract"]
    assert contract["containers"] == ["nervepath"]
    assert contract["exhaustive"] in (True, "True", "true")
    named = [
        name.strip() for layer in contract["layers"] for name in layer.split("|") if name.strip()
    ]
    assert len(named) == len(set(named)), "an app is named in two layers"
    assert set(named) == _children_of_nervepath()
    # The journey's order, lowest last: audit < accounts < access < scheduling < documents
    # < assessment, wearables < pathway < research < api, site < config < cli, demo.
    order = [set(layer.replace(" ", "").split("|")) for layer in contract["layers"]]

    def rank(app: str) -> int:
        return next(i for i, layer in enumerate(order) if app in layer)

    journey_order = ["demo", "config", "api", "research", "pathway", "assessment",
                     "documents", "scheduling", "access", "accounts", "audit"]  # fmt: skip
    ranks = [rank(app) for app in journey_order]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert rank("assessment") == rank("wearables") and rank("api") == rank("site")


def test_the_contract_is_kept_on_the_real_graph(journey, graph):
    assert journey.check(copy.deepcopy(graph), verbose=False).kept


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        # The cycle this contract removed: the policy asks care sources instead.
        ("nervepath.access.policy", "nervepath.scheduling.models"),
        # An app reaching for the demo clinic's data.
        ("nervepath.wearables.events", "nervepath.demo.wearables"),
        # A lower app importing a higher one, and two independent apps each other.
        ("nervepath.accounts.models", "nervepath.pathway.models"),
        ("nervepath.wearables.services", "nervepath.assessment.models"),
    ],
)
def test_an_import_against_the_journey_is_caught(journey, graph, importer, imported):
    wrong = copy.deepcopy(graph)
    wrong.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    check = journey.check(wrong, verbose=False)
    assert not check.kept
    broken = {(c["importer"], c["imported"]) for c in check.metadata["invalid_dependencies"]}
    layer_of = lambda module: ".".join(module.split(".")[:2])  # noqa: E731
    assert (layer_of(importer), layer_of(imported)) in broken


def test_a_new_app_outside_the_layers_is_caught(journey, graph):
    wrong = copy.deepcopy(graph)
    wrong.add_module("nervepath.billing")
    check = journey.check(wrong, verbose=False)
    assert not check.kept
    assert "nervepath.billing" in {str(m) for m in check.metadata["undeclared_modules"]}
