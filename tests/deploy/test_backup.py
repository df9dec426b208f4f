# SPDX-License-Identifier: AGPL-3.0-or-later
"""``nervepath backup`` and ``nervepath restore`` as an operator runs them: separate
processes, each with its own environment (a new SQLite file and media folder, or a new
PostgreSQL database, for the target).

What a process costs is mostly its start and Django's set-up (1-2 s of CPU) and
``migrate`` (about 8 s): the source clinic starts from a database migrated once by
``nervepath migrate`` and kept (``deploy_stack.migrated_sqlite``), the clinic and its
archives are made once per test run for all its processes (``archives``), and where a
test runs several commands against one environment, one process runs them in turn
(``deploy_stack.nervepath_calls``: each reads only what the ones before it committed).
Every restore that is to succeed is the first command of its process, as an operator
runs it; the refused ones of one test share a process.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from deploy_stack import (
    built_once,
    checked,
    copy_sqlite,
    fresh_database,
    migrated_sqlite,
    nervepath,
    nervepath_calls,
    nervepath_env,
)

# A whole-system check: `make test` runs it once, in its hard-moment pass (Makefile).
pytestmark = pytest.mark.once

# Rows beyond the demo's reference data: a task with JSON arguments and microsecond
# timestamps, and files saved through the storage API (one nested, one binary).
MAKE_DATA = """
from datetime import datetime, timezone
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from nervepath.scheduling.tasks import send_reminder
send_reminder.using(run_after=datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)).enqueue(
    7, "2031-05-07T07:08:09.654321+00:00")
default_storage.save("wearables/2026/night-1.cwa", ContentFile(bytes(range(256)) * 4000))
default_storage.save("reports/Alex Morgan report.txt", ContentFile("Alex Morgan: PLMS index 31"))
"""


def _env(tmp: Path, name: str, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = nervepath_env(NERVEPATH_DEV="1", NERVEPATH_VAR_DIR=str(tmp / name), **extra)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _migrated_copy(empty: Path, tmp: Path, name: str, **extra: str) -> dict[str, str]:
    """A target whose database is a copy of one ``nervepath migrate`` made: a migrated,
    empty database, as that command leaves it (without paying for another migration)."""
    env = _env(tmp, name, **extra)
    (tmp / name).mkdir(parents=True, exist_ok=True)
    copy_sqlite(empty, tmp / name / "nervepath.sqlite3")
    return env


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        manifest = json.load(member)
    return {"tables": manifest["tables"], "files": manifest["files"]}


def _again(tmp: Path) -> Path:
    return tmp / f"again-{len(list(tmp.iterdir()))}.tar.gz"


def _back_up_again(again: Path) -> tuple[list[str], dict[str, str]]:
    """The call that backs the restored target up again, into a plain archive."""
    return ["backup", str(again)], {"NERVEPATH_BACKUP_KEY": ""}


def _same_contents(original: Path, again: Path) -> None:
    """The restored target, backed up again: every table's rows and every file must hash
    the same."""
    assert _manifest(again) == _manifest(original)


def _restored_ok(result: subprocess.CompletedProcess[str]) -> str:
    checked(result)
    assert "every count and checksum matches the backup" in result.stdout
    return result.stdout


def _restore_and_back_up(archive: Path, env: dict[str, str], tmp: Path) -> Path:
    """``restore`` ARCHIVE (the first command of its process), then back the target up
    again in the same process, on new database connections; return the new archive."""
    again = _again(tmp)
    restored, backed_up = nervepath_calls(
        env, (["restore", str(archive)], {}), _back_up_again(again)
    )
    _restored_ok(restored)
    checked(backed_up)
    return again


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_sqlite_round_trip_plain_and_encrypted(tmp_path, archives) -> None:
    plain, sealed, key = archives["plain"], archives["sealed"], archives["key"]
    made = archives["made"]["plain"]
    assert "2 files" in made.stdout and "NOT encrypted" in made.stdout
    manifest = _manifest(plain)
    counts = {t["model"]: t["rows"] for t in manifest["tables"]}
    assert counts["django_tasks_database.dbtaskresult"] == 1
    assert counts["accounts.user"] > 10 and counts["scheduling.location"] == 2
    assert {f["name"] for f in manifest["files"]} == {
        "wearables/2026/night-1.cwa",
        "reports/Alex Morgan report.txt",
    }

    target = _env(tmp_path, "target")
    _same_contents(plain, _restore_and_back_up(plain, target, tmp_path))
    assert _files(tmp_path / "target" / "uploads") == _files(
        archives["folder"] / "source" / "uploads"
    )

    assert "(encrypted)" in archives["made"]["sealed"].stdout
    assert b"Alex Morgan" not in sealed.read_bytes()
    # (The plain archive went into a new file above; this one goes into a migrated,
    # empty database.)
    target2 = _migrated_copy(archives["empty"], tmp_path, "target2", NERVEPATH_BACKUP_KEY=key)
    _same_contents(plain, _restore_and_back_up(sealed, target2, tmp_path))


def _sequences_past_restored_ids(database_url: str) -> None:
    """Every sequence of the restored database gives a new row an id above the restored
    ones (every table, not only those a command below happens to insert into)."""
    with psycopg.connect(database_url) as conn:
        columns = conn.execute(
            "SELECT c.relname, a.attname, "
            "pg_get_serial_sequence(quote_ident(c.relname), a.attname) "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 "
            "AND NOT a.attisdropped "
            "AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL"
        ).fetchall()
        checked_rows = 0
        for table, column, sequence in columns:
            highest = conn.execute(f'SELECT max("{column}") FROM "{table}"').fetchall()[0][0]
            [(last, called)] = conn.execute(
                f"SELECT last_value, is_called FROM {sequence}"
            ).fetchall()
            if highest is not None:
                assert (last + 1 if called else last) > highest, (table, column, last, highest)
                checked_rows += 1
    assert len(columns) > 20 and checked_rows > 10, (len(columns), checked_rows)


def test_postgresql_round_trip(tmp_path, archives) -> None:
    # The target of the second restore is a new database as `migrate` leaves it; the
    # first one is a new, empty database (the restore migrates it).
    with fresh_database() as source_url, fresh_database(as_migrated=True) as target_url:
        # The PostgreSQL clinic is the SQLite one, restored (a backup taken on SQLite
        # restores on PostgreSQL: docs/deployment.md), with every row and file the same.
        source = _env(tmp_path, "source", source_url)
        archive = tmp_path / "pg.tar.gz"
        restored, made = nervepath_calls(
            source, (["restore", str(archives["plain"])], {}), (["backup", str(archive)], {})
        )
        _restored_ok(restored)
        checked(made)
        assert _manifest(archive) == _manifest(archives["plain"])
        target = _env(tmp_path, "target", target_url)
        _restored_ok(nervepath("restore", str(archive), env=target))
        # Sequences were moved past the restored ids: new rows get fresh ones.
        _sequences_past_restored_ids(target_url)
        assert _files(tmp_path / "target" / "uploads") == _files(tmp_path / "source" / "uploads")
        assert _files(tmp_path / "source" / "uploads") == _files(
            archives["folder"] / "source" / "uploads"
        )
        # Backed up again, then the demo and the rows above are made once more on top.
        again = _again(tmp_path)
        for result in nervepath_calls(
            target,
            _back_up_again(again),
            (["seed_demo", "--no-appointments"], {}),
            (["shell", "-c", MAKE_DATA], {}),
        ):
            checked(result)
        _same_contents(archive, again)


def _make_archives(folder: Path) -> None:
    source = _env(folder, "source")
    (folder / "source").mkdir(parents=True)
    copy_sqlite(migrated_sqlite(), folder / "source" / "nervepath.sqlite3")
    for result in nervepath_calls(
        source, (["seed_demo", "--no-appointments"], {}), (["shell", "-c", MAKE_DATA], {})
    ):
        checked(result)
    key = Fernet.generate_key().decode()
    made = nervepath_calls(
        source,
        (["backup", str(folder / "plain.tar.gz")], {}),
        (["backup", str(folder / "sealed.bin")], {"NERVEPATH_BACKUP_KEY": key}),
    )
    for result in made:
        checked(result)
    (folder / "made.json").write_text(
        json.dumps({"key": key, "plain": made[0].stdout, "sealed": made[1].stdout})
    )


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    """A source clinic and its plain and sealed backups (with what ``backup`` printed),
    made once per test run (the first of its processes to get here makes them, the
    others wait and reuse them): the tests only read them, and every refusal below
    leaves them as they were."""
    run = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run = run.parent  # shared by the run's workers
    folder = built_once(run / "backup-archives", _make_archives)
    made = json.loads((folder / "made.json").read_text())
    return {
        "plain": folder / "plain.tar.gz",
        "sealed": folder / "sealed.bin",
        "key": made["key"],
        "source": _env(folder, "source"),
        "folder": folder,
        "empty": migrated_sqlite(),
        "made": {
            name: subprocess.CompletedProcess(["nervepath", "backup"], 0, made[name], "")
            for name in ("plain", "sealed")
        },
    }


def _nothing_written(tmp: Path, name: str) -> None:
    """No tables in the target database, no files."""
    database = tmp / name / "nervepath.sqlite3"
    assert not database.exists() or database.stat().st_size == 0
    uploads = tmp / name / "uploads"
    assert not uploads.exists() or not _files(uploads)


def test_damaged_archives_and_wrong_keys_are_refused(tmp_path, archives) -> None:
    plain, sealed = archives["plain"], archives["sealed"]
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(plain.read_bytes()[: plain.stat().st_size // 2])
    flipped = bytearray(plain.read_bytes())
    flipped[len(flipped) // 3] ^= 0xFF
    bad = tmp_path / "flipped.tar.gz"
    bad.write_bytes(bytes(flipped))
    key = archives["key"]
    cut_sealed = tmp_path / "cut.bin"
    cut_sealed.write_bytes(sealed.read_bytes()[:-100])
    wrong = Fernet.generate_key().decode()
    # (archive, NERVEPATH_BACKUP_KEY, what the refusal says), all against one new target.
    cases = [
        (cut, "", "damaged or incomplete"),
        (bad, "", "damaged"),
        (cut_sealed, key, "The archive is"),
        (sealed, wrong, "NERVEPATH_BACKUP_KEY does not open this archive"),
        (sealed, "", "This archive is encrypted"),
        (sealed, "not-a-key", "NERVEPATH_BACKUP_KEY is not a valid key"),
    ]
    results = nervepath_calls(
        _env(tmp_path, "target"),
        *[(["restore", str(archive)], {"NERVEPATH_BACKUP_KEY": k}) for archive, k, _ in cases],
    )
    for (archive, _, message), result in zip(cases, results, strict=True):
        assert result.returncode != 0, archive
        assert message in result.stderr, result.stderr
    # Nothing was written by any of them.
    _nothing_written(tmp_path, "target")


def test_non_empty_targets_are_refused_and_left_alone(tmp_path, archives) -> None:
    plain = archives["plain"]
    # The source itself holds rows.
    result = nervepath("restore", str(plain), env=archives["source"])
    assert result.returncode != 0 and "target database is not empty" in result.stderr

    # An empty database but a storage folder that already holds a file.
    uploads = tmp_path / "busy" / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "left-over.txt").write_text("someone else's")
    busy = _migrated_copy(archives["empty"], tmp_path, "busy")
    result = nervepath("restore", str(plain), env=busy)
    assert result.returncode != 0 and "file storage is not empty" in result.stderr
    assert _files(uploads) == {"left-over.txt": b"someone else's"}
    # A migrated, empty database counts as empty: the same target restores once cleared.
    (uploads / "left-over.txt").unlink()
    _restored_ok(nervepath("restore", str(plain), env=busy))


def test_backup_refuses_to_overwrite(tmp_path, archives) -> None:
    result = nervepath("backup", str(archives["plain"]), env=archives["source"])
    assert result.returncode != 0 and "already exists" in result.stderr
