# SPDX-License-Identifier: AGPL-3.0-or-later
"""Alice has a new-patient visit with Dr Hale (so he cares for her) and the intake
questionnaires it sends; the visit types send the demo's questionnaire sets."""

from __future__ import annotations

import json

import pytest

from helpers import at, kind, login, next_weekday
from nervepath.assessment.models import Request
from nervepath.demo import assessment as demo
from nervepath.scheduling import services
from nervepath.scheduling.models import Source
from nervepath.science import instruments

IRLS_15 = {f"q{n}": v for n, v in enumerate([2, 2, 1, 1, 2, 2, 1, 1, 2, 1], start=1)}  # 15


@pytest.fixture
def configured(clinic):
    demo.configure_types()
    return clinic


def write_irls_wording(folder):
    """A stand-in for a clinic's licensed IRLS wording file (made-up text)."""
    inst = instruments.load("irls")
    wording: dict[str, object] = {item.id: f"Clinic text for {item.id}" for item in inst.items}
    wording["options"] = {
        item.id: {str(o.value): f"Clinic option {o.value} of {item.id}" for o in item.options}
        for item in inst.items
    }
    (folder / "irls.json").write_text(json.dumps(wording), encoding="utf-8")


@pytest.fixture
def licensed_irls(settings, tmp_path):
    """A clinic that holds the IRLS licence, loaded its wording and lets patients fill it
    (NERVEPATH_IRLS_MODE=self_report): the tests of the patient's forms use the IRLS."""
    folder = tmp_path / "wording"
    folder.mkdir()
    write_irls_wording(folder)
    settings.NERVEPATH = {
        **settings.NERVEPATH,
        "INSTRUMENT_WORDING_DIR": folder,
        "IRLS_MODE": "self_report",
    }
    return folder


@pytest.fixture
def intake(configured, alice, hale, frontdesk, django_capture_on_commit_callbacks, licensed_irls):
    fort = configured["fort-collins"]
    with django_capture_on_commit_callbacks(execute=True):
        appointment = services.book(
            services.Request(kind("new-patient"), fort, hale, at(fort, next_weekday(0), "09:00")),
            alice,
            by=frontdesk,
            source=Source.STAFF,
        )
    return {r.instrument_id: r for r in Request.objects.filter(appointment=appointment)} | {
        "appointment": appointment
    }


def form(answers: dict, **extra: str) -> dict:
    """Answers as the questionnaire form posts them."""
    data: dict = {
        f"a-{k}": ((v or ["__none__"]) if isinstance(v, list) else str(v))
        for k, v in answers.items()
    }
    data.update(extra)
    return data


@pytest.fixture
def alice_client(client, alice):
    login(client, alice.user)
    return client
