# SPDX-License-Identifier: AGPL-3.0-or-later
"""``nervepath demo_totp EMAIL``: the demo staff's current code, in development only."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from nervepath.accounts import twofactor
from nervepath.accounts.twofactor import current_code


def run(email: str) -> str:
    out = io.StringIO()
    call_command("demo_totp", email, stdout=out)
    return out.getvalue().strip()


@override_settings(DEBUG=False, DEV=True)
def test_it_prints_the_code_that_signs_a_demo_account_in(client, frontdesk):
    code = run("FrontDesk@demo.nervepath.org")
    assert len(code) == 6 and code.isdigit()
    assert code == current_code(twofactor.confirmed_totp(frontdesk))
    client.post("/accounts/login/", {"username": frontdesk.email, "password": "demo-password-2026"})
    assert client.post("/accounts/two-factor/", {"code": code}).status_code == 302


@override_settings(DEBUG=False, DEV=False)
def test_it_refuses_outside_development(frontdesk):
    with pytest.raises(CommandError, match="only runs with DEBUG=1 or NERVEPATH_DEV=1"):
        run(frontdesk.email)


@override_settings(DEV=True)
def test_it_refuses_accounts_that_do_not_use_the_demo_key(frontdesk, alice):
    with pytest.raises(CommandError, match="not a demo account"):
        run(alice.email)
    TOTPDevice.objects.filter(user=frontdesk).update(key="00" * 20)
    with pytest.raises(CommandError, match="not a demo account"):
        run(frontdesk.email)
