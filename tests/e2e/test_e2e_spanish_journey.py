# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 21, the proof: the whole journey in Spanish on a phone. The visitor switches to
Spanish on the home page, books a visit (the confirmation e-mail and its .ics are in
Spanish), signs in and completes the clinic's sleep questionnaire, uploads a night and
reads the night page. Every page and message on the way is scanned for English left
over, apart from names and the clinic's address."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, ViewportSize, expect

from nervepath.accounts.models import Patient
from nervepath.demo import assessment as demo_assessment
from nervepath.scheduling.models import Appointment, Location

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
REAL_FILE = REPO.parent / "shared" / "data" / "wearables" / "ax3_testfile.cwa"
PHONE: ViewportSize = {"width": 390, "height": 844}
PASSWORD = "una-contraseña-larga-2026"
LINK = re.compile(r"https?://\S+?(/[^\s]*)")
# Words that only an English sentence has (none of them is a Spanish word).
ENGLISH = re.compile(
    r"\b(the|your|you|and|with|please|this|that|for|to|of|at|on|is|are|was|will|"
    r"have|has|not|from|when|what|how|book|sign|here|more|new|time|times|visit)\b",
    re.IGNORECASE,
)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def worker(site: str, media: Path, tmp_path: Path, task_worker):
    with task_worker(tmp_path, NERVEPATH_MEDIA_ROOT=str(media)) as process:
        yield process


def _names() -> list[str]:
    """What may stay as it is: names, addresses, the clinic's and the devices'."""
    allowed = ["Nervepath Clinic", "Dana Whitaker", "Dana", "Whitaker", "PLMS", "ICSD-3"]
    for location in Location.objects.all():
        allowed += [location.name, location.address, location.city, location.phone]
    from nervepath.scheduling.models import Clinician

    allowed += [str(c) for c in Clinician.objects.select_related("user")]
    return sorted(allowed, key=len, reverse=True)


def _english_left(text: str) -> list[str]:
    for name in _names():
        text = text.replace(name, " ")
    text = re.sub(r"https?://\S+|\S+@\S+|\S+\.(cwa|ics|pdf|csv|json)\b", " ", text)
    found = []
    for line in text.splitlines():
        if ENGLISH.search(line):
            found.append(line.strip())
    return found


def _scan(page: Page, seen: dict[str, list[str]]) -> None:
    left = _english_left(page.locator("body").inner_text())
    if left:
        seen[page.url] = left


def _link(body: str, part: str) -> str:
    for match in LINK.finditer(body):
        if part in match.group(1):
            return match.group(1)
    raise AssertionError(f"no {part} link in {body!r}")


def test_the_whole_journey_in_spanish_on_a_phone(browser: Browser, site: str, clinic, hale, worker):
    assert REAL_FILE.is_file(), f"missing {REAL_FILE}: the shared recordings must sit beside"
    demo_assessment.configure_types()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    english: dict[str, list[str]] = {}
    try:
        # 1. The visitor switches to Spanish on the home page.
        page.goto(f"{site}/")
        page.get_by_role("link", name="Español").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        _scan(page, english)

        # 2. Books a visit.
        page.locator("section.hero").get_by_role("link", name="Pedir cita").click()
        _scan(page, english)
        page.get_by_role("region", name="Fort Collins").get_by_role(
            "link", name="Consulta de paciente nuevo"
        ).click()
        page.get_by_role("link", name="Después →").click()
        _scan(page, english)
        page.locator(".slots a.slot").first.click()
        _scan(page, english)
        page.get_by_label("Nombre").fill("Dana")
        page.get_by_label("Apellido").fill("Whitaker")
        page.get_by_label("Correo electrónico").fill("dana@example.org")
        mail.outbox.clear()
        page.get_by_role("button", name="Hacer esta cita").click()
        expect(page.get_by_role("heading", name="Revise su correo para confirmar")).to_be_visible()
        _scan(page, english)
        patient = Patient.objects.get(user__email="dana@example.org")
        assert patient.preferred_language == "es"
        (request,) = mail.outbox
        assert request.subject.startswith("Por favor, confirme su cita")
        assert _english_left(request.subject + "\n" + str(request.body)) == []
        page.goto(f"{site}{_link(str(request.body), '/book-confirm/')}")
        _scan(page, english)
        page.get_by_role("button", name="Confirmar esta cita").click()
        expect(page.get_by_role("status")).to_contain_text("Su cita está hecha")
        _scan(page, english)
        confirmation = mail.outbox[-1]
        assert confirmation.subject.startswith("Su cita está hecha")
        body = str(confirmation.body)
        assert "El enlace funciona durante 1 hora." in body
        assert _english_left(confirmation.subject + "\n" + body) == []
        (_name, ics, _mime) = confirmation.attachments[0]
        ics_text = ics.decode() if isinstance(ics, bytes) else str(ics)
        assert "SUMMARY:Consulta de paciente nuevo — Fort Collins" in ics_text
        assert "Cambiar o cancelar:" in ics_text and "Manage" not in ics_text
        appointment = Appointment.objects.get(patient=patient)

        # 3. Sets a password from the e-mail, signs in, fills the clinic's sleep questionnaire.
        page.goto(f"{site}{_link(body, '/accounts/reset/')}")
        _scan(page, english)
        page.locator("#id_new_password1").fill(PASSWORD)
        page.locator("#id_new_password2").fill(PASSWORD)
        page.get_by_role("button", name="Guardar la contraseña").click()
        page.goto(f"{site}/accounts/login/")
        _scan(page, english)
        page.get_by_label("Correo electrónico").fill("dana@example.org")
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.goto(f"{site}/portal/")
        expect(page.get_by_role("heading", name="Mis citas")).to_be_visible()
        _scan(page, english)
        page.goto(f"{site}/portal/questionnaires/")
        _scan(page, english)
        page.get_by_role("link", name="Su sueño").click()
        _scan(page, english)
        page.locator("#q-nights_disturbed input").fill("4")
        page.locator("#q-minutes_to_sleep input").fill("30")
        page.locator("#q-awakenings input").fill("3")
        page.get_by_role("button", name="Enviar").click()
        expect(page.get_by_role("status")).to_contain_text("«Su sueño» se envió")
        _scan(page, english)
        assert appointment.patient.questionnaire_responses.get().language == "es"

        # 4. Uploads a night and reads the night page.
        page.goto(f"{site}/portal/nights/")
        _scan(page, english)
        page.locator("input[type=file]").set_input_files(str(REAL_FILE))
        page.get_by_label("¿Dónde llevaba puesto el monitor?").select_option("ankle")
        page.locator("form[data-upload] button[type=submit]").click()
        night_link = page.locator("table a[href*='/nights/']").first
        expect(night_link).to_be_visible(timeout=120_000)
        assert worker.poll() is None, "the worker stopped"
        _scan(page, english)
        night_link.click()
        expect(page.locator("h1")).to_contain_text("Su noche del")
        expect(page.get_by_role("heading", name="Qué se midió")).to_be_visible()
        _scan(page, english)
    finally:
        context.close()
    assert english == {}, english
