# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailserver import MailServer
from twilio_stub import TwilioStub


@pytest.fixture
def smtp(settings) -> Iterator[MailServer]:
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


@pytest.fixture
def twilio(settings) -> Iterator[TwilioStub]:
    """The twilio text provider pointed at a local stub of Twilio's API."""
    stub = TwilioStub().start()
    settings.NERVEPATH = {
        **settings.NERVEPATH,
        "TEXT_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": stub.account_sid,
        "TWILIO_AUTH_TOKEN": stub.auth_token,
        "TWILIO_FROM": "+19705550100",
        "TWILIO_MESSAGING_SERVICE_SID": "",
        "TWILIO_API_URL": stub.url,
    }
    yield stub
    stub.stop()
