# SPDX-License-Identifier: AGPL-3.0-or-later
"""Text-message providers. ``NERVEPATH_TEXT_PROVIDER`` picks one:

- ``console``: prints each text to standard output and keeps it in ``console_outbox``
  (development, the demo, tests);
- ``twilio``: Twilio's Programmable Messaging REST API, written against its published
  documentation (https://www.twilio.com/docs/messaging/api/message-resource): a form POST
  of ``To``, ``From`` (or ``MessagingServiceSid``), ``Body`` and ``StatusCallback`` to
  ``/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic auth (account SID
  and auth token). A 201 answer carries the message ``sid``; errors carry a JSON body
  with a numeric ``code`` and a ``message``.

Inbound texts and delivery reports reach the webhooks in views.py, which check Twilio's
``X-Twilio-Signature`` (``signature``: HMAC-SHA1 over the URL and the sorted form
fields, keyed with the auth token, base64; Twilio's "Webhooks security" page).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from nervepath.messaging.outbox import Refused

# Twilio's errors that no retry will change (the number, not the moment, is the problem):
# 21211 invalid To, 21408 region not enabled, 21610 the recipient replied STOP, 21612
# unreachable route, 21614 not a mobile number (Twilio's error dictionary).
PERMANENT_TWILIO_CODES = frozenset({21211, 21408, 21610, 21612, 21614})


class TextProvider(Protocol):
    def send(self, to: str, body: str) -> str:
        """Hand one text to the provider; return its id for the message. Raise
        ``Refused`` when it will never be accepted, anything else to retry later."""
        ...


@dataclass
class ConsoleText:
    to: str
    body: str
    sid: str


console_outbox: list[ConsoleText] = []


class ConsoleProvider:
    def send(self, to: str, body: str) -> str:
        sid = f"console-{len(console_outbox) + 1}"
        console_outbox.append(ConsoleText(to, body, sid))
        sys.stdout.write(f"--- text to {to} ({sid}) ---\n{body}\n")
        sys.stdout.flush()
        return sid


class TwilioError(Exception):
    """A failure worth retrying (Twilio busy or down, rate-limited, the network)."""


class TwilioProvider:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        sender: str = "",
        messaging_service_sid: str = "",
        api_url: str = "https://api.twilio.com",
        status_callback: str = "",
        timeout: float = 15.0,
    ) -> None:
        if not account_sid or not auth_token or not (sender or messaging_service_sid):
            raise ImproperlyConfigured(
                "The twilio text provider needs NERVEPATH_TWILIO_ACCOUNT_SID, "
                "NERVEPATH_TWILIO_AUTH_TOKEN and NERVEPATH_TWILIO_FROM or "
                "NERVEPATH_TWILIO_MESSAGING_SERVICE_SID."
            )
        if not api_url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("NERVEPATH_TWILIO_API_URL must be an http(s) URL.")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sender = sender
        self.messaging_service_sid = messaging_service_sid
        self.api_url = api_url.rstrip("/")
        self.status_callback = status_callback
        self.timeout = timeout

    @property
    def messages_url(self) -> str:
        sid = urllib.parse.quote(self.account_sid, safe="")
        return f"{self.api_url}/2010-04-01/Accounts/{sid}/Messages.json"

    def send(self, to: str, body: str) -> str:
        form = {"To": to, "Body": body}
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = self.sender
        if self.status_callback:
            form["StatusCallback"] = self.status_callback
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
            self.messages_url,
            data=urllib.parse.urlencode(form).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise _error(exc.code, exc.read()) from None
        except (OSError, ValueError) as exc:  # refused, timed out, reset, not JSON
            raise TwilioError(f"Twilio could not be reached: {exc}") from exc
        sid = answer.get("sid") if isinstance(answer, dict) else None
        if not sid:
            raise TwilioError("Twilio answered without a message sid.")
        return str(sid)


def _error(status: int, raw: bytes) -> Exception:
    try:
        detail = json.loads(raw)
    except ValueError:
        detail = {}
    if not isinstance(detail, dict):
        detail = {}
    code = detail.get("code")
    text = f"Twilio answered {status}" + (f", error {code}" if code else "")
    if detail.get("message"):
        text += f": {detail['message']}"
    if code in PERMANENT_TWILIO_CODES or status == 400:
        return Refused(text)
    return TwilioError(text)


def provider() -> TextProvider:
    conf = settings.NERVEPATH
    name = conf["TEXT_PROVIDER"]
    if name == "console":
        return ConsoleProvider()
    if name == "twilio":
        return TwilioProvider(
            conf["TWILIO_ACCOUNT_SID"],
            conf["TWILIO_AUTH_TOKEN"],
            sender=conf["TWILIO_FROM"],
            messaging_service_sid=conf["TWILIO_MESSAGING_SERVICE_SID"],
            api_url=conf["TWILIO_API_URL"],
            status_callback=settings.SITE_URL + reverse("messaging:twilio_status"),
        )
    raise ImproperlyConfigured(f"NERVEPATH_TEXT_PROVIDER {name!r} is not console or twilio.")


def signature(url: str, params: Iterable[tuple[str, str]], auth_token: str) -> str:
    """Twilio's request signature: the full URL, then each POST field's name and value
    in the order of the names, HMAC-SHA1 with the auth token, base64."""
    payload = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_ok(url: str, params: Iterable[tuple[str, str]], given: str) -> bool:
    token = settings.NERVEPATH["TWILIO_AUTH_TOKEN"]
    if not token or not given:
        return False
    return hmac.compare_digest(signature(url, params, token), given)
