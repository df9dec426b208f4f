# SPDX-License-Identifier: AGPL-3.0-or-later
"""``nervepath compile_catalog``: write each ``locale/*/LC_MESSAGES/django.mo`` from its
``.po`` in pure Python (no GNU gettext needed); see docs/languages.md."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from nervepath.config import catalog


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po to .mo) without GNU gettext."

    def handle(self, *args: Any, **options: Any) -> None:
        for path in catalog.compile_all():
            self.stdout.write(f"wrote {path}")
