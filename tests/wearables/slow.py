# SPDX-License-Identifier: AGPL-3.0-or-later
"""A slow analyzer for the killed-worker test (settings ``WEARABLES_ANALYZER``): it
writes a marker file when it starts, so the test knows the worker is mid-analysis, then
waits before running the real engine."""

from __future__ import annotations

import os
import time
from pathlib import Path

from nervepath.science.movement import NightReport, analyze_file


def analyze_slowly(path: str | Path, **kwargs: object) -> NightReport:
    marker = os.environ.get("NERVEPATH_TEST_STARTED_MARKER")
    if marker:
        with open(marker, "a") as fh:
            fh.write(f"{os.getpid()}\n")
    time.sleep(float(os.environ.get("NERVEPATH_TEST_ANALYSIS_DELAY", "0")))
    # The keywords are passed through untouched, as the worker gives them.
    return analyze_file(path, **kwargs)  # type: ignore[arg-type]
