# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every test runs in one of make test's runs (tests/runs.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import runs


@dataclass
class _Item:
    nodeid: str
    path: Path
    marks: set[str] = field(default_factory=set)

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.marks else None


def test_a_once_test_that_no_run_runs_is_named():
    tests = Path(runs.__file__).parent
    items = [
        _Item("walk", tests / "access" / "test_route_walk.py", {"once"}),
        _Item("browser", tests / "e2e" / "test_e2e_x.py", {"once", "e2e"}),
        _Item("science", tests / "science" / "movement" / "test_x.py", {"once"}),
        _Item("plain browser", tests / "e2e" / "test_e2e_y.py", {"e2e"}),
        _Item("plain science", tests / "science" / "test_y.py"),
    ]
    assert runs.left_out(items) == ["browser", "science"]
