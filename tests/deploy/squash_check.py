# SPDX-License-Identifier: AGPL-3.0-or-later
"""Proof that the squashed migrations (issue 14) build what the old chain builds.

Not a test module (it migrates eight databases, about a minute and a half of CPU): run it
by hand when the migrations change, with the old tree exported beside the new one::

    git archive <commit before the squash> src | tar -x -C /tmp/old
    python tests/deploy/squash_check.py --old /tmp/old/src --new src [--vendors sqlite]

For SQLite and PostgreSQL (127.0.0.1:5432, user postgres, scratch
databases ``squash_*`` made and dropped here), it checks:

1. a fresh database migrated by the old chain and one migrated by the new files have the
   same schema (SQLite: every ``sqlite_master`` row; PostgreSQL: ``pg_dump --schema-only``)
   and the same rows in every table (timestamps of the moment of migration aside), and
   the same ``django_migrations`` names;
2. on the database fully migrated by the old chain, the new files find nothing to do,
   ``showmigrations`` lists everything applied and ``makemigrations --check`` is clean;
3. a database left part-way through the old chain (each app stopped before its head)
   migrates to the end with the new files, and then matches the fresh one too.

Prints what differs and exits 1, or prints what it compared and exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

PYTHON = sys.executable
PG = "postgres://postgres@127.0.0.1:5432/"
# The old chain stopped part-way: each target pulls in what it depends on, so accounts
# ends at 0004, scheduling at 0006, notes at 0002 (templates, no Spanish consents yet),
# research at 0002, the others at their first migration; pathway has none applied.
PART_WAY = [
    ("assessment", "0001_initial"),
    ("notes", "0002_default_templates"),
    ("research", "0002_research_grant"),
    ("wearables", "0001_initial"),
    ("inbox", "0001_inbox_item"),
    ("messaging", "0001_initial"),
    ("access", "0001_initial"),
    ("audit", "0001_initial"),
]


class Database:
    def __init__(self, vendor: str, name: str, folder: Path) -> None:
        self.vendor, self.name, self.folder = vendor, name, folder
        if vendor == "postgresql":
            psql("-c", f"DROP DATABASE IF EXISTS {name}")
            psql("-c", f"CREATE DATABASE {name}")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
        env["NERVEPATH_DEV"] = "1"
        env["NERVEPATH_VAR_DIR"] = str(self.folder / "var")
        if self.vendor == "sqlite":
            env["SQLITE_PATH"] = str(self.folder / f"{self.name}.sqlite3")
        else:
            env["DATABASE_URL"] = PG + self.name
        return env

    def manage(self, src: str, *args: str) -> str:
        env = self.env() | {"PYTHONPATH": src}
        done = subprocess.run(
            [PYTHON, "-m", "nervepath", *args],
            env=env,
            capture_output=True,
            text=True,
            cwd=self.folder,
        )
        if done.returncode:
            raise SystemExit(f"{self.name}: nervepath {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def schema(self) -> list[str]:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.folder / f"{self.name}.sqlite3") as db:
                rows = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
            return sorted(" | ".join(str(v) for v in row) for row in rows)
        dump = subprocess.run(
            [
                "pg_dump",
                "--schema-only",
                "--no-owner",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                self.name,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # Statements without comments, session settings and the dump's random
        # \restrict key, in pg_dump's own order.
        lines = [
            line
            for line in dump.splitlines()
            if line.strip() and not line.startswith(("--", "SET ", "\\restrict", "\\unrestrict"))
        ]
        return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip()]

    def rows(self) -> dict[str, list[tuple]]:
        tables: dict[str, list[tuple]] = {}
        if self.vendor == "sqlite":
            lite = sqlite3.connect(self.folder / f"{self.name}.sqlite3")
            names = [
                r[0]
                for r in lite.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            for table in names:
                columns = sorted(r[1] for r in lite.execute(f'PRAGMA table_info("{table}")'))
                tables[table] = [tuple(r) for r in lite.execute(_select(table, columns))]
            lite.close()
        else:
            import psycopg

            with psycopg.connect(f"{PG}{self.name}") as db:
                names = [
                    r[0]
                    for r in db.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                ]
                for table in names:
                    columns = sorted(
                        r[0]
                        for r in db.execute(
                            "SELECT column_name FROM information_schema.columns "
                            "WHERE table_schema = 'public' AND table_name = %s",
                            (table,),
                        )
                    )
                    tables[table] = [tuple(r) for r in db.execute(_select(table, columns))]
        # Migrations are recorded in the order they ran, so their ids differ: names only.
        tables["django_migrations"] = [(r[0], r[3]) for r in tables["django_migrations"]]
        return {
            table: sorted(map(_normalise_row, rows), key=repr) for table, rows in tables.items()
        }

    def drop(self) -> None:
        if self.vendor == "postgresql":
            psql("-c", f"DROP DATABASE IF EXISTS {self.name}")


def _select(table: str, columns: list[str]) -> str:
    """Every row, its columns by name (their order is compared with the schema)."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    return f'SELECT {quoted} FROM "{table}"'


_STAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def _normalise_row(row: tuple) -> tuple:
    """Timestamps written at the moment of migrating (auto_now_add, applied) differ."""
    return tuple(
        "<moment>" if isinstance(v, dt.datetime) or (isinstance(v, str) and _STAMP.match(v)) else v
        for v in row
    )


def by_natural_key(tables: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Content types and permissions by what they are, not their ids.

    Django's post_migrate handler numbers them in the order its in-memory model registry
    holds the models, which follows how often each model state was reloaded on the way,
    not the migrations' order, and a database migrated in several steps makes them as
    each step reaches its models. Nothing in a new installation refers to those ids, and
    restore replaces them with the archive's own rows (backup.snapshot.FILLED_BY_MIGRATE)."""
    tables = dict(tables)
    # Columns in name order: (app_label, id, model); (codename, content_type_id, id, name).
    types = {r[1]: (r[0], r[2]) for r in tables["django_content_type"]}
    tables["django_content_type"] = sorted(types.values())
    tables["auth_permission"] = sorted(
        types[r[1]] + (r[0], r[3]) for r in tables["auth_permission"]
    )
    return tables


def squashed_apart(tables: dict[str, list[tuple]]) -> tuple[dict[str, list[tuple]], list]:
    """The new files also record each squashed migration by its own name (as does the
    first ``migrate`` with them on an old database): those apart, the rest must match."""
    tables = dict(tables)
    recorded = tables["django_migrations"]
    tables["django_migrations"] = [r for r in recorded if "_squashed_" not in r[1]]
    return tables, sorted(r[:2] for r in recorded if "_squashed_" in r[1])


def psql(*args: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q", *args],
        check=True,
        capture_output=True,
    )


def _columns_sorted(row: str) -> str:
    """A ``sqlite_master`` row with its CREATE TABLE's column definitions in name order."""
    head, paren, body = row.partition("(")
    if not paren or " | table | " not in f" | {row}" or not body.endswith(")"):
        return row
    parts, depth, start = [], 0, 0
    inner = body[:-1]
    for i, char in enumerate(inner):
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(inner[start:i].strip())
            start = i + 1
    parts.append(inner[start:].strip())
    return f"{head}({', '.join(sorted(parts))})"


def compare_sqlite_schema(what: str, a: list[str], b: list[str], problems: list[str]) -> None:
    """Exactly the same, or the same but for the order of some tables' columns.

    On SQLite, Django makes an ``AlterField`` by building the table anew with the altered
    column last, so the old chain's column order there depends on its history (and
    differs from PostgreSQL's, where ``ALTER COLUMN`` keeps the place). The squash makes
    each table once, in the old chain's model-state order: what PostgreSQL has. Nothing
    reads columns by position (Django and the backup name them)."""
    if a == b:
        print(f"  same: {what}")
        return
    moved = sorted(set(a) - set(b))
    if sorted(map(_columns_sorted, a)) != sorted(map(_columns_sorted, b)):
        compare(what, a, b, problems)
        return
    tables = ", ".join(row.split(" | ")[1] for row in moved)
    print(f"  same but the order of columns in: {tables}")


def compare(what: str, a: object, b: object, problems: list[str]) -> None:
    if a == b:
        print(f"  same: {what}")
        return
    problems.append(what)
    print(f"  DIFFERENT: {what}")
    if isinstance(a, list) and isinstance(b, list):
        for line in sorted(set(map(str, a)) ^ set(map(str, b)))[:20]:
            print(f"    {'old' if line in map(str, a) else 'new'}: {line[:400]}")
    elif isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                print(f"    table {key}: old {a.get(key)!r:.300} new {b.get(key)!r:.300}")


def check(vendor: str, old: str, new: str, folder: Path) -> list[str]:
    problems: list[str] = []
    print(f"{vendor}:")
    made = [Database(vendor, f"squash_{n}", folder) for n in ("old", "new", "part")]
    old_db, new_db, part_db = made
    try:
        old_db.manage(old, "migrate", "--noinput")
        new_db.manage(new, "migrate", "--noinput")
        # 1. The same schema and rows, and the same migrations recorded.
        same_schema = compare_sqlite_schema if vendor == "sqlite" else compare
        same_schema("schema of a fresh database", old_db.schema(), new_db.schema(), problems)
        new_rows, squashed = squashed_apart(by_natural_key(new_db.rows()))
        compare("rows of every table", by_natural_key(old_db.rows()), new_rows, problems)
        print(f"  recorded besides the old names: {len(squashed)} squashed migrations")
        # 2. A database through the old chain: nothing to do, all applied, no changes.
        out = old_db.manage(new, "migrate", "--noinput")
        compare(
            "old database: migrate has nothing to do",
            "No migrations to apply." in out,
            True,
            problems,
        )
        shown = old_db.manage(new, "showmigrations")
        compare("old database: showmigrations all applied", "[ ]" not in shown, True, problems)
        old_db.manage(new, "makemigrations", "--check", "--dry-run")
        print("  clean: makemigrations --check")
        same_schema(
            "schema after the new files ran on it", old_db.schema(), new_db.schema(), problems
        )
        # 3. Part-way through the old chain, then to the end with the new files.
        for app, target in PART_WAY:
            part_db.manage(old, "migrate", app, target, "--noinput")
        shown = part_db.manage(new, "showmigrations")
        compare("part-way database: some migrations unapplied", "[ ]" in shown, True, problems)
        part_db.manage(new, "migrate", "--noinput")
        shown = part_db.manage(new, "showmigrations")
        compare("part-way database: all applied after migrate", "[ ]" not in shown, True, problems)
        same_schema("part-way database: schema", part_db.schema(), new_db.schema(), problems)
        compare(
            "part-way database: rows",
            by_natural_key(part_db.rows()),
            by_natural_key(new_db.rows()),
            problems,
        )
    finally:
        for database in made:
            database.drop()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", required=True, help="src folder of the tree before the squash")
    parser.add_argument("--new", required=True, help="src folder with the squashed migrations")
    parser.add_argument("--vendors", default="sqlite,postgresql", help="sqlite,postgresql")
    args = parser.parse_args()
    old, new = str(Path(args.old).resolve()), str(Path(args.new).resolve())
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for vendor in args.vendors.split(","):
            problems += check(vendor, old, new, Path(folder))
    print("FAILED: " + "; ".join(problems) if problems else "all the same")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
