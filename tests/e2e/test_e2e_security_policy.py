# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Content-Security-Policy breaks nothing: pages and the API docs render in a real
browser without a single policy violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

pytestmark = pytest.mark.e2e


def _violations(page: Page) -> list[str]:
    seen: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            seen.append(message.text)

    page.on("console", record)
    return seen


def test_api_docs_work_under_the_policy(page: Page, site: str) -> None:
    violations = _violations(page)
    page.goto(f"{site}/api/docs")
    expect(page.get_by_text("/api/bookings").first).to_be_visible()
    # Trying an operation draws form controls whose icons are data: images.
    page.get_by_text("/api/availability").first.click()
    page.get_by_role("button", name="Try it out").first.click()
    expect(page.get_by_role("button", name="Execute").first).to_be_visible()
    assert violations == []


def test_public_pages_work_under_the_policy(page: Page, site: str, clinic) -> None:
    violations = _violations(page)
    for path in ("/", "/locations/", "/book/", "/accounts/login/"):
        page.goto(f"{site}{path}")
        expect(page.locator("main, body").first).to_be_visible()
    assert violations == []
