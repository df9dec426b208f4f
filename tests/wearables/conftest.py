# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from pathlib import Path

import pytest

WEARABLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "wearables"
if not WEARABLES.is_dir():  # a worktree beside the main checkout
    WEARABLES = Path("/work/shared/data/wearables")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def real_file():
    def read(name: str) -> bytes:
        return (WEARABLES / name).read_bytes()

    return read
