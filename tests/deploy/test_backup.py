# SPDX-License-Identifier: AGPL-3.0-or-later
"""``nervepath backup`` and ``nervepath restore`` as an operator runs them: separate
processes, each with its own environment (a new SQLite file and media folder, or a new
PostgreSQL database, for the target)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from deploy_stack import checked, fresh_database, nervepath, nervepath_env

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


def _source(env: dict[str, str]) -> None:
    checked(nervepath("seed_demo", "--no-appointments", env=env))
    checked(nervepath("shell", "-c", MAKE_DATA, env=env))


def _migrated_copy(empty: Path, tmp: Path, name: str, **extra: str) -> dict[str, str]:
    """A target whose database is a copy of the module's freshly migrated one: a
    migrated, empty database, as ``nervepath migrate`` leaves it (without paying for
    another migration)."""
    env = _env(tmp, name, **extra)
    (tmp / name).mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(empty)) as source:
        with contextlib.closing(sqlite3.connect(tmp / name / "nervepath.sqlite3")) as target:
            source.backup(target)
    return env


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        manifest = json.load(member)
    return {"tables": manifest["tables"], "files": manifest["files"]}


def _same_contents(original: Path, env: dict[str, str], tmp: Path) -> None:
    """Back the restored target up again: every table's rows and every file must hash the same."""
    again = tmp / f"again-{len(list(tmp.iterdir()))}.tar.gz"
    plain_env = {k: v for k, v in env.items() if k != "NERVEPATH_BACKUP_KEY"}
    checked(nervepath("backup", str(again), env=plain_env))
    assert _manifest(again) == _manifest(original)


def _restored_ok(archive: Path, env: dict[str, str]) -> str:
    result = checked(nervepath("restore", str(archive), env=env))
    assert "every count and checksum matches the backup" in result.stdout
    return result.stdout


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
    _restored_ok(plain, target)
    _same_contents(plain, target, tmp_path)
    assert _files(tmp_path / "target" / "uploads") == _files(
        archives["folder"] / "source" / "uploads"
    )

    assert "(encrypted)" in archives["made"]["sealed"].stdout
    assert b"Alex Morgan" not in sealed.read_bytes()
    # (The plain archive went into a new file above; this one goes into a migrated,
    # empty database.)
    target2 = _migrated_copy(archives["empty"], tmp_path, "target2", NERVEPATH_BACKUP_KEY=key)
    _restored_ok(sealed, target2)
    _same_contents(plain, target2, tmp_path)


def test_postgresql_round_trip(tmp_path, archives) -> None:
    with fresh_database() as source_url, fresh_database() as target_url:
        # The PostgreSQL clinic is the SQLite one, restored (a backup taken on SQLite
        # restores on PostgreSQL: docs/deployment.md), with every row and file the same.
        source = _env(tmp_path, "source", source_url)
        _restored_ok(archives["plain"], source)
        archive = tmp_path / "pg.tar.gz"
        checked(nervepath("backup", str(archive), env=source))
        assert _manifest(archive) == _manifest(archives["plain"])
        target = _env(tmp_path, "target", target_url)
        _restored_ok(archive, target)
        _same_contents(archive, target, tmp_path)
        assert _files(tmp_path / "target" / "uploads") == _files(tmp_path / "source" / "uploads")
        assert _files(tmp_path / "source" / "uploads") == _files(
            archives["folder"] / "source" / "uploads"
        )
        # Sequences were moved past the restored ids: new rows get fresh ones.
        checked(nervepath("seed_demo", "--no-appointments", env=target))
        checked(nervepath("shell", "-c", MAKE_DATA, env=target))


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    """A source clinic and its plain and sealed backups (with what ``backup`` printed),
    made once for the module: the tests only read them, and every refusal below leaves
    them as they were."""
    folder = tmp_path_factory.mktemp("archives")
    source = _env(folder, "source")
    checked(nervepath("migrate", "--noinput", env=source))
    # The freshly migrated database, kept for the targets that start from one.
    empty = folder / "migrated-empty.sqlite3"
    with contextlib.closing(sqlite3.connect(folder / "source" / "nervepath.sqlite3")) as db:
        with contextlib.closing(sqlite3.connect(empty)) as copy:
            db.backup(copy)
    _source(source)
    plain = folder / "plain.tar.gz"
    made_plain = checked(nervepath("backup", str(plain), env=source))
    key = Fernet.generate_key().decode()
    sealed = folder / "sealed.bin"
    made_sealed = checked(
        nervepath("backup", str(sealed), env={**source, "NERVEPATH_BACKUP_KEY": key})
    )
    return {
        "plain": plain,
        "sealed": sealed,
        "key": key,
        "source": source,
        "folder": folder,
        "empty": empty,
        "made": {"plain": made_plain, "sealed": made_sealed},
    }


def _refused(archive: Path, env: dict[str, str], message: str, tmp: Path, name: str) -> None:
    result = nervepath("restore", str(archive), env=env)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    # Nothing was written: no tables in the target database, no files.
    database = tmp / name / "nervepath.sqlite3"
    assert not database.exists() or database.stat().st_size == 0
    uploads = tmp / name / "uploads"
    assert not uploads.exists() or not _files(uploads)


def test_damaged_archives_and_wrong_keys_are_refused(tmp_path, archives) -> None:
    plain, sealed = archives["plain"], archives["sealed"]
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(plain.read_bytes()[: plain.stat().st_size // 2])
    _refused(cut, _env(tmp_path, "t1"), "damaged or incomplete", tmp_path, "t1")

    flipped = bytearray(plain.read_bytes())
    flipped[len(flipped) // 3] ^= 0xFF
    bad = tmp_path / "flipped.tar.gz"
    bad.write_bytes(bytes(flipped))
    _refused(bad, _env(tmp_path, "t2"), "damaged", tmp_path, "t2")

    key = archives["key"]
    cut_sealed = tmp_path / "cut.bin"
    cut_sealed.write_bytes(sealed.read_bytes()[:-100])
    env = _env(tmp_path, "t3", NERVEPATH_BACKUP_KEY=key)
    _refused(cut_sealed, env, "The archive is", tmp_path, "t3")

    wrong = _env(tmp_path, "t4", NERVEPATH_BACKUP_KEY=Fernet.generate_key().decode())
    _refused(sealed, wrong, "NERVEPATH_BACKUP_KEY does not open this archive", tmp_path, "t4")
    _refused(sealed, _env(tmp_path, "t5"), "This archive is encrypted", tmp_path, "t5")
    malformed = _env(tmp_path, "t6", NERVEPATH_BACKUP_KEY="not-a-key")
    _refused(sealed, malformed, "NERVEPATH_BACKUP_KEY is not a valid key", tmp_path, "t6")


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
    _restored_ok(plain, busy)


def test_backup_refuses_to_overwrite(tmp_path, archives) -> None:
    result = nervepath("backup", str(archives["plain"]), env=archives["source"])
    assert result.returncode != 0 and "already exists" in result.stderr
