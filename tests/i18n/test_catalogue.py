# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 21: the Spanish catalogue is complete (no missing or fuzzy string), its
placeholders match the English ones, and the committed .mo is what the .po compiles to."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nervepath.config import catalog

PO = catalog.LOCALE_DIR / "es/LC_MESSAGES/django.po"
ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%")


def _entries() -> list[catalog.Entry]:
    return [e for e in catalog.parse(PO.read_text(encoding="utf-8")) if e.msgid]


def test_every_message_has_a_spanish_translation_and_none_is_fuzzy():
    entries = _entries()
    assert len(entries) > 300
    missing = [e.msgid for e in entries if not all(e.translations()) or not e.translations()]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert missing == [] and fuzzy == []


def test_plurals_have_both_forms():
    for entry in _entries():
        if entry.msgid_plural:
            assert sorted(entry.msgstr) == [0, 1], entry.msgid


@pytest.mark.parametrize("entry", _entries(), ids=lambda e: e.msgid[:40])
def test_placeholders_survive_translation(entry):
    # The singular form may say "one" in words; every other form keeps the plural's.
    forms = entry.translations()
    if entry.msgid_plural:
        singular = set(PLACEHOLDER.findall(forms[0]))
        assert singular <= set(PLACEHOLDER.findall(entry.msgid_plural)), entry.msgid
        forms = forms[1:]
    wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
    for text in forms:
        assert sorted(PLACEHOLDER.findall(text)) == wanted


def test_the_committed_mo_is_the_compiled_po():
    compiled = catalog.compile_mo(catalog.parse(PO.read_text(encoding="utf-8")))
    assert PO.with_suffix(".mo").read_bytes() == compiled, (
        "run `nervepath compile_catalog` after editing the .po"
    )


def test_the_compiler_matches_gnu_gettext_s_reading(tmp_path):
    import gettext

    mo = tmp_path / "django.mo"
    mo.write_bytes(catalog.compile_mo(catalog.parse(PO.read_text(encoding="utf-8"))))
    with mo.open("rb") as handle:
        read = gettext.GNUTranslations(handle)
    assert read.gettext("Sign in") == "Iniciar sesión"
    assert read.ngettext("%(counter)s time", "%(counter)s times", 1) == "%(counter)s hora"
    assert read.ngettext("%(counter)s time", "%(counter)s times", 2) == "%(counter)s horas"


def test_a_fuzzy_or_empty_entry_is_left_out_of_the_mo():
    text = (
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, fuzzy\nmsgid "A"\nmsgstr "a"\n\nmsgid "B"\nmsgstr ""\n\nmsgid "C"\nmsgstr "c"\n'
    )
    entries = catalog.parse(text)
    assert [e.msgid for e in entries] == ["", "A", "B", "C"] and entries[1].fuzzy
    mo = catalog.compile_mo(entries)
    assert b"C\x00" in mo and b"A\x00" not in mo and b"B\x00" not in mo


def test_a_fuzzy_flag_above_a_context_is_kept():
    text = (
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, fuzzy\n#| msgid "Patients"\nmsgctxt "consent"\nmsgid "Patient portal"\n'
        'msgstr "Pacientes"\nmsgctxt "x"\nmsgid "B"\nmsgstr "b"\n'
    )
    entries = catalog.parse(text)
    assert [(e.msgctxt, e.msgid) for e in entries[1:]] == [
        ("consent", "Patient portal"),
        ("x", "B"),
    ]
    assert entries[1].fuzzy and not entries[2].fuzzy


def test_a_malformed_po_is_refused_with_its_line():
    with pytest.raises(catalog.CatalogError, match="line 2"):
        catalog.parse('msgid "A"\nmsgstr c\n')


def test_the_clinic_s_own_questionnaire_words_are_listed():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/instrument_words.py"), "--check"], check=False
    )
    assert result.returncode == 0, "run scripts/instrument_words.py, then makemessages"
