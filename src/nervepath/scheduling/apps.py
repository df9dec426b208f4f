# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "nervepath.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"
