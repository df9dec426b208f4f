# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nervepath.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Connects the receiver that starts the session clocks at sign-in.
        from nervepath.accounts import sessions  # noqa: F401
