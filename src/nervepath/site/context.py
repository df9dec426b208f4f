# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict[str, object]:
    return {"clinic_name": settings.NERVEPATH["CLINIC_NAME"]}
