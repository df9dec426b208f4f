# SPDX-License-Identifier: AGPL-3.0-or-later
"""The one place the inbox sends a message from (an alert to the care team, the on-call
address or the admin address). It builds a Django EmailMessage and sends it through
the configured EMAIL_BACKEND, like every other mail of the app; pointing it at a durable
outbox means changing this function only.

Messages carry the record number and the kind of alert, never the patient's name or
answers (minimum necessary: mail leaves the clinic's systems); staff read the detail in
the inbox.
"""

from __future__ import annotations

from django.core.mail import EmailMessage


def send_message(to: list[str], subject: str, body: str) -> None:
    """Send one message to each address (no one sees the others' addresses)."""
    for address in to:
        EmailMessage(subject=subject, body=body, to=[address]).send()
