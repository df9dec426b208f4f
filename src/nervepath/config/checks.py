# SPDX-License-Identifier: AGPL-3.0-or-later
"""Deployment checks of our own, run by ``nervepath check --deploy``.

``nervepath.E001``: the app is told it runs behind a reverse proxy (it trusts
``X-Forwarded-Proto`` or ``X-Forwarded-Host``/``-Port``) but ``NERVEPATH_PROXY_COUNT`` is
0. Every client then has the proxy's address: one client's failed sign-ins and rate
limits fall on everyone, every audit event reads 127.0.0.1, and request ids from the
proxy are ignored.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


def behind_proxy() -> bool:
    return bool(
        getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        or getattr(settings, "USE_X_FORWARDED_HOST", False)
        or getattr(settings, "USE_X_FORWARDED_PORT", False)
    )


@register(Tags.security, deploy=True)
def proxy_count_is_set(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if behind_proxy() and int(settings.NERVEPATH.get("PROXY_COUNT", 0)) < 1:
        return [
            Error(
                "The app runs behind a reverse proxy (NERVEPATH_BEHIND_PROXY=1) but "
                "NERVEPATH_PROXY_COUNT is 0: every client would have the proxy's address, "
                "so one client's failed sign-ins lock out others and audit events lose "
                "the real address.",
                hint="Set NERVEPATH_PROXY_COUNT to the number of proxies in front of the "
                "app that append to X-Forwarded-For (1 for the shipped deploy/nginx.conf).",
                id="nervepath.E001",
            )
        ]
    return []
