# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class WearablesConfig(AppConfig):
    name = "nervepath.wearables"
    label = "wearables"
    verbose_name = "Nights (wearables)"

    def ready(self) -> None:
        from nervepath.wearables import events, inbox_causes

        events.register(events.completed_treatments)
        inbox_causes.connect()  # failed analyses in the work inbox (issue 18)
