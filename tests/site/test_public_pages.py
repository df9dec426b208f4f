# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import pytest

from nervepath.site import content

EXPECTED = {
    "conditions": {
        "restless-legs",
        "leg-twitching",
        "night-nerve-pain",
        "diabetes-and-rls",
        "nerve-tunnels",
    },
    "treatments": {"nerve-decompression", "non-surgical-options", "nerve-blocks"},
}


def test_every_topic_the_clinic_treats_has_a_page():
    for section, slugs in EXPECTED.items():
        assert slugs <= {p.slug for p in content.section(section)}


@pytest.mark.parametrize("page", list(content.pages().values()), ids=lambda p: p.slug)
def test_each_page_renders_with_book_now(client, db, page):
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert page.title in html
    assert 'href="/book/"' in html and "Book now" in html


def test_home_lists_locations_with_their_phones_and_booking_buttons(client, clinic):
    html = client.get("/").content.decode()
    for location in clinic.values():
        assert location.phone in html
        assert f"/book/?location={location.slug}" in html


def test_locations_page_shows_address_phone_and_hours(client, clinic):
    html = client.get("/locations/").content.decode()
    assert "Fort Collins" in html and "Broomfield" in html
    assert "(970) 555-0142" in html and "(303) 555-0187" in html
    assert "Monday" in html and "7:30 AM" in html


def test_unknown_sections_and_pages_are_404(client, db):
    assert client.get("/nowhere/").status_code == 404
    assert client.get("/conditions/nowhere/").status_code == 404
    # A page is only found in its own section.
    assert client.get("/treatments/restless-legs/").status_code == 404


def test_markdown_is_sanitised():
    page = content.parse(
        "x",
        "---\ntitle: T\nsummary: S\nsection: clinic\norder: 1\n---\n"
        "Hello <script>alert(1)</script> [link](javascript:alert(1)) <img src=x onerror=alert(1)>",
    )
    assert "<script" not in page.html and "onerror" not in page.html
    assert "javascript:" not in page.html


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no front matter", "must start"),
        ("---\ntitle: T\n", "not closed"),
        ("---\ntitle: T\nsummary: S\nsection: blog\norder: 1\n---\n", "section must be"),
        ("---\ntitle: T\nsummary: S\nsection: clinic\norder: first\n---\n", "whole number"),
        ("---\ntitle: T\nsection: clinic\norder: 1\n---\n", "lacks summary"),
        ("---\njust text\n---\n", "not 'key: value'"),
    ],
)
def test_malformed_content_files_name_the_problem(text, problem):
    with pytest.raises(content.ContentError, match=problem):
        content.parse("broken", text)


def test_staff_edits_show_without_a_restart(tmp_path, monkeypatch):
    monkeypatch.setenv("NERVEPATH_CONTENT_DIR", str(tmp_path))
    page = tmp_path / "hours.md"
    page.write_text("---\ntitle: Old\nsummary: S\nsection: clinic\norder: 1\n---\nBody\n")
    assert content.pages()["hours"].title == "Old"
    page.write_text("---\ntitle: New title\nsummary: S\nsection: clinic\norder: 1\n---\nBody two\n")
    import os

    os.utime(page, (page.stat().st_atime, page.stat().st_mtime + 5))
    assert content.pages()["hours"].title == "New title"


def test_links_between_pages_lead_somewhere(client, clinic):
    import re

    targets = set()
    for page in content.pages().values():
        targets |= set(re.findall(r'href="(/[^"#]*)', page.html))
    assert targets, "the pages link to each other"
    broken = [url for url in sorted(targets) if client.get(url).status_code != 200]
    assert broken == []
