# SPDX-License-Identifier: AGPL-3.0-or-later
"""End-to-end browser tests: Debian's chromium driven by pytest-playwright against
pytest-django's ``live_server`` (a real threaded HTTP server in this process, on the
test database).

Every test here uses ``live_server``, so pytest-django gives it a transactional database
(the ``clinic`` fixture's ``db`` request is upgraded): the server's threads and the test
code see each other's committed rows, and the tables are flushed after each test.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

import clock
from nervepath.accounts.twofactor import current_code

# Playwright's sync API keeps an event loop running in the main thread, so Django's
# async-safety guard would refuse ORM calls made by the test code (setting up data,
# checking the database after a click) once the browser is up. The calls really are
# synchronous, so the guard is switched off for the test process.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives a browser: marked ``e2e`` even where its module
    forgot, so ``-m "not e2e"`` (the hard-moment and quick runs) leaves them all out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Auto-waiting expectations: generous enough for a busy 2-core machine.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def site(live_server) -> str:
    """The live server's root URL (requesting it makes the test transactional)."""
    return live_server.url


@pytest.fixture
def sign_in(site: str) -> Callable[[Page, str, str], None]:
    """Sign a browser page in through the real login form and, for staff (or a patient
    who turned it on), the two-step code page, typing the code an authenticator app
    with the account's key would show now."""

    def _sign_in(page: Page, email: str, password: str) -> None:
        page.goto(f"{site}/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
        if device is not None:
            expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
            page.get_by_label("Code").fill(current_code(device))
            page.get_by_role("button", name="Continue").click()
            expect(page.get_by_role("heading", name="Two-step sign-in")).not_to_be_visible()
        # Signed in: the sign-out form is on the page (inside the menu on a phone, in
        # any language).
        expect(page.locator("form[action='/accounts/logout/']")).to_be_attached()

    return _sign_in


@contextlib.contextmanager
def _task_worker(tmp_path: Path, **extra_env: str) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``db_worker`` process on the live server's database file, travelling with the
    session's clock (tests/clock.py) and the live server's file storage (the files a job
    writes are the ones the server hands out); ``extra_env`` adds settings. Its output goes
    to ``worker.log`` in ``tmp_path``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.test_settings",
        "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}",
        "SQLITE_PATH": str(connection.settings_dict["NAME"]),
        "NERVEPATH_VAR_DIR": str(tmp_path / "worker-var"),
        "NERVEPATH_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **extra_env,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    args = [sys.executable, "-m", "nervepath.cli", "db_worker", "--no-startup-delay"]
    with open(tmp_path / "worker.log", "wb") as log:
        process = subprocess.Popen(
            [*args, "--interval", "0.5"],
            env=clock.child_env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


@pytest.fixture
def task_worker():
    """Starts real task workers for a test: ``with task_worker(tmp_path, **env) as p``."""
    return _task_worker
