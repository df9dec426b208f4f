# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nervepath.accounts"
    label = "accounts"
