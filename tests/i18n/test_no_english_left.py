# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 21: a Spanish-speaking patient's pages hold no English sentence, apart from
names, the clinic's address and the titles of the papers a page cites."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from helpers import at, kind, login, next_weekday
from nervepath.assessment import services as assessment
from nervepath.scheduling import services
from nervepath.scheduling.models import Clinician, Location, Source

# Words only an English sentence has (none of them is a Spanish word).
ENGLISH = re.compile(
    r"\b(the|your|you|and|with|please|this|that|for|to|of|at|on|is|are|was|will|"
    r"have|has|not|from|when|what|how|book|sign|here|more|new|time|times|visit)\b",
    re.IGNORECASE,
)
SIGNED_OUT = [
    "/", "/conditions/", "/treatments/", "/clinic/what-to-expect/", "/locations/", "/book/",
    "/book/fort-collins/follow-up/", "/accounts/login/", "/accounts/password-reset/",
    "/accounts/password-reset/sent/", "/accounts/reset/MQ/0-expired/", "/no-such-page/",
]  # fmt: skip
SIGNED_IN = [
    "/portal/", "/portal/questionnaires/", "/portal/diary/", "/portal/medications/",
    "/portal/therapy/", "/portal/follow-ups/", "/portal/consents/", "/portal/texts/",
    "/portal/contact/", "/portal/documents/", "/accounts/security/",
]  # fmt: skip


def english_lines(html: str, names: list[str]) -> list[str]:
    body = html.split("<body>", 1)[-1]
    body = body.split('id="fuentes"')[0].split("<h2>Fuentes</h2>")[0]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    body = re.sub(r'(?:title|aria-label|placeholder|alt)="([^"]*)"', r">\1<", body)
    text = re.sub(r"<[^>]+>", "\n", body)
    found = []
    for line in text.splitlines():
        for name in names:
            line = line.replace(name, " ")
        if ENGLISH.search(line):
            found.append(line.strip())
    return found


@pytest.fixture
def names(clinic) -> list[str]:
    allowed = ["Nervepath Clinic", "Alice", "Archer", "alice@example.org"]
    for location in Location.objects.all():
        allowed += [location.name, location.address, location.city]
    allowed += [str(c) for c in Clinician.objects.select_related("user")]
    return sorted(allowed, key=len, reverse=True)


def test_no_english_is_left_on_a_spanish_patient_s_pages(
    client, clinic, hale, alice, frontdesk, names
):
    fc = clinic["fort-collins"]
    appointment = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "14:00")),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    requests = assessment.send_now(
        alice, ["clinic_sleep", "pain_nrs", "symptom_history"], by=frontdesk
    )
    alice.preferred_language = "es"
    alice.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    manage = appointment.get_absolute_url()
    left: dict[str, list[str]] = {}
    for path in [*SIGNED_OUT, manage, manage + "move/", manage + "cancel/"]:
        found = english_lines(client.get(path, follow=True).content.decode(), names)
        if found:
            left[path] = found
    login(client, alice.user)
    for path in SIGNED_IN + [r.get_absolute_url() for r in requests]:
        found = english_lines(client.get(path, follow=True).content.decode(), names)
        if found:
            left[path] = found
    assert left == {}
