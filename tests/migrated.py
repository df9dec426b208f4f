# SPDX-License-Identifier: AGPL-3.0-or-later
"""The migrated SQLite test database, made once and copied for each test process.

Running the project's migrations on an empty SQLite file costs about 8.5 s of CPU (13.6 s
before each app's migrations were squashed into one, docs/deployment.md; Django renders
the model state again after most operations). Every xdist worker of every run
(the full suite, then the hard-moment run) needs the same migrated file, so the first
process to get here migrates as before and keeps a copy under ``var/test-db/``, named by
a hash of everything that decides the schema (Django's version, the installed apps and
every migration file). The others copy it and let Django's ``migrate`` find everything
applied (``keepdb``). A lock file makes the second worker wait for the first one's copy
rather than migrate a second time; a change to any migration gives a new name.

PostgreSQL runs are left as they were.

:func:`built_once` is the same idea for any file the tests make once and share (the deploy
tests' migrated databases, the access tests' analysed night), and :func:`copy_sqlite` the
copy it uses for database files.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import django
from django.apps import apps
from django.conf import settings
from django.db import connections

FOLDER = Path(__file__).resolve().parents[1] / "var" / "test-db"
# How long a process waits for another one's migration before it migrates itself.
WAIT_SECONDS = 600

_held: IO[str] | None = None


def _database() -> Path | None:
    """The test database file of this process, or None when it is not SQLite."""
    connection = connections["default"]
    if connection.vendor != "sqlite":
        return None
    name = connection.settings_dict.get("TEST", {}).get("NAME")
    return Path(name) if name else None


def schema_digest(*files: Path) -> str:
    """A hash of everything that decides the migrated schema (Django's version, the
    installed apps, every migration file), and of ``files``."""
    digest = hashlib.sha256()
    digest.update(django.get_version().encode())
    digest.update("\n".join(settings.INSTALLED_APPS).encode())
    for config in apps.get_app_configs():
        folder = Path(config.path) / "migrations"
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _template() -> Path:
    return FOLDER / f"migrated-{schema_digest()}.sqlite3"


def copy_in() -> bool:
    """Put a copy of the migrated database where this process's test database goes.

    True when it did (Django then keeps the file and only checks it is migrated); False
    when this process is to migrate, holding the lock until :func:`keep` is called."""
    global _held
    database = _database()
    if database is None:
        return False
    template = _template()
    FOLDER.mkdir(parents=True, exist_ok=True)
    lock = open(f"{template}.lock", "w")  # held until keep() when this process migrates
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                lock.close()
                return False
            time.sleep(0.2)
    if template.exists():
        for stale in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            stale.unlink(missing_ok=True)
        shutil.copyfile(template, database)
        lock.close()
        return True
    _held = lock
    return False


def keep() -> None:
    """After this process migrated its test database: keep a copy, let the others in."""
    global _held
    if _held is None:
        return
    try:
        database, template = _database(), _template()
        if database is not None and database.exists():
            partial = template.with_suffix(f".{os.getpid()}.part")
            copy_sqlite(database, partial)
            os.replace(partial, template)
    finally:
        _held.close()
        _held = None


def remove() -> None:
    """Delete this process's copied test database (Django keeps what it did not make)."""
    database = _database()
    if database is not None:
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            path.unlink(missing_ok=True)


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database file (SQLite's online backup)."""
    with contextlib.closing(sqlite3.connect(source)) as db:
        with contextlib.closing(sqlite3.connect(target)) as copy:
            db.backup(copy)


def built_once(path: Path, build: Callable[[Path], None]) -> Path:
    """``path``, made by ``build(part)`` (a file or folder at ``part``, then renamed) by
    the first process that asks; the others wait for it (a lock file) and reuse it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            part = path.with_name(f"{path.name}.{os.getpid()}.part")
            if part.is_dir():
                shutil.rmtree(part)
            part.unlink(missing_ok=True)
            build(part)
            os.replace(part, path)
    return path
