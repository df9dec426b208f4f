# SPDX-License-Identifier: AGPL-3.0-or-later
"""The one place the inbox sends a message from (an alert to the care team, the on-call
address or the admin address). Each message is a row of the durable outbox
(``nervepath.messaging``), written in the transaction that raised the alert; the task
worker sends it, with retries, and staff see its status on the Messages page.

Messages carry the record number and the kind of alert, never the patient's name or
answers (minimum necessary: mail leaves the clinic's systems); staff read the detail in
the inbox.
"""

from __future__ import annotations

from nervepath.messaging.outbox import queue_email


def send_message(to: list[str], subject: str, body: str) -> None:
    """Queue one message to each address (no one sees the others' addresses)."""
    for address in to:
        queue_email(address, subject, body, kind="red_flag_alert")
