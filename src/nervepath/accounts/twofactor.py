# SPDX-License-Identifier: AGPL-3.0-or-later
"""Two-factor sign-in with django-otp: a TOTP authenticator plus single-use recovery codes.

Staff must use it; patients may opt in from their Security page. The codes are RFC 6238
time-based one-time passwords (6 digits, 30-second steps), which any authenticator app
reads from the ``otpauth://`` QR code.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

import django_otp
import qrcode
import qrcode.image.svg
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from nervepath.accounts.models import Role, User

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def is_staff_role(user: User) -> bool:
    """Every role but patient handles other people's data, so must use two factors."""
    return user.role != Role.PATIENT


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def needs_two_factor(user: User) -> bool:
    """Staff always; a patient once they have turned it on."""
    return is_staff_role(user) or confirmed_totp(user) is not None


def pending_totp(user: User) -> TOTPDevice:
    """The unconfirmed device being set up, made on first visit and kept across reloads
    so the QR code the person already scanned stays valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps expect it for manual entry (RFC 4648 base32)."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type from the screen."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` URL as an inline SVG: one path, no style attributes
    and no script, so it passes a strict Content-Security-Policy."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten fresh single-use ones (shown once)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def remove_two_factor(user: User) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


@dataclass(frozen=True)
class Check:
    """The outcome of checking a code: the device it matched, or why it was refused."""

    device: TOTPDevice | StaticDevice | None
    error: str = ""


WRONG = "That code is not right. Check the time on your phone and try the newest code."


def _throttled(device: TOTPDevice | StaticDevice) -> str:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return ""
    until = (data or {}).get("locked_until")
    wait = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
    return f"Too many wrong codes. Wait {wait} seconds, then try again."


def current_code(device: TOTPDevice, at: float | None = None) -> str:
    """The code an authenticator app shows at ``at`` (default now) for this device
    (RFC 6238 time-based one-time password)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time() if at is None else at
    return f"{generator.token():0{device.digits}d}"


def normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def check_code(user: User, code: str, *, device: TOTPDevice | None = None) -> Check:
    """Check a 6-digit authenticator code or a recovery code.

    Digits go to the authenticator only and anything else to the recovery codes only,
    so a typed recovery code never counts as a failure against the authenticator. Each
    device is throttled by django-otp after a wrong code (1, 2, 4 … seconds).
    """
    code = normalise(code)
    if not code:
        return Check(None, "Enter the code.")
    if code.isdigit():
        candidate: TOTPDevice | StaticDevice | None = device or confirmed_totp(user)
    else:
        candidate = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if candidate is None:
        return Check(None, WRONG)
    if wait := _throttled(candidate):
        return Check(None, wait)
    if candidate.verify_token(code):
        return Check(candidate)
    return Check(None, WRONG)


def mark_verified(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    """Record in the session that this sign-in passed the second factor; the session id
    changes too, as it does when privileges rise."""
    request.session.cycle_key()
    django_otp.login(request, device)


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
