# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back up and restore every database row and every stored file as one archive.

Rows are written with Django's serialisers, so one archive restores on SQLite or
PostgreSQL alike. They are read inside one transaction (on PostgreSQL a REPEATABLE READ,
READ ONLY one; on SQLite the transaction holds the database's lock), so the snapshot is
consistent even while the clinic keeps working. Each table's rows are stored as
canonical JSON (keys sorted, rows by primary key, full microsecond timestamps); the
manifest keeps their count and SHA-256, and the SHA-256 of every file, so a restore can
prove it put back exactly what was saved.

Restore only INSERTs (the audit trail's table refuses UPDATE and DELETE on
PostgreSQL), into a target that holds nothing but what ``migrate`` itself creates.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from nervepath.backup.crypto import ArchiveError, decrypt_file, encrypt_file, is_encrypted

FORMAT = "nervepath-backup"
VERSION = 1
MANIFEST = "manifest.json"
_READ = 1024 * 1024
# Tables that ``migrate`` fills by itself (post_migrate signals): a target holding only
# these rows counts as empty, and restore replaces them with the archive's own rows so
# that ids stay the same. The notes app's starting templates come from a data migration
# (nervepath/notes/defaults.py).
FILLED_BY_MIGRATE = (
    "auth.permission",
    "contenttypes.contenttype",
    "notes.notetemplate",
    "notes.lettertemplate",
    "notes.consenttemplate",
)


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts timestamps to milliseconds; a backup keeps microseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


@dataclass
class Report:
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    problems: list[str] = field(default_factory=list)


def _models() -> list[type[models.Model]]:
    """Every concrete model whose rows we own, each after the models it points to.

    Foreign keys are checked at commit, so the order is not needed for correctness;
    it keeps row-level triggers that look at other tables seeing their rows first.
    """
    pending = [
        m
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
    ordered: list[type[models.Model]] = []
    while pending:
        placed = set(ordered)
        ready = [
            m
            for m in pending
            if all(
                f.related_model in placed or f.related_model is m or f.related_model not in pending
                for f in m._meta.concrete_fields
                if f.is_relation and f.related_model is not None
            )
        ]
        # A cycle of foreign keys: take the rest as they come (checks are deferred).
        batch = ready or pending
        ordered.extend(batch)
        pending = [m for m in pending if m not in batch]
    return ordered


def _through_tables(model: type[models.Model]) -> list[type[models.Model]]:
    """The join tables Django makes for the model's many-to-many fields (saved with it)."""
    throughs = [f.remote_field.through for f in model._meta.local_many_to_many]
    return [t for t in throughs if t is not None and t._meta.auto_created]


def _table_bytes(model: type[models.Model], using: str) -> tuple[bytes, int]:
    rows = serializers.serialize(
        "python", model._default_manager.using(using).order_by("pk").iterator()
    )
    text = json.dumps(rows, cls=_Encoder, sort_keys=True, ensure_ascii=False)
    return text.encode("utf-8"), len(rows)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_stored(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as f:
        while chunk := f.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()


def stored_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in the storage (FileSystemStorage and S3 alike)."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(dirs):
        yield from stored_files(storage, f"{folder}/{sub}" if folder else sub)


@contextlib.contextmanager
def _snapshot_transaction(using: str) -> Iterator[None]:
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _migrations(using: str) -> list[list[str]]:
    applied = MigrationRecorder(connections[using]).applied_migrations()
    return sorted([app, name] for app, name in applied)


def create(output: Path, *, fernet: Any = None, using: str = "default") -> Report:
    """Write the archive to ``output`` (refusing to overwrite) and return what it holds."""
    if output.exists():
        raise ArchiveError(f"{output} already exists; choose a new file name.")
    output.parent.mkdir(parents=True, exist_ok=True)
    report = Report()
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "database": connections[using].vendor,
        "tables": [],
        "files": [],
    }
    with tempfile.TemporaryDirectory(prefix="nervepath-backup-", dir=output.parent) as tmp:
        plain = Path(tmp) / "archive.tar.gz"
        with tarfile.open(plain, "w:gz", compresslevel=6) as tar:
            with _snapshot_transaction(using):
                manifest["migrations"] = _migrations(using)
                for model in _models():
                    data, count = _table_bytes(model, using)
                    label = model._meta.label_lower
                    member = f"db/{label}.json"
                    _add_bytes(tar, member, data)
                    manifest["tables"].append(
                        {
                            "model": label,
                            "table": model._meta.db_table,
                            "rows": count,
                            "sha256": hashlib.sha256(data).hexdigest(),
                            "member": member,
                            "joins": {
                                t._meta.db_table: t._default_manager.using(using).count()
                                for t in _through_tables(model)
                            },
                        }
                    )
                    report.tables[label] = count
            for name in stored_files(default_storage):
                digest, size = _add_stored(tar, default_storage, name)
                manifest["files"].append({"name": name, "sha256": digest, "size": size})
                report.files += 1
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
        partial = output.with_name(output.name + ".partial")
        if fernet is None:
            shutil.move(plain, partial)
        else:
            with open(plain, "rb") as source, open(partial, "wb") as target:
                encrypt_file(fernet, source, target)
        os.replace(partial, output)
    return report


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    with tempfile.SpooledTemporaryFile(max_size=_READ * 8) as buffer:
        buffer.write(data)
        buffer.seek(0)
        tar.addfile(info, buffer)


def _add_stored(tar: tarfile.TarFile, storage: Storage, name: str) -> tuple[str, int]:
    """Copy one stored file into the archive (via a local spool: S3 objects are streams)."""
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as spool:
        with storage.open(name, "rb") as f:
            while chunk := f.read(_READ):
                digest.update(chunk)
                spool.write(chunk)
        size = spool.tell()
        spool.seek(0)
        info = tarfile.TarInfo(f"files/{name}")
        info.size = size
        info.mtime = int(timezone.now().timestamp())
        info.mode = 0o600
        tar.addfile(info, spool)
    return digest.hexdigest(), size


# ---------------------------------------------------------------- restore


@dataclass
class Unpacked:
    folder: Path
    manifest: dict[str, Any]


def unpack(archive: Path, folder: Path, *, fernet: Any = None) -> Unpacked:
    """Decrypt and unpack into ``folder`` and check every member against the manifest.

    Nothing outside ``folder`` is touched; any problem raises ArchiveError.
    """
    if not archive.is_file():
        raise ArchiveError(f"{archive} is not a file.")
    source = archive
    if is_encrypted(archive):
        if fernet is None:
            raise ArchiveError(
                "This archive is encrypted: set NERVEPATH_BACKUP_KEY to the key it was made with."
            )
        source = folder / "archive.tar.gz"
        with open(archive, "rb") as f, open(source, "wb") as out:
            decrypt_file(fernet, f, out)
    members = folder / "members"
    members.mkdir()
    try:
        with tarfile.open(source, "r:gz") as tar:
            for info in tar:
                _extract(tar, info, members)
            # tarfile stops at the first unreadable header as if the archive ended there;
            # reading the compressed stream to its end makes gzip check its CRC too.
            while tar.fileobj is not None and tar.fileobj.read(_READ):
                pass
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ArchiveError(f"The archive is damaged or incomplete ({exc}).") from None
    if source != archive:
        source.unlink()
    manifest_path = members / MANIFEST
    if not manifest_path.is_file():
        raise ArchiveError("The archive is damaged or incomplete: it has no manifest.")
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ArchiveError("The archive's manifest is damaged.") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise ArchiveError("This is not a nervepath backup this version can read.")
    for entry in manifest["tables"]:
        path = members / entry["member"]
        if not path.is_file() or _sha256_file(path) != entry["sha256"]:
            raise ArchiveError(f"The archive is damaged: rows of {entry['model']} do not match.")
    for entry in manifest["files"]:
        path = members / "files" / entry["name"]
        if not path.is_file() or _sha256_file(path) != entry["sha256"]:
            raise ArchiveError(f"The archive is damaged: file {entry['name']} does not match.")
    return Unpacked(members, manifest)


def _extract(tar: tarfile.TarFile, info: tarfile.TarInfo, into: Path) -> None:
    name = PurePosixPath(info.name)
    if not info.isfile() or name.is_absolute() or ".." in name.parts or not name.parts:
        raise ArchiveError(f"The archive holds an unexpected entry {info.name!r}.")
    target = into.joinpath(*name.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = tar.extractfile(info)
    if source is None:
        raise ArchiveError(f"The archive holds an unreadable entry {info.name!r}.")
    with source, open(target, "wb") as out:
        shutil.copyfileobj(source, out, _READ)


def check_target(manifest: dict[str, Any], using: str = "default") -> None:
    """Refuse a target that is not empty or runs different migrations (changes nothing)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {f"{app}.{name}" for app, name in loader.disk_migrations}
    theirs = {f"{app}.{name}" for app, name in manifest.get("migrations", [])}
    if ours != theirs:
        missing = sorted(theirs - ours)[:5]
        extra = sorted(ours - theirs)[:5]
        raise ArchiveError(
            "This backup was made by a different version of nervepath (its migrations "
            f"differ: only in the backup {missing}, only in this version {extra}). "
            "Restore it with the version that made it, then upgrade."
        )
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    busy = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table not in existing or model._meta.label_lower in FILLED_BY_MIGRATE:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is not None:
                busy.append(table)
    if busy:
        raise ArchiveError(
            "The target database is not empty (rows in "
            f"{', '.join(sorted(busy)[:8])}{'…' if len(busy) > 8 else ''}); "
            "restore only into a new, empty database."
        )
    if next(stored_files(default_storage), None) is not None:
        raise ArchiveError(
            "The target file storage is not empty; restore only into a new, empty "
            "storage (NERVEPATH_MEDIA_ROOT or the S3 bucket/prefix)."
        )


def load(unpacked: Unpacked, using: str = "default") -> None:
    """Migrate, then put back every row and file; all rows or none."""
    call_command("migrate", interactive=False, verbosity=0, database=using)
    connection = connections[using]
    by_label = {m._meta.label_lower: m for m in apps.get_models()}
    written: list[str] = []
    try:
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                # The rows migrate made (permissions, content types, templates) give way to the
                # archive's, so every foreign key keeps pointing at the same id.
                for label in FILLED_BY_MIGRATE:
                    table = connection.ops.quote_name(by_label[label]._meta.db_table)
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            loaded = []
            for entry in unpacked.manifest["tables"]:
                model = by_label.get(entry["model"])
                if model is None:
                    raise ArchiveError(f"This version has no table for {entry['model']}.")
                data = (unpacked.folder / entry["member"]).read_bytes()
                for obj in serializers.deserialize("json", data, using=using):
                    obj.save(using=using, force_insert=True)
                loaded.append(model)
                loaded.extend(_through_tables(model))
            reset = connection.ops.sequence_reset_sql(no_style(), loaded)
            if reset:
                with connection.cursor() as cursor:
                    for statement in reset:
                        cursor.execute(statement)
            for entry in unpacked.manifest["files"]:
                name = entry["name"]
                with open(unpacked.folder / "files" / name, "rb") as f:
                    saved = default_storage.save(name, File(f, name=name))
                written.append(saved)
                if saved != name:
                    raise ArchiveError(f"The storage renamed {name!r} to {saved!r}.")
    except BaseException:
        for name in written:
            with contextlib.suppress(Exception):
                default_storage.delete(name)
        raise
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def verify(manifest: dict[str, Any], using: str = "default") -> Report:
    """Compare the database and storage with the manifest: counts and checksums."""
    report = Report()
    by_label = {m._meta.label_lower: m for m in apps.get_models()}
    for entry in manifest["tables"]:
        model = by_label[entry["model"]]
        data, count = _table_bytes(model, using)
        report.tables[entry["model"]] = count
        if count != entry["rows"]:
            report.problems.append(f"{entry['model']}: {count} rows, expected {entry['rows']}")
        elif hashlib.sha256(data).hexdigest() != entry["sha256"]:
            report.problems.append(f"{entry['model']}: rows differ from the backup")
        for table, expected in entry["joins"].items():
            through = next(t for t in _through_tables(model) if t._meta.db_table == table)
            found = through._default_manager.using(using).count()
            if found != expected:
                report.problems.append(f"{table}: {found} rows, expected {expected}")
    for entry in manifest["files"]:
        name = entry["name"]
        if not default_storage.exists(name):
            report.problems.append(f"file {name}: missing")
        elif _sha256_stored(default_storage, name) != entry["sha256"]:
            report.problems.append(f"file {name}: content differs from the backup")
        else:
            report.files += 1
    return report
