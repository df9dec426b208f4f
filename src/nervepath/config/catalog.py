# SPDX-License-Identifier: AGPL-3.0-or-later
"""The translation catalogue without GNU gettext: read a ``.po`` file and write the
``.mo`` file Django loads (the GNU format, little-endian, no hash table), in pure Python.

``nervepath compile_catalog`` writes every ``locale/*/LC_MESSAGES/django.mo`` from its
``.po``; the tests check that the committed ``.mo`` files are what the ``.po`` files
compile to, and that every message has a translation that is not fuzzy
(docs/languages.md).
"""

from __future__ import annotations

import ast
import struct
from dataclasses import dataclass, field
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def translations(self) -> list[str]:
        return [self.msgstr[k] for k in sorted(self.msgstr)]


class CatalogError(ValueError):
    """The .po file is malformed; the message names the line."""


def _unquote(text: str, number: int) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise CatalogError(f"line {number}: expected a quoted string, got {text!r}")
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        raise CatalogError(f"line {number}: bad string {text!r}") from None
    return str(value)


def parse(text: str) -> list[Entry]:
    """The entries of a .po file, the header (msgid "") first."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal current, target, started
        if started:
            entries.append(current)
        current, target, started = Entry(), None, False

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            current.obsolete = True
            continue
        if line.startswith("#,"):
            if started and target is not None and target[0] == "msgstr":
                finish()
            current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if target is None:
                raise CatalogError(f"line {number}: a string continues nothing")
            name, index = target
            value = _unquote(line, number)
            if name == "msgid":
                current.msgid += value
            elif name == "msgid_plural":
                current.msgid_plural += value
            elif name == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + value
            else:
                current.msgstr[index] = current.msgstr.get(index, "") + value
            continue
        keyword, _space, rest = line.partition(" ")
        # A new entry starts (without a blank line between): keep the flags of one that
        # has not started yet (``#, fuzzy`` above a ``msgctxt``).
        if started and (keyword == "msgctxt" or (keyword == "msgid" and current.msgstr)):
            finish()
        if not started:
            current.line = number
        started = True
        if keyword == "msgctxt":
            current.msgctxt, target = _unquote(rest, number), ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, target = _unquote(rest, number), ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = _unquote(rest, number), ("msgid_plural", 0)
        elif keyword == "msgstr":
            current.msgstr[0], target = _unquote(rest, number), ("msgstr", 0)
        elif keyword.startswith("msgstr[") and keyword.endswith("]"):
            index = int(keyword[7:-1])
            current.msgstr[index], target = _unquote(rest, number), ("msgstr", index)
        else:
            raise CatalogError(f"line {number}: unknown keyword {keyword!r}")
    finish()
    return [e for e in entries if not e.obsolete]


def compile_mo(entries: list[Entry]) -> bytes:
    """The GNU .mo file for these entries (fuzzy ones left out, as msgfmt does; the
    header is kept)."""
    pairs: dict[bytes, bytes] = {}
    for entry in entries:
        if entry.fuzzy and entry.msgid:
            continue
        if entry.msgid and not any(entry.translations()):
            continue
        text = entry.msgid
        if entry.msgid_plural:
            text += "\0" + entry.msgid_plural
        if entry.msgctxt is not None:
            text = entry.msgctxt + "\x04" + text
        pairs[text.encode("utf-8")] = "\0".join(entry.translations()).encode("utf-8")
    keys = sorted(pairs)
    count = len(keys)
    originals_at = 7 * 4
    translations_at = originals_at + count * 8
    data_at = translations_at + count * 8
    originals = b""
    translations = b""
    table_o: list[tuple[int, int]] = []
    table_t: list[tuple[int, int]] = []
    for key in keys:
        table_o.append((len(key), data_at + len(originals)))
        originals += key + b"\0"
    values_at = data_at + len(originals)
    for key in keys:
        value = pairs[key]
        table_t.append((len(value), values_at + len(translations)))
        translations += value + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, count, originals_at, translations_at, 0, 0)
    out += b"".join(struct.pack("<2I", n, at) for n, at in table_o)
    out += b"".join(struct.pack("<2I", n, at) for n, at in table_t)
    return out + originals + translations


def po_files(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/django.po"))


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write each .po's .mo beside it; returns the .mo files written."""
    written = []
    for po in po_files(locale_dir):
        mo = po.with_suffix(".mo")
        mo.write_bytes(compile_mo(parse(po.read_text(encoding="utf-8"))))
        written.append(mo)
    return written
