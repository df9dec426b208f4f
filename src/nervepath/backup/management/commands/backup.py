# SPDX-License-Identifier: AGPL-3.0-or-later
"""``nervepath backup OUTPUT``: one archive with every row and every stored file."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand, CommandError, CommandParser

from nervepath.backup import snapshot
from nervepath.backup.crypto import KEY_VARIABLE, ArchiveError, key_from_env


class Command(BaseCommand):
    help = (
        "Write a consistent snapshot of the database and of every stored file to OUTPUT "
        f"(encrypted when {KEY_VARIABLE} is set). Restore with `nervepath restore`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", nargs="?", help="The archive to write (must not exist).")
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help=f"Print a new random key for {KEY_VARIABLE} and stop.",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args: object, **options: object) -> None:
        if options["generate_key"]:
            self.stdout.write(Fernet.generate_key().decode("ascii"))
            return
        if not options["output"]:
            raise CommandError("Name the archive to write: nervepath backup OUTPUT")
        output = Path(str(options["output"]))
        try:
            fernet = key_from_env()
            report = snapshot.create(output, fernet=fernet, using=str(options["database"]))
        except ArchiveError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(report.tables.values())
        self.stdout.write(
            f"Backed up {rows} rows in {len(report.tables)} tables and {report.files} files "
            f"to {output} ({'encrypted' if fernet else 'NOT encrypted'})."
        )
