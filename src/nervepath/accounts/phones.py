# SPDX-License-Identifier: AGPL-3.0-or-later
"""Phone numbers as E.164 (``+13035550123``), parsed with the ``phonenumbers`` library
(Google's libphonenumber metadata). A number typed without a country code is read in the
clinic's region (``NERVEPATH_PHONE_REGION``, default US)."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError


def region() -> str:
    return str(settings.NERVEPATH.get("PHONE_REGION", "US"))


def to_e164(text: str) -> str:
    """``text`` as E.164, or ``""`` for an empty value; ValidationError (one sentence) when
    it is not a possible phone number."""
    text = (text or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region())
    except phonenumbers.NumberParseException:
        raise ValidationError(f"“{text}” is not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            f"“{text}” is not a valid phone number: check the digits (and the country code)."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def search_digits(text: str) -> str:
    """The digits to look for when staff search by phone: the national number when the
    text parses, else the bare digits typed."""
    try:
        number = phonenumbers.parse(text, region())
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in text if ch.isdigit())
    return str(number.national_number)


def display(e164: str) -> str:
    """A stored number as people read it (national format at home, international abroad)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region():
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
