# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailserver import MailServer


@pytest.fixture
def smtp(settings) -> Iterator[MailServer]:  # type: ignore[no-untyped-def]
    """Django's SMTP backend pointed at a real local server (started; ``stop()`` takes
    it down, ``start()`` brings it back on the same port)."""
    server = MailServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    yield server
    server.stop()
