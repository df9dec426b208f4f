# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "nervepath.research"
    label = "research"
    verbose_name = "Outcomes research"
