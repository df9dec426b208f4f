# SPDX-License-Identifier: AGPL-3.0-or-later
"""``nervepath restore ARCHIVE``: put a backup back into an empty database and storage."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from nervepath.backup import snapshot
from nervepath.backup.crypto import KEY_VARIABLE, ArchiveError, key_from_env


class Command(BaseCommand):
    help = (
        "Restore an archive made by `nervepath backup` into an EMPTY database and file "
        f"storage (set {KEY_VARIABLE} for an encrypted one), then check every row count "
        "and checksum against the archive's manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")
        parser.add_argument("--database", default="default")

    def handle(self, *args: object, **options: object) -> None:
        using = str(options["database"])
        archive = Path(str(options["archive"]))
        try:
            fernet = key_from_env()
            with tempfile.TemporaryDirectory(prefix="nervepath-restore-") as tmp:
                # Everything is read and checked before the target is touched.
                unpacked = snapshot.unpack(archive, Path(tmp), fernet=fernet)
                snapshot.check_target(unpacked.manifest, using)
                snapshot.load(unpacked, using)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from None
        report = snapshot.verify(unpacked.manifest, using)
        rows = sum(report.tables.values())
        if report.problems:
            raise CommandError(
                "Restored, but the result does not match the backup:\n  "
                + "\n  ".join(report.problems)
            )
        self.stdout.write(
            f"Restored {rows} rows in {len(report.tables)} tables and {report.files} files; "
            "every count and checksum matches the backup."
        )
