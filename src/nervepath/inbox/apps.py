# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "nervepath.inbox"
    label = "inbox"
    verbose_name = "Staff inbox"
