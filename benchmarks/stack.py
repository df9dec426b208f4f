# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the HTTP benchmarks share: the demo clinic served as in production, and a browser.

``demo_stack`` builds a fresh PostgreSQL database (migrate, seed_demo, collectstatic with
the production settings) and serves it with gunicorn over HTTPS plus the task worker,
through the helpers of the deploy test (``tests/deploy/deploy_stack.py``).

``Browser`` is one visitor: a ``requests.Session`` with keep-alive, the server's
certificate, no automatic redirects (each hop is its own measured request), and an
``X-Request-ID`` of its own on every request, so that the audit events a request caused
can be matched to it afterwards (the server keeps a well-formed incoming id).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import math
import re
import struct
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "deploy"))
sys.path.insert(0, str(HERE.parent / "tests"))  # the session clock (tests/clock.py)

import deploy_stack  # noqa: E402

DEMO_PASSWORD = "demo-password-2026"  # the published demo logins
# The published demo authenticator key of every demo staff account (README).
DEMO_TOTP_SECRET = "NERVEPATHDEMOKEYFORTESTINGONLY23"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp(secret_b32: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 (HMAC-SHA1) code for a base32 key."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8), casefold=True)
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


@contextlib.contextmanager
def demo_stack(
    *,
    workers: int,
    threads: int,
    extra_env: dict[str, str] | None = None,
    appointments: bool = True,
    log_tail: int = 3000,
) -> Iterator[dict[str, object]]:
    """The demo clinic on a fresh PostgreSQL database, served over HTTPS on loopback."""
    with tempfile.TemporaryDirectory(prefix="nervepath-bench-") as tmp:
        folder = Path(tmp)
        with deploy_stack.fresh_database() as database_url:
            env = deploy_stack.production_env(
                database_url,
                folder / "var",
                # No mail server on this machine; the benchmarks measure the web side.
                EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
                **(extra_env or {}),
            )
            started = time.perf_counter()
            deploy_stack.checked(deploy_stack.nervepath("migrate", "--noinput", env=env))
            deploy_stack.checked(deploy_stack.nervepath("collectstatic", "--noinput", env=env))
            seed = ["seed_demo"] if appointments else ["seed_demo", "--no-appointments"]
            deploy_stack.checked(deploy_stack.nervepath(*seed, env=env))
            setup_s = time.perf_counter() - started
            with deploy_stack.serve(
                env, folder, workers=workers, threads=threads, log_tail=log_tail
            ) as running:
                yield {
                    **running,
                    "database_url": database_url,
                    "env": env,
                    "folder": folder,
                    "setup_s": setup_s,
                }


def run_nervepath(env: dict[str, str], *args: str) -> str:
    """A ``nervepath`` command against the stack's database; what it printed."""
    done = deploy_stack.checked(deploy_stack.nervepath(*args, env=env))
    return done.stdout


@dataclass
class Hit:
    """One request as the client saw it."""

    label: str
    method: str
    path: str
    status: int  # 0: no answer (connection error or timeout)
    ms: float
    started: float
    request_id: str
    error: str = ""


Recorder = Callable[[Hit], None]


class Browser:
    """One visitor with its own cookies and keep-alive connection."""

    def __init__(
        self, base: str, cert: str, record: Recorder | None = None, timeout: float = 60
    ) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.verify = cert
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE would replace our certificate
        # What a browser sends on a same-origin form post (Django checks it over HTTPS).
        self.session.headers["Origin"] = base
        self.session.headers["Referer"] = base + "/"
        self.record = record
        self.timeout = timeout

    def request(
        self, method: str, path: str, label: str, **kwargs: object
    ) -> requests.Response | None:
        rid = uuid.uuid4().hex
        headers = {"X-Request-ID": rid, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        started = time.perf_counter()
        response = None
        error = ""
        try:
            response = self.session.request(
                method,
                self.base + path,
                headers=headers,
                allow_redirects=False,
                timeout=self.timeout,
                **kwargs,  # type: ignore[arg-type]
            )
            _ = response.content
        except requests.RequestException as exc:
            error = type(exc).__name__
        ms = (time.perf_counter() - started) * 1000
        if self.record is not None:
            status = response.status_code if response is not None else 0
            # The server keeps a client's X-Request-ID only behind a trusted proxy (issue
            # 22, finding 14); the id its audit events carry is the one it answers with.
            if response is not None:
                rid = response.headers.get("X-Request-ID", rid)
            self.record(Hit(label, method, path, status, ms, started, rid, error))
        return response

    def get(self, path: str, label: str, **kwargs: object) -> requests.Response | None:
        return self.request("GET", path, label, **kwargs)

    def post(self, path: str, label: str, **kwargs: object) -> requests.Response | None:
        return self.request("POST", path, label, **kwargs)

    def csrf_cookie(self) -> str:
        return self.session.cookies.get("csrftoken", "") or ""

    def form_token(self, path: str, label: str) -> str:
        """GET a page with a form and return its CSRF token ('' when there is none)."""
        page = self.get(path, label)
        if page is None:
            return ""
        match = CSRF_INPUT.search(page.text)
        return match.group(1) if match else ""

    def sign_in(
        self,
        email: str,
        password: str = DEMO_PASSWORD,
        totp_secret: str | None = None,
        label: str = "sign-in",
    ) -> bool:
        """The sign-in form, then the two-factor step when a key is given."""
        token = self.form_token("/accounts/login/", label)
        done = self.post(
            "/accounts/login/",
            label,
            data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        )
        if done is None or done.status_code != 302:
            return False
        if totp_secret is None:
            return True
        token = self.form_token("/accounts/two-factor/", label)
        code = self.post(
            "/accounts/two-factor/",
            label,
            data={"code": totp(totp_secret), "csrfmiddlewaretoken": token},
        )
        return code is not None and code.status_code == 302

    def close(self) -> None:
        self.session.close()


class Collector:
    """Thread-safe list of hits."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self._lock = threading.Lock()

    def __call__(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]
