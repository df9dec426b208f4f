# SPDX-License-Identifier: AGPL-3.0-or-later
"""A real SMTP server on 127.0.0.1 (aiosmtpd) that can accept, refuse an address,
answer "try later", stall, or be down, and records what it accepted (and each envelope
sender): for the outbox tests and the outage benchmark."""

from __future__ import annotations

import asyncio
import email
import socket
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """The handler: ``mode`` is ok, busy (451 to every recipient) or slow (stalls
    ``delay`` seconds before answering RCPT); addresses in ``refuse`` get 550."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 3.0
        self.refuse: set[str] = set()
        self.received: list[Message] = []
        self.senders: list[str] = []  # each accepted message's envelope sender (MAIL FROM)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
            return "451 4.3.2 Too slow, try again later"
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        if self.mode == "busy":
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(email.message_from_bytes(envelope.content))
        self.senders.append(str(envelope.mail_from))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.received]


class MailServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    @property
    def up(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
