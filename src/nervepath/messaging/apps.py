# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "nervepath.messaging"
    label = "messaging"
    verbose_name = "Messages to patients and staff"
