# SPDX-License-Identifier: AGPL-3.0-or-later
"""Patients' consent to text messages: the number (E.164, parsed with ``phonenumbers``),
the words they agreed to and when; withdrawn from the portal or by replying STOP, given
again by replying START (the opt-out and opt-in keywords US carriers and Twilio honour:
CTIA Messaging Principles and Best Practices, 2023, section 5; Twilio's "Advanced Opt-Out"
default keyword lists).

Patients who write Spanish also answer in Spanish: ALTO, PARAR, DETENER and CANCELAR stop
texts, COMENZAR, INICIO and EMPEZAR start them again, AYUDA asks for help. These are our
choice (the Spanish words for stop, start and help that a patient is likely to type), not
a list a carrier publishes; because Twilio's default opt-out handling may not know them,
we confirm a Spanish stop ourselves, in Spanish. Keywords are matched without case or
accents ("Parar", "ayúda"). Replies are written in the language on the record of the
patient who agreed to texts at the sending number; for a number we do not know, in the
language of the keyword (Spanish for ALTO, English for STOP)."""

from __future__ import annotations

import unicodedata
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from nervepath.messaging.models import TextConsent

# The carrier and Twilio defaults (English).
CARRIER_STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
# Spanish keywords (our choice, see above).
SPANISH_STOP_WORDS = frozenset({"ALTO", "PARAR", "DETENER", "CANCELAR"})
SPANISH_START_WORDS = frozenset({"COMENZAR", "INICIO", "EMPEZAR"})
SPANISH_HELP_WORDS = frozenset({"AYUDA"})
SPANISH_WORDS = SPANISH_STOP_WORDS | SPANISH_START_WORDS | SPANISH_HELP_WORDS

STOP_WORDS = CARRIER_STOP_WORDS | SPANISH_STOP_WORDS
START_WORDS = frozenset({"START", "YES", "UNSTOP"}) | SPANISH_START_WORDS
HELP_WORDS = frozenset({"HELP", "INFO"}) | SPANISH_HELP_WORDS


def keyword(body: str) -> str:
    """The first word of an inbound text, upper case and without accents ("ayúda" is
    "AYUDA")."""
    words = (body or "").strip().split(maxsplit=1)
    if not words:
        return ""
    folded = unicodedata.normalize("NFKD", words[0].upper())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


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


def language_at(phone: str) -> str | None:
    """The language on the record of the patient who agreed to texts at this number (the
    most recent agreement first), or None when no patient we know texts from it or the
    record names no language."""
    rows = TextConsent.objects.filter(phone=phone).select_related("patient")
    for row in rows.order_by("-given_at", "-pk"):
        code = getattr(row.patient, "language_code", None)
        return code if isinstance(code, str) else None
    return None


def reply_to(word: str, language: str | None = None) -> str | None:
    """What we answer to an inbound text whose first word is ``word`` (None: no answer;
    after a carrier stop word the carrier or Twilio sends the opt-out confirmation
    itself). Written in ``language``; without one, in the keyword's language."""
    word = keyword(word)
    code = language or ("es" if word in SPANISH_WORDS else "en")
    with translation.override(code):
        return _reply(word)


def _reply(word: str) -> str | None:
    clinic = settings.NERVEPATH["CLINIC_NAME"]
    if word in CARRIER_STOP_WORDS:
        return None
    if word in SPANISH_STOP_WORDS:
        return gettext(
            "%(clinic)s: you will get no more texts from us. Reply START to get them again."
        ) % {"clinic": clinic}
    if word in START_WORDS:
        return gettext(
            "%(clinic)s: you will get appointment texts again. Reply STOP to stop, HELP for help."
        ) % {"clinic": clinic}
    phone = settings.NERVEPATH["CLINIC_PHONE"]
    if word in HELP_WORDS:
        if phone:
            return gettext(
                "%(clinic)s appointment texts. Manage visits in your patient portal or call "
                "%(phone)s. Reply STOP to stop. Msg & data rates may apply."
            ) % {"clinic": clinic, "phone": phone}
        return gettext(
            "%(clinic)s appointment texts. Manage visits in your patient portal. "
            "Reply STOP to stop. Msg & data rates may apply."
        ) % {"clinic": clinic}
    if phone:
        return gettext(
            "%(clinic)s: this number does not read replies. Please use your patient portal "
            "or call %(phone)s."
        ) % {"clinic": clinic, "phone": phone}
    return gettext(
        "%(clinic)s: this number does not read replies. Please use your patient portal."
    ) % {"clinic": clinic}
