# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class WearablesConfig(AppConfig):
    name = "nervepath.wearables"
    label = "wearables"
    verbose_name = "Nights (wearables)"

    def ready(self) -> None:
        from nervepath.wearables import events

        events.register(events.completed_treatments)
