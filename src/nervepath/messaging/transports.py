# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hand one outbox message to its provider: e-mail through Django's mail backend
(``EMAIL_BACKEND``: SMTP in production), texts through the configured text provider
(texts.py). Each returns the provider's id for the message, or raises: ``Refused`` for an
answer that will never change, anything else for a failure worth retrying."""

from __future__ import annotations

import smtplib
from email.utils import make_msgid

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
    message_id = make_msgid(domain="nervepath")
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[message.to],
        headers={"Message-ID": message_id},
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
