# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hand one outbox message to its provider: e-mail through Django's mail backend
(``EMAIL_BACKEND``: SMTP in production), texts through the configured text provider
(texts.py). Each returns the provider's id for the message, or raises: ``Refused`` for an
answer that will never change, anything else for a failure worth retrying."""

from __future__ import annotations

import secrets
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from nervepath.messaging.models import Channel, Message
from nervepath.messaging.outbox import Refused


def send(message: Message) -> str:
    if message.channel == Channel.EMAIL:
        return send_email(message)
    if message.channel == Channel.TEXT:
        return send_text(message)
    raise Refused(f"Unknown channel {message.channel!r}.")


def send_email(message: Message) -> str:
    from nervepath.messaging import bounces

    # The Message-ID carries the signed outbox id too, so a report that returns only the
    # original headers (bounces.py) still finds its message. Django sends ``from_email``
    # as the SMTP MAIL FROM and a "From" header, when given, as the visible sender: with
    # a bounce domain set, reports come back to an address made for this one message.
    token = bounces.token(message.pk)
    message_id = f"<np-{token}.{secrets.token_hex(4)}@{bounces.message_id_domain()}>"
    headers = {"Message-ID": message_id}
    envelope = bounces.envelope_sender(message.pk)
    if envelope:
        headers["From"] = settings.DEFAULT_FROM_EMAIL
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=envelope or settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers=headers,
    )
    if message.attachment_name:
        email.attach(message.attachment_name, bytes(message.attachment), message.attachment_type)
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise Refused(f"The mail server refused the address ({codes[0]}).") from exc
        raise
    except smtplib.SMTPDataError as exc:
        if exc.smtp_code >= 500:
            raise Refused(f"The mail server refused the message ({exc.smtp_code}).") from exc
        raise
    return message_id


def send_text(message: Message) -> str:
    from nervepath.messaging import consent, texts

    if not consent.may_text(message.to):
        raise Refused("The patient no longer agrees to texts at this number.")
    return texts.provider().send(message.to, message.body)
