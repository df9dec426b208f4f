# SPDX-License-Identifier: AGPL-3.0-or-later
"""The public pages: Markdown files with a small front-matter block, rendered safely.

Staff edit the files in ``NERVEPATH_CONTENT_DIR`` (default: the ``content`` folder
beside this module). A file starts with::

    ---
    title: Restless legs syndrome
    summary: One sentence for cards and the meta description.
    section: conditions
    order: 10
    ---

A translation sits beside its English page with the language code before ``.md``
(``restless-legs.es.md``) and has the same front matter, translated where it is words.
A page without a translation is shown in English.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import markdown
import nh3
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

SECTIONS = {
    "conditions": _("Conditions we treat"),
    "treatments": _("Treatments"),
    "clinic": _("Your visit"),
}
REQUIRED = ("title", "summary", "section", "order")
ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code",
    "table", "thead", "tbody", "tr", "th", "td", "hr", "br",
}  # fmt: skip


class ContentError(ValueError):
    """A content file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    summary: str
    section: str
    order: int
    html: str

    @property
    def url(self) -> str:
        return f"/{self.section}/{self.slug}/"


def content_dir() -> Path:
    return Path(os.environ.get("NERVEPATH_CONTENT_DIR", Path(__file__).parent / "content"))


def parse(slug: str, text: str) -> Page:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContentError(f"{slug}.md: must start with a '---' front-matter block")
    try:
        end = lines.index("---", 1)
    except ValueError:
        raise ContentError(f"{slug}.md: the front-matter block is not closed with '---'") from None
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        if not sep:
            raise ContentError(f"{slug}.md: front-matter line {line!r} is not 'key: value'")
        meta[key.strip()] = value.strip()
    missing = [key for key in REQUIRED if not meta.get(key)]
    if missing:
        raise ContentError(f"{slug}.md: front matter lacks {', '.join(missing)}")
    if meta["section"] not in SECTIONS:
        raise ContentError(f"{slug}.md: section must be one of {', '.join(SECTIONS)}")
    try:
        order = int(meta["order"])
    except ValueError:
        raise ContentError(f"{slug}.md: order must be a whole number") from None
    body = "\n".join(lines[end + 1 :])
    raw_html = markdown.markdown(body, extensions=["tables", "sane_lists"])
    html = nh3.clean(raw_html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}})
    return Page(slug, meta["title"], meta["summary"], meta["section"], order, html)


def _split(path: Path) -> tuple[str, str]:
    """``restless-legs.es.md`` is ("restless-legs", "es"); ``restless-legs.md`` is
    ("restless-legs", "")."""
    slug, _dot, lang = path.stem.partition(".")
    return slug, lang


@lru_cache(maxsize=8)
def _load(folder: str, stamp: float, lang: str) -> dict[str, Page]:
    pages = {}
    files = sorted(Path(folder).glob("*.md"))
    for path in files:
        slug, file_lang = _split(path)
        if not file_lang:
            pages[slug] = parse(slug, path.read_text(encoding="utf-8"))
    for path in files:
        slug, file_lang = _split(path)
        if lang and file_lang == lang and slug in pages:
            translated = parse(slug, path.read_text(encoding="utf-8"))
            if translated.section != pages[slug].section:
                raise ContentError(f"{path.name}: section must be the English page's")
            pages[slug] = translated
    return pages


def pages(lang: str | None = None) -> dict[str, Page]:
    """All pages in ``lang`` (default: the active language), each in English where it has
    no translation; re-read when any file in the folder changes (edits show without
    restart)."""
    folder = content_dir()
    files = list(folder.glob("*.md"))
    stamp = max((f.stat().st_mtime for f in files), default=0.0) + len(files)
    code = (lang or get_language() or "en").split("-")[0]
    return _load(str(folder), stamp, "" if code == "en" else code)


def section(name: str) -> list[Page]:
    return sorted((p for p in pages().values() if p.section == name), key=lambda p: p.order)
