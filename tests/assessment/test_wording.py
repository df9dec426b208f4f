# SPDX-License-Identifier: AGPL-3.0-or-later
"""A clinic's licensed wording (NERVEPATH_INSTRUMENT_WORDING_DIR) replaces the IRLS
placeholders on the patient's form; an unset or wrong folder is handled at start-up."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from nervepath.config.env import env_dir
from nervepath.science import instruments

# Also run on PostgreSQL (make test-postgres).
pytestmark = pytest.mark.postgres


def test_the_form_shows_the_clinics_wording(intake, alice_client, settings, tmp_path):
    inst = instruments.load("irls")
    wording: dict[str, Any] = {item.id: f"Clinic text for {item.id}" for item in inst.items}
    wording["options"] = {
        item.id: {str(o.value): f"Clinic option {o.value} of {item.id}" for o in item.options}
        for item in inst.items
    }
    (tmp_path / "irls.json").write_text(json.dumps(wording), encoding="utf-8")
    settings.NERVEPATH = {**settings.NERVEPATH, "INSTRUMENT_WORDING_DIR": tmp_path}
    page = alice_client.get(f"/portal/questionnaires/{intake['irls'].pk}/").content.decode()
    assert "Clinic text for q3" in page and "Clinic option 4 of q10" in page
    assert "licensed wording not loaded" not in page


def test_the_wording_folder_must_exist(monkeypatch, tmp_path):
    monkeypatch.setenv("NERVEPATH_INSTRUMENT_WORDING_DIR", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="NERVEPATH_INSTRUMENT_WORDING_DIR"):
        env_dir("NERVEPATH_INSTRUMENT_WORDING_DIR")
    monkeypatch.setenv("NERVEPATH_INSTRUMENT_WORDING_DIR", str(tmp_path))
    assert env_dir("NERVEPATH_INSTRUMENT_WORDING_DIR") == tmp_path
    monkeypatch.delenv("NERVEPATH_INSTRUMENT_WORDING_DIR")
    assert env_dir("NERVEPATH_INSTRUMENT_WORDING_DIR") is None
