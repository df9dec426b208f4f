# SPDX-License-Identifier: AGPL-3.0-or-later
"""Which of ``make test``'s runs a test is in (Makefile).

The first run leaves out the tests marked ``once``; the hard-moment run leaves out the
browser tests (``e2e``) and tests/science. So a ``once`` test that is also a browser or
science test would run in neither: ``left_out`` names such tests, and the collection
(tests/conftest.py) stops on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCIENCE = Path(__file__).parent / "science"


def left_out(items: Iterable[Any], science: Path = SCIENCE) -> list[str]:
    """The node ids of the ``once`` tests that the hard-moment run does not run."""
    return [
        item.nodeid
        for item in items
        if item.get_closest_marker("once")
        and (item.get_closest_marker("e2e") or Path(item.path).is_relative_to(science))
    ]
