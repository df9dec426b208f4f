# SPDX-License-Identifier: AGPL-3.0-or-later
"""Patients' consent to text messages: the number (E.164, parsed with ``phonenumbers``),
the words they agreed to and when; withdrawn from the portal or by replying STOP, given
again by replying START (the opt-out and opt-in keywords US carriers and Twilio honour:
CTIA Messaging Principles and Best Practices, 2023, section 5; Twilio's "Advanced Opt-Out"
default keyword lists)."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from nervepath.messaging.models import TextConsent

STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})


class PhoneError(ValueError):
    """A number that is not a valid mobile number (its message is for the patient)."""


def wording() -> str:
    """The consent the patient agrees to, in the language of the page it is shown on (the
    consent row keeps the words as they were agreed to)."""
    clinic = settings.NERVEPATH["CLINIC_NAME"]
    return gettext(
        "I agree that %(clinic)s may send appointment reminders and offers of earlier "
        "appointments by text message to this number. Texts name the clinic, the day, "
        "the time, the location and a link to manage the visit, never anything about my "
        "health. Message and data rates may apply. Reply STOP to stop, HELP for help."
    ) % {"clinic": clinic}


def normalise(raw: str) -> str:
    """The number in E.164 (``+19705550123``), or ``PhoneError`` with a sentence."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError(gettext("Enter your mobile number."))
    try:
        number = phonenumbers.parse(text, settings.NERVEPATH["PHONE_REGION"])
    except phonenumbers.NumberParseException:
        raise PhoneError(gettext("%(text)r is not a phone number.") % {"text": text}) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(gettext("%(text)r is not a valid phone number.") % {"text": text})
    kind = phonenumbers.number_type(number)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise PhoneError(
            gettext("%(text)r is not a mobile number: texts need a mobile phone.") % {"text": text}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def current(patient: Any) -> TextConsent | None:
    return patient.text_consents.filter(withdrawn_at__isnull=True).first()


def text_number(patient: Any) -> str | None:
    """The number to text this patient at, or None when they have not agreed."""
    consent = current(patient)
    return consent.phone if consent is not None else None


def may_text(phone: str) -> bool:
    return TextConsent.objects.filter(phone=phone, withdrawn_at__isnull=True).exists()


def give(patient: Any, raw_phone: str, *, via: str = "portal") -> TextConsent:
    """Record the patient's agreement (ending any earlier one: one number at a time)."""
    phone = normalise(raw_phone)
    now = timezone.now()
    with transaction.atomic():
        TextConsent.objects.select_for_update().filter(
            patient=patient, withdrawn_at__isnull=True
        ).update(withdrawn_at=now, withdrawn_via="replaced")
        return TextConsent.objects.create(
            patient=patient, phone=phone, wording=wording(), given_at=now, given_via=via
        )


def withdraw(patient: Any, *, via: str = "portal") -> int:
    return TextConsent.objects.filter(patient=patient, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_via=via
    )


def withdraw_number(phone: str, *, via: str = "reply STOP") -> int:
    """Whoever agreed to texts at this number no longer does (a STOP reply)."""
    return TextConsent.objects.filter(phone=phone, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_via=via
    )


def restart_number(phone: str) -> int:
    """A START reply: the patients whose last consent at this number was withdrawn by
    STOP agree again, with the wording they had agreed to; returns how many."""
    restarted = 0
    with transaction.atomic():
        latest: dict[int, TextConsent] = {}
        for row in TextConsent.objects.filter(phone=phone).order_by("given_at", "pk"):
            latest[row.patient_id] = row
        for row in latest.values():
            if row.withdrawn_at is not None and row.withdrawn_via == "reply STOP":
                if current(row.patient) is None:
                    TextConsent.objects.create(
                        patient=row.patient,
                        phone=phone,
                        wording=row.wording,
                        given_via="reply START",
                    )
                    restarted += 1
    return restarted


def reply_to(keyword: str) -> str | None:
    """What we answer to an inbound text (None: no answer; after STOP the carrier or
    Twilio sends the opt-out confirmation itself)."""
    clinic = settings.NERVEPATH["CLINIC_NAME"]
    word = keyword.strip().upper()
    if word in STOP_WORDS:
        return None
    if word in START_WORDS:
        return f"{clinic}: you will get appointment texts again. Reply STOP to stop, HELP for help."
    phone = settings.NERVEPATH["CLINIC_PHONE"]
    call = f" or call {phone}" if phone else ""
    if word in HELP_WORDS:
        return (
            f"{clinic} appointment texts. Manage visits in your patient portal{call}. "
            "Reply STOP to stop. Msg & data rates may apply."
        )
    return f"{clinic}: this number does not read replies. Please use your patient portal{call}."
