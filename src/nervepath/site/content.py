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
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import markdown
import nh3

SECTIONS = {"conditions": "Conditions we treat", "treatments": "Treatments", "clinic": "Your visit"}
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


@lru_cache(maxsize=4)
def _load(folder: str, stamp: float) -> dict[str, Page]:
    pages = {}
    for path in sorted(Path(folder).glob("*.md")):
        pages[path.stem] = parse(path.stem, path.read_text(encoding="utf-8"))
    return pages


def pages() -> dict[str, Page]:
    """All pages, re-read when any file in the folder changes (edits show without restart)."""
    folder = content_dir()
    files = list(folder.glob("*.md"))
    stamp = max((f.stat().st_mtime for f in files), default=0.0) + len(files)
    return _load(str(folder), stamp)


def section(name: str) -> list[Page]:
    return sorted((p for p in pages().values() if p.section == name), key=lambda p: p.order)
