# SPDX-License-Identifier: AGPL-3.0-or-later
"""The layers are checked, not just hoped for (DESIGN.md, issue 14): import-linter's
contracts in pyproject.toml, run here as in CI. The science layer imports neither Django
nor a web app; the web apps import only the apps below them on the patient's journey."""

from __future__ import annotations

import contextlib
import copy
import io
import logging
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import grimp
import pytest
from importlinter.application import use_cases
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports
from importlinter.contracts.layers import LayersContract

import nervepath

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
PACKAGE = Path(nervepath.__file__).parent


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


def _lint(*contracts: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out), _logging_left_as_it_was():
        status = lint_imports(
            config_filename=str(PYPROJECT), limit_to_contracts=contracts, no_cache=True
        )
    return status, out.getvalue()


@contextlib.contextmanager
def _logging_left_as_it_was() -> Iterator[None]:
    """``lint_imports`` sets up logging for its command line (``dictConfig``), which
    disables every logger that exists by then. Put each logger back as it was, so the
    tests that run after this one in the same process still get their log records (the
    bounce reader's ``caplog`` tests failed when they followed it)."""
    manager = logging.root.manager
    kept = {
        name: (logger.disabled, logger.level, logger.propagate, list(logger.handlers))
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        for name, logger in list(manager.loggerDict.items()):
            if not isinstance(logger, logging.Logger):
                continue
            disabled, level, propagate, handlers = kept.get(name, (False, logging.NOTSET, True, []))
            for handler in logger.handlers:
                if handler not in handlers:
                    handler.close()
            logger.disabled, logger.propagate, logger.handlers = disabled, propagate, handlers
            logger.setLevel(level)


def test_every_contract_is_kept():
    app_logger = logging.getLogger("nervepath.messaging.bounces")
    status, report = _lint()
    assert status == EXIT_STATUS_SUCCESS, report
    assert "0 broken" in report
    assert not app_logger.disabled  # the lint left the app's logging alone


def test_the_journey_contract_is_one_of_them():
    status, report = _lint("journey")
    assert status == EXIT_STATUS_SUCCESS, report
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
