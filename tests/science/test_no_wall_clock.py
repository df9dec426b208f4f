# SPDX-License-Identifier: AGPL-3.0-or-later
"""The science layer never reads the date or the time of day: every time it works with
comes from its input (a recording's own clock, a visit's date). So its results cannot
depend on the moment a test runs, and ``make test`` leaves ``tests/science`` out of the
second run at a hard moment (Makefile, ``test-moment``). Measuring how long something
took (``time.perf_counter``, ``time.monotonic``) is not reading the clock."""

from __future__ import annotations

import ast
from pathlib import Path

import nervepath.science

SCIENCE = Path(nervepath.science.__file__).parent
# Calls that read the wall clock: ``<module or class>.<function>()``.
CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "ctime"),
    ("time", "asctime"),
    ("time", "strftime"),
    ("Timestamp", "now"),
    ("Timestamp", "today"),
    ("np", "datetime64"),
}


def _reads(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        call = (name, node.func.attr)
        # np.datetime64("now") / ("today") reads the clock; with a date it does not.
        if call == ("np", "datetime64"):
            words = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if not any(w in ("now", "today") for w in words):
                continue
        if call in CLOCK_READS:
            found.append((node.lineno, ".".join(call)))
    return found


def test_the_science_layer_never_reads_the_clock():
    files = sorted(SCIENCE.rglob("*.py"))
    assert len(files) > 20  # the whole layer was scanned
    reads = [
        f"{path.relative_to(SCIENCE)}:{line} {call}()"
        for path in files
        for line, call in _reads(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not reads, "the science layer reads the clock:\n" + "\n".join(reads)


def test_the_scan_finds_a_clock_read():
    """The scan itself catches each way of reading the clock."""
    source = """
import time
from datetime import date, datetime
import numpy as np
a = datetime.now()
b = date.today()
c = time.time()
d = np.datetime64("now")
e = np.datetime64("2026-01-01")
f = time.perf_counter()
"""
    assert [call for _, call in _reads(ast.parse(source))] == [
        "datetime.now",
        "date.today",
        "time.time",
        "np.datetime64",
    ]
