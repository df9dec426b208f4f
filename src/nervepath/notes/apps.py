# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "nervepath.notes"
    label = "notes"
    verbose_name = "Clinical notes"
