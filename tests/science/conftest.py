# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shared fixtures of the science test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
WEARABLES = (REPO_ROOT / ".." / "shared" / "data" / "wearables").resolve()


@pytest.fixture(scope="session")
def wearables() -> Path:
    """The folder of real device recordings beside the checkout."""
    if not WEARABLES.is_dir():
        pytest.fail(
            f"real wearable recordings not found at {WEARABLES} (shared/ beside the checkout)"
        )
    return WEARABLES
