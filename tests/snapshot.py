# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo clinic, built once per test process and copied back in for each test.

Building it (``seed_demo --no-appointments``) takes 0.3–0.5 s; most tests need it. The
first test of a process that asks for it builds it for real and notes the rows the build
added, table by table (primary keys and all). Every later test gets those rows inserted
again in one transaction, which takes a few milliseconds: the same clinic, with the same
ids. A test's own rows are rolled back or flushed after it as before.

PostgreSQL rows travel as ``COPY`` text, so every type comes back exactly; SQLite rows are
plain values. Foreign keys are checked at the end of the transaction (Django creates them
deferrable), so the tables go in in any order; on PostgreSQL the id sequences are moved
past the copied ids afterwards.

If the rows cannot go in (a test made rows with the same ids before asking for the
clinic), the clinic is built for real, as before.

The full demo (``seed_demo`` with its appointments, questionnaires, analysed nights and
research history: some 15 s of CPU) is kept the same way under its own name. Its nights
are files too: the files a build added to the storage folder (``MEDIA_ROOT``) are kept
in a folder of this process and copied to the storage folder of each later test.

A build is also shared with the run's other processes: the first process to build a kind
publishes it (its rows pickled, its files copied) in the run's folder, which every xdist
worker of one pytest run shares (``NERVEPATH_VAR_DIR``, made by tests/test_settings.py in
the first process and inherited by the workers). A process that has no build of that kind
yet loads the published one instead of building; a process that asks before anything is
published builds for itself, as before. So the full demo is built once per run, not once
per worker. Each pytest run (the hard-moment run too) has a folder of its own, so a build
is never used at another moment.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction


@dataclass
class Snapshot:
    """Rows a build added: per table, the column names and the rows (or COPY text)."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    copies: dict[str, str] = field(default_factory=dict)
    # Files the build saved: their names under MEDIA_ROOT, kept in ``folder``.
    files: list[str] = field(default_factory=list)
    folder: Path | None = None


# One per database and kind of build (xdist workers and the PostgreSQL run each have
# their own database).
_taken: dict[tuple[str, str], Snapshot] = {}


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def _pk_column(table: str) -> str | None:
    with connection.cursor() as cursor:
        return connection.introspection.get_primary_key_column(cursor, table)


def _keys(table: str, pk: str) -> set[Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(pk)} FROM {_q(table)}")
        return {row[0] for row in cursor.fetchall()}


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _take(table: str, pk: str, before: set[Any], snapshot: Snapshot) -> None:
    new = sorted(_keys(table, pk) - before)
    if not new:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            keys = ",".join(str(int(k)) for k in new)
            query = f"COPY (SELECT * FROM {_q(table)} WHERE {_q(pk)} IN ({keys})) TO STDOUT"
            with cursor.cursor.copy(query) as copy:
                for data in copy:
                    buffer.write(bytes(data).decode())
            snapshot.copies[table] = buffer.getvalue()
            return
        cursor.execute(f"SELECT * FROM {_q(table)}")
        names = [column[0] for column in cursor.description]
        at = names.index(pk)
        wanted = set(new)
        snapshot.columns[table] = names
        snapshot.rows[table] = [
            tuple(_stored(value) for value in row) for row in cursor.fetchall() if row[at] in wanted
        ]


def _stored(value: object) -> object:
    """A value as SQLite stores it (Django's converters turned some into objects)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date | time | Decimal):
        return str(value)
    return value


def _media() -> Path:
    return Path(settings.MEDIA_ROOT)


def _stored_files() -> set[str]:
    root = _media()
    if not root.is_dir():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def as_migrated() -> None:
    """Put back the rows a migrated database starts with (the starting note, letter and
    consent templates): a transactional test earlier in this process empties every
    table when it ends, and the tests after it expect the database as migrated."""
    from nervepath.notes import defaults
    from nervepath.notes.models import NoteTemplate

    if not NoteTemplate.objects.exists():
        defaults.install(apps)


def build(builder: Callable[[], None], name: str = "clinic", *, real: bool = False) -> None:
    """Build with ``builder``, or copy in the rows (and files) of the first build of
    that ``name`` in this process or, failing that, in this run (:func:`_published`).
    ``real`` always builds (and keeps the first build)."""
    key = (connection.settings_dict["NAME"], name)
    snapshot = _taken.get(key)
    if snapshot is None and not real:
        snapshot = _published(name)
        if snapshot is not None:
            _taken[key] = snapshot
    if snapshot is not None and not real:
        try:
            with transaction.atomic():
                _put_back(snapshot)
            _copy_files(snapshot)
            return
        except IntegrityError:
            pass  # ids taken by the test's own rows: build it for real below
        builder()
        return
    if snapshot is not None:
        builder()
        return
    tables = [(t, pk) for t in _tables() if (pk := _pk_column(t)) is not None]
    before = {table: _keys(table, pk) for table, pk in tables}
    files_before = _stored_files()
    builder()
    snapshot = Snapshot()
    for table, pk in tables:
        _take(table, pk, before[table], snapshot)
    _keep_files(sorted(_stored_files() - files_before), snapshot)
    _taken[key] = snapshot
    _publish(name, snapshot)


def seed_full_demo(out: io.StringIO | None = None) -> None:
    """``seed_demo`` as ``make demo`` runs it, on a database without a demo yet (so that
    a snapshot of the build holds all of the demo)."""
    from django.core.management import call_command

    from nervepath.scheduling.models import Location

    assert not Location.objects.exists(), "the full demo is built on an empty database"
    call_command("seed_demo", stdout=out or io.StringIO())


def _keep_files(names: list[str], snapshot: Snapshot) -> None:
    if not names:
        return
    snapshot.folder = Path(tempfile.mkdtemp(prefix="nervepath-snapshot-"))
    atexit.register(shutil.rmtree, snapshot.folder, ignore_errors=True)
    for name in names:
        target = snapshot.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_media() / name, target)
    snapshot.files = names


def _copy_files(snapshot: Snapshot) -> None:
    if snapshot.folder is None:
        return
    root = _media()
    for name in snapshot.files:
        target = root / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(snapshot.folder / name, target)


def _put_back(snapshot: Snapshot) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table, text in snapshot.copies.items():
                with cursor.cursor.copy(f"COPY {_q(table)} FROM STDIN") as copy:
                    copy.write(text)
            models = [m for m in apps.get_models(include_auto_created=True)]
            touched = [m for m in models if m._meta.db_table in snapshot.copies]
            for statement in connection.ops.sequence_reset_sql(no_style(), touched):
                cursor.execute(statement)
            return
        for table, rows in snapshot.rows.items():
            names = snapshot.columns[table]
            marks = ", ".join(["%s"] * len(names))
            columns = ", ".join(_q(n) for n in names)
            cursor.executemany(
                f"INSERT INTO {_q(table)} ({columns}) VALUES ({marks})",
                rows,
            )


def _shared(name: str) -> Path:
    """Where this run's processes share the build ``name`` on this kind of database."""
    return Path(settings.VAR_DIR) / "snapshots" / f"{connection.vendor}-{name}"


def _published(name: str) -> Snapshot | None:
    """The build another process of this run published, or None."""
    path = _shared(name) / "snapshot.pickle"
    try:
        with path.open("rb") as stream:
            snapshot = pickle.load(stream)  # our own file, written by _publish
    except FileNotFoundError:
        return None
    assert isinstance(snapshot, Snapshot)
    return snapshot


def _publish(name: str, snapshot: Snapshot) -> None:
    """Share this build with the run's other processes (once: the first one wins)."""
    folder = _shared(name)
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        return  # another process publishes (or published) this build
    shared = Snapshot(snapshot.columns, snapshot.rows, snapshot.copies, snapshot.files)
    if snapshot.folder is not None:
        shared.folder = folder / "files"
        shutil.copytree(snapshot.folder, shared.folder)
    partial = folder / f"snapshot.{os.getpid()}.part"
    with partial.open("wb") as stream:
        pickle.dump(shared, stream, protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(FileNotFoundError):
        os.replace(partial, folder / "snapshot.pickle")
