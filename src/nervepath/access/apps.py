# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "nervepath.access"
    label = "access"
    verbose_name = "Access to patient records"
