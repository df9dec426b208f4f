# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "nervepath.site"
    label = "site"
    verbose_name = "Public site"
