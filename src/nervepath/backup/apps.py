# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "nervepath.backup"
    verbose_name = "Backup and restore"
