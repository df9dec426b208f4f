# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo clinic's two-step sign-in: one published authenticator secret for all demo
staff, so a tester can add it to an authenticator app (or ask ``nervepath demo_totp``;
the code itself comes from ``accounts.twofactor.current_code``).
Never use it for a real account: anyone who reads the README can compute its codes."""

from __future__ import annotations

import base64

from django_otp.plugins.otp_totp.models import TOTPDevice

from nervepath.accounts import twofactor
from nervepath.accounts.models import User

# RFC 4648 base32 of a 160-bit key (the key length RFC 4226 section 4 recommends).
DEMO_TOTP_SECRET = "NERVEPATHDEMOKEYFORTESTINGONLY23"  # noqa: S105 (published demo key)
DEMO_TOTP_KEY_HEX = base64.b32decode(DEMO_TOTP_SECRET).hex()


def give_demo_authenticator(user: User) -> TOTPDevice:
    """A confirmed authenticator with the demo secret (idempotent)."""
    device, _ = TOTPDevice.objects.update_or_create(
        user=user,
        name=twofactor.TOTP_NAME,
        defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True},
    )
    return device


def is_demo_device(device: TOTPDevice) -> bool:
    return device.key == DEMO_TOTP_KEY_HEX
