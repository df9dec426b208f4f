# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, gettext_lazy

from nervepath.accounts import language
from nervepath.accounts.models import Patient, Role, User


class AccountError(ValueError):
    """The email cannot be used for a patient record; the message says why."""


NEW_ACCOUNTS_REFUSED = gettext_lazy(
    "Too many bookings without signing in came from your internet address today. If you "
    "have an account, please sign in to book; otherwise call the clinic or try again "
    "tomorrow."
)
_DAY = 24 * 60 * 60


def _new_accounts_key(client_ip: str) -> str:
    return f"new-accounts:{client_ip}:{int(time.time() // _DAY)}"


def check_new_accounts(client_ip: str) -> None:
    """Refuse when ``client_ip`` has started ``NERVEPATH_NEW_ACCOUNTS_PER_IP_PER_DAY``
    patient records today (a UTC day, counted in the shared cache like ratelimit.py).

    Every anonymous request that names a patient by e-mail counts, whether the e-mail
    is new or already has a record, and once the address has reached the ceiling every
    such request from it is refused: neither the count nor the refusal tells which
    e-mails have an account."""
    limit = int(settings.NERVEPATH["NEW_ACCOUNTS_PER_IP_PER_DAY"])
    if int(cache.get(_new_accounts_key(client_ip), 0)) >= limit:
        raise AccountError(str(NEW_ACCOUNTS_REFUSED))


def _count_new_account(client_ip: str) -> None:
    key = _new_accounts_key(client_ip)
    cache.add(key, 0, timeout=_DAY + 60)
    try:
        cache.incr(key)
    except ValueError:  # the day ended between add and incr
        cache.set(key, 1, timeout=_DAY + 60)


def count_anonymous_address(client_ip: str) -> None:
    """Count one anonymous request naming a person by e-mail from ``client_ip``, refused
    (AccountError) past the day's ceiling. Staff addresses typed on the public forms count
    too, so that the ceiling answers alike whoever the address belongs to."""
    check_new_accounts(client_ip)
    _count_new_account(client_ip)


def patient_for_email(
    email: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    *,
    client_ip: str | None = None,
) -> Patient:
    """The patient with this email, created (without a password) if new.

    An existing patient's details are not overwritten by whoever typed their email.
    ``client_ip``: the address of an anonymous visitor (public booking and waitlist
    forms); each call from it counts towards
    ``NERVEPATH_NEW_ACCOUNTS_PER_IP_PER_DAY`` (:func:`check_new_accounts`). Staff pass
    none and are not bound.
    """
    email = email.strip().lower()
    if client_ip is not None:
        count_anonymous_address(client_ip)
    user = _user_for_email(email, first_name, last_name)
    if user.role != Role.PATIENT:
        raise AccountError(
            gettext("This email belongs to a staff account. Please use a personal email address.")
        )
    # A visitor who books or joins the waitlist in another language than English keeps
    # it: it goes on the new record, so the clinic's later messages use it too.
    spoken = language.current() if client_ip is not None else language.DEFAULT
    defaults = {"phone": phone.strip()}
    if spoken != language.DEFAULT:
        defaults["preferred_language"] = spoken
    try:
        with transaction.atomic():
            patient, _ = Patient.objects.get_or_create(user=user, defaults=defaults)
    except IntegrityError:
        # Another request made the record between our look and our insert.
        patient = Patient.objects.get(user=user)
    return patient


def _user_for_email(email: str, first_name: str, last_name: str) -> User:
    """The account with this email, created if new. Two requests naming a new address at
    the same moment (a double submit, two tabs) both get the one account: the loser of
    the insert race finds the winner's row (the address is unique in the database)."""
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email, first_name=first_name.strip(), last_name=last_name.strip()
            )
    except IntegrityError:
        return User.objects.get(email=email)


def set_password_path(user: User) -> str:
    """A single-use link (Django's password-reset token) to choose a portal password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:password_reset_confirm", args=[uid, token])
