# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 22, finding 10: the password-reset link comes from SITE_URL, never from the
request's Host header (host, port or scheme)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from helpers import send_outbox


@pytest.mark.parametrize(
    "host", ["clinic.example.org:8443", "evil.example.net", "clinic.example.org.evil.net"]
)
def test_the_reset_link_ignores_a_forged_host(client, alice, settings, host):
    settings.SITE_URL = "https://clinic.example.org"
    settings.ALLOWED_HOSTS = ["*"]
    mail.outbox.clear()
    response = client.post(
        "/accounts/password-reset/", {"email": alice.email}, HTTP_HOST=host, secure=False
    )
    assert response.status_code == 302
    send_outbox()
    (message,) = mail.outbox
    links = re.findall(r"\S+/accounts/reset/\S+/", str(message.body))
    assert len(links) == 1
    assert links[0].startswith("https://clinic.example.org/accounts/reset/")
    assert host not in message.body.replace("https://clinic.example.org/", "")
    assert ":8443" not in message.body and "evil" not in message.body
    assert "evil" not in message.subject and ":8443" not in message.subject
    # The link works (it leads to the set-password form).
    path = links[0].removeprefix("https://clinic.example.org")
    page = client.get(path, follow=True)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
