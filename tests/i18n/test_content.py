# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 21: every public page has its Spanish file beside it, in the same section, with
links that lead to pages that exist; the site serves it to Spanish readers."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from nervepath.site import content

ENGLISH = content.pages("en")
SPANISH = content.pages("es")


@pytest.mark.parametrize("slug", sorted(ENGLISH))
def test_each_page_has_a_spanish_file_in_the_same_section(slug):
    assert (content.content_dir() / f"{slug}.es.md").is_file()
    english, spanish = ENGLISH[slug], SPANISH[slug]
    assert spanish.title != english.title and spanish.summary != english.summary
    assert (spanish.section, spanish.order) == (english.section, english.order)
    links = set(re.findall(r'href="(/[^"]*)"', spanish.html))
    assert links == set(re.findall(r'href="(/[^"]*)"', english.html))
    assert all(link.rstrip("/").split("/")[-1] in SPANISH for link in links)


def test_a_spanish_reader_gets_the_spanish_page_and_cards(client, clinic):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get("/conditions/restless-legs/").content.decode()
    assert "<h1>Síndrome de piernas inquietas</h1>" in page
    home = client.get("/").content.decode()
    assert "Condiciones que tratamos" in home and "Síndrome de piernas inquietas" in home
    assert "Restless legs syndrome</a>" not in home


def test_a_page_without_a_translation_is_shown_in_english(tmp_path, monkeypatch):
    (tmp_path / "hours.md").write_text(
        "---\ntitle: Hours\nsummary: When we are open.\nsection: clinic\norder: 1\n---\nText\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("NERVEPATH_CONTENT_DIR", str(tmp_path))
    assert content.pages("es")["hours"].title == "Hours"


def test_a_translation_in_another_section_is_refused(tmp_path, monkeypatch):
    front = "---\ntitle: {t}\nsummary: S.\nsection: {s}\norder: 1\n---\nText\n"
    (tmp_path / "hours.md").write_text(front.format(t="Hours", s="clinic"), encoding="utf-8")
    (tmp_path / "hours.es.md").write_text(
        front.format(t="Horario", s="treatments"), encoding="utf-8"
    )
    monkeypatch.setenv("NERVEPATH_CONTENT_DIR", str(tmp_path))
    with pytest.raises(content.ContentError, match=r"hours\.es\.md"):
        content.pages("es")
