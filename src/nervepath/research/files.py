# SPDX-License-Identifier: AGPL-3.0-or-later
"""Where a research job's file lives: Django's file storage (``research/jobs/<job>/``),
the same storage uploads use, so several machines share it; never the database row."""

from __future__ import annotations

import uuid
from typing import IO

from django.core.files.storage import default_storage

from nervepath.documents import storage

#: Far above any report or export nervepath makes; only a runaway job meets it.
MAX_FILE_BYTES = 4 * 1024**3


def save_job_file(public_id: uuid.UUID, source: IO[bytes]) -> str:
    """Write a finished job's file; returns its storage name."""
    return storage.store(source, prefix=f"research/jobs/{public_id}", max_bytes=MAX_FILE_BYTES).name


def read_job_file(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def delete_job_file(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)
