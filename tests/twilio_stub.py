# SPDX-License-Identifier: AGPL-3.0-or-later
"""A local stand-in for Twilio's Messages API (``POST /2010-04-01/Accounts/{sid}/
Messages.json``) that records each request and answers as Twilio documents: 201 with the
message resource, or an error status with Twilio's JSON error body (``code``,
``message``, ``more_info``, ``status``). ``down`` makes it answer 503; ``answers`` queues
scripted (status, code) answers."""

from __future__ import annotations

import base64
import itertools
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ERRORS = {
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    20429: "Too Many Requests",
    20003: "Authenticate",
    20500: "Internal Server Error",
}


@dataclass
class Recorded:
    path: str
    auth: tuple[str, str]
    form: dict[str, str]


@dataclass
class TwilioStub:
    account_sid: str = "AC" + "0" * 32
    auth_token: str = "stub-auth-token"
    requests: list[Recorded] = field(default_factory=list)
    answers: list[tuple[int, int | None]] = field(default_factory=list)
    down: bool = False
    accepted: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        stub = self
        counter = itertools.count(1)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                raw = self.headers.get("Authorization", "").removeprefix("Basic ")
                user, _, password = base64.b64decode(raw or b"").decode().partition(":")
                record = Recorded(self.path, (user, password), form)
                stub.requests.append(record)
                expected = f"/2010-04-01/Accounts/{stub.account_sid}/Messages.json"
                if (user, password) != (stub.account_sid, stub.auth_token):
                    return self._error(401, 20003)
                if self.path != expected:
                    return self._error(404, 20404)
                if stub.down:
                    return self._error(503, 20500)
                if stub.answers:
                    status, code = stub.answers.pop(0)
                    if status != 201:
                        return self._error(status, code)
                sid = f"SM{next(counter):032x}"
                stub.accepted.append(record)
                self._json(
                    201,
                    {
                        "sid": sid,
                        "account_sid": stub.account_sid,
                        "to": form.get("To"),
                        "from": form.get("From"),
                        "body": form.get("Body"),
                        "status": "queued",
                        "num_segments": "1",
                        "uri": f"{expected[:-5]}/{sid}.json",
                    },
                )

            def _error(self, status: int, code: int | None) -> None:
                body = {"status": status, "message": ERRORS.get(code or 0, "Error")}
                if code is not None:
                    body["code"] = code
                    body["more_info"] = f"https://www.twilio.com/docs/errors/{code}"
                self._json(status, body)

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> TwilioStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
