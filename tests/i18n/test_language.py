# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 21: the patient's language. How it is chosen and remembered, messages in the
patient's language, one time format per language, real plurals."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.utils import translation
from django.utils.timezone import make_aware

from helpers import at, kind, login, next_weekday, send_outbox
from nervepath.accounts import language
from nervepath.audit.models import AuditEvent
from nervepath.scheduling import notifications, services
from nervepath.scheduling.models import Source


@pytest.mark.parametrize(
    ("text", "code"),
    [("es", "es"), ("Spanish", "es"), ("Español", "es"), ("espanol", "es"), ("es-MX", "es"),
     ("English", "en"), ("en-US", "en"), ("", None), ("Klingon", None), (None, None)],
)  # fmt: skip
def test_the_record_s_free_text_names_a_language(text, code):
    assert language.code_for(text) == code


def test_a_visitor_picks_spanish_in_the_header_and_it_is_remembered(client, clinic):
    home = client.get("/")
    assert 'href="/accounts/language/es/"' in home.content.decode()
    response = client.get("/accounts/language/es/", HTTP_REFERER="http://testserver/locations/")
    assert response.status_code == 302 and response["Location"] == "http://testserver/locations/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get("/locations/").content.decode()
    assert '<html lang="es">' in page and "Ubicaciones" in page and "Horario" in page
    # The way back is offered, in its own language.
    assert 'href="/accounts/language/en/" hreflang="en" lang="en">English</a>' in page


def test_an_unknown_language_is_refused(client, clinic):
    assert client.get("/accounts/language/xx/").status_code == 404


def test_a_signed_in_patient_s_choice_goes_on_the_record(client, alice):
    login(client, alice.user)
    client.get("/accounts/language/es/", HTTP_REFERER="http://testserver/portal/")
    alice.refresh_from_db()
    assert alice.preferred_language == "es"
    assert AuditEvent.objects.filter(patient_id=alice.pk, detail__contains="language").exists()
    # The record wins on a new device (no cookie): the portal is in Spanish.
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    assert "Mis citas" in client.get("/portal/").content.decode()


def test_a_link_from_another_site_cannot_change_the_record(client, alice):
    login(client, alice.user)
    client.get("/accounts/language/es/", HTTP_REFERER="https://evil.example.net/")
    alice.refresh_from_db()
    assert alice.preferred_language == ""


def test_staff_pages_stay_in_english(client, frontdesk):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    login(client, frontdesk)
    page = client.get("/accounts/security/").content.decode()
    assert '<html lang="en">' in page and "Two-step sign-in" in page


def _book(clinic, clinician, patient, by, source=Source.ONLINE):
    fc = clinic["fort-collins"]
    return services.Request(kind("follow-up"), fc, clinician, at(fc, next_weekday(0), "14:00"))


def test_the_confirmation_for_a_spanish_patient_is_in_spanish(
    clinic, hale, alice, frontdesk, django_capture_on_commit_callbacks
):
    alice.preferred_language = "Spanish"
    alice.save()
    mail.outbox.clear()
    # Booked by English-speaking staff: the message follows the patient's record.
    with django_capture_on_commit_callbacks(execute=True):
        appt = services.book(
            _book(clinic, hale, alice, frontdesk), alice, by=frontdesk, source=Source.STAFF
        )
    send_outbox()
    (message,) = mail.outbox
    assert message.subject.startswith("Su cita está hecha: ")
    assert "14:00" in message.subject and "PM" not in message.subject
    body = str(message.body)
    assert "Hola, Alice:" in body and "Cita de seguimiento" in body and "a las 14:00" in body
    assert "Hello" not in body and "Questions?" not in body
    _name, ics, _mime = message.attachments[0]
    text = ics.decode() if isinstance(ics, bytes) else str(ics)
    assert "SUMMARY:Cita de seguimiento" in text and "Cambiar o cancelar:" in text
    # The reminder text too.
    reminder = notifications.reminder_text(appt)
    assert "le recordamos su cita" in reminder and "14:00" in reminder
    # An English patient's confirmation is unchanged.
    alice.preferred_language = ""
    alice.save()
    with translation.override("en"):
        assert "reminder of your visit" in notifications.reminder_text(appt)
        assert "2:00 PM" in notifications.reminder_text(appt)


def test_a_spanish_patient_gets_the_password_link_in_spanish(client, alice):
    alice.preferred_language = "es"
    alice.save()
    mail.outbox.clear()
    client.post("/accounts/password-reset/", {"email": alice.email})
    send_outbox()
    (message,) = mail.outbox
    assert message.subject.startswith("Cree su contraseña en")
    assert "El enlace funciona durante 1 hora." in str(message.body)


@pytest.mark.parametrize(
    ("code", "clock", "long", "short"),
    [
        ("en", "2:11 PM", "Tuesday, December 8, 2026", "Tue Dec 8"),
        ("es", "14:11", "martes 8 de diciembre de 2026", "mar 8 Dic"),
    ],
)
def test_one_time_format_per_language(code, clock, long, short):
    moment = make_aware(datetime(2026, 12, 8, 14, 11))
    with translation.override(code):
        assert language.clock(moment) == clock
        assert language.clock(time(14, 11)) == clock
        assert language.day(moment) == long
        assert language.day(date(2026, 12, 8), "short").lower() == short.lower()
        rendered = Template('{% load dates %}{{ t|clock }} · {{ t|day:"short" }}').render(
            Context({"t": moment})
        )
        assert rendered.lower() == f"{clock} · {short}".lower()


def test_an_unknown_date_style_is_refused():
    with pytest.raises(ValueError):
        language.day(date(2026, 12, 8), "fancy")


@pytest.mark.parametrize(
    ("code", "count", "expected"),
    [
        ("en", 1, "1 time"),
        ("en", 3, "3 times"),
        ("es", 1, "1 hora"),
        ("es", 3, "3 horas"),
    ],
)
def test_plurals_are_real_words(code, count, expected):
    template = Template(
        "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} time"
        "{% plural %}{{ counter }} times{% endblocktranslate %}"
    )
    with translation.override(code):
        assert template.render(Context({"n": count})) == expected


@pytest.mark.parametrize(
    ("seconds", "code", "expected"),
    [
        (3600, "en", "The link works for 1 hour."),
        (7200, "en", "The link works for 2 hours."),
        (1800, "en", "The link works for 30 minutes."),
        (3600, "es", "El enlace funciona durante 1 hora."),
        (7200, "es", "El enlace funciona durante 2 horas."),
    ],
)
def test_the_set_password_link_life_is_said(settings, seconds, code, expected):
    settings.PASSWORD_RESET_TIMEOUT = seconds
    with translation.override(code):
        assert language.link_life() == expected


def test_no_page_says_s_in_brackets_for_a_plural(client, alice):
    login(client, alice.user)
    for path in ("/portal/", "/portal/questionnaires/", "/portal/diary/", "/accounts/security/"):
        assert "(s)" not in client.get(path).content.decode()


def test_a_language_chosen_before_signing_in_goes_on_an_empty_record(client, alice, bob):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    client.post("/accounts/login/", {"username": alice.email, "password": "correct-horse-battery"})
    alice.refresh_from_db()
    assert alice.preferred_language == "es"
    # A record that already says something is left as it is.
    bob.preferred_language = "English"
    bob.save()
    other = type(client)()
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    other.post("/accounts/login/", {"username": bob.email, "password": "correct-horse-battery"})
    bob.refresh_from_db()
    assert bob.preferred_language == "English"
