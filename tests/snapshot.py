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
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction


@dataclass
class Snapshot:
    """Rows a build added: per table, the column names and the rows (or COPY text)."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    copies: dict[str, str] = field(default_factory=dict)


# One per database (xdist workers and the PostgreSQL run each have their own).
_taken: dict[str, Snapshot] = {}


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


def build(builder: Callable[[], None]) -> None:
    """Build the clinic with ``builder``, or copy in the rows of the first build."""
    alias = connection.settings_dict["NAME"]
    snapshot = _taken.get(alias)
    if snapshot is not None:
        try:
            with transaction.atomic():
                _put_back(snapshot)
            return
        except IntegrityError:
            pass  # ids taken by the test's own rows: build it for real below
        builder()
        return
    tables = [(t, pk) for t in _tables() if (pk := _pk_column(t)) is not None]
    before = {table: _keys(table, pk) for table, pk in tables}
    builder()
    snapshot = Snapshot()
    for table, pk in tables:
        _take(table, pk, before[table], snapshot)
    _taken[alias] = snapshot


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
