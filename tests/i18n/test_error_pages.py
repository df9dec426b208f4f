# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 21: branded error pages that say how to reach the clinic, and the expired
set-password link that offers a new one."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from helpers import send_outbox
from nervepath.accounts.services import set_password_path
from nervepath.site.errors import server_error


def test_the_404_page_is_branded_and_says_how_to_reach_the_clinic(client, clinic):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find that page" in page and "Nervepath Clinic" in page
    assert 'href="/locations/"' in page and "911" in page and 'href="/book/"' in page


def test_the_404_page_in_spanish(client, clinic):
    client.cookies["nervepath_language"] = "es"
    page = client.get("/no-such-page/").content.decode()
    assert "No encontramos esa página" in page and "página de ubicaciones" in page


def test_the_403_page_is_branded(client, alice):
    from helpers import login

    login(client, alice.user)
    response = client.get("/staff/patients/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is not open to you" in page and 'href="/locations/"' in page


def test_the_500_page_renders_without_the_database_or_context_processors(settings, db):
    settings.NERVEPATH = {**settings.NERVEPATH, "CLINIC_PHONE": "+19705550100"}
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        response = server_error(request)
    assert len(queries) == 0
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "Nervepath Clinic" in page
    assert 'href="tel:+19705550100"' in page and "911" in page
    with translation.override("es"):
        assert "Algo salió mal de nuestro lado" in server_error(request).content.decode()


def test_the_500_handler_is_the_production_one():
    from nervepath.config import urls

    assert urls.handler500 == "nervepath.site.errors.server_error"


def test_the_booking_e_mail_says_how_long_the_set_password_link_works(
    client, clinic, hale, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from helpers import at, kind, next_weekday
    from nervepath.accounts.models import Patient, Role, User
    from nervepath.scheduling import services

    user = User.objects.create_user("new@example.org", None, first_name="Nia", role=Role.PATIENT)
    patient = Patient.objects.create(user=user)
    fc = clinic["fort-collins"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.book(
            services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "10:00")),
            patient,
            by=user,
        )
    send_outbox()
    body = str(mail.outbox[-1].body)
    assert "/accounts/reset/" in body and "The link works for 1 hour." in body
    assert "ask for a new link" in body
    assert timezone.now()  # the clock fixture's now, not the machine's


@pytest.mark.parametrize("code", ["en", "es"])
def test_an_expired_link_offers_a_new_one_that_arrives(client, alice, code):
    client.cookies["nervepath_language"] = code
    path = set_password_path(alice.user)
    broken = re.sub(r"/([^/]+)/$", "/0-expired/", path)
    page = client.get(broken, follow=True).content.decode()
    expected = "This link has expired" if code == "en" else "Este enlace ya venció"
    assert expected in page
    assert 'action="/accounts/password-reset/"' in page and 'autocomplete="email"' in page
    mail.outbox.clear()
    response = client.post("/accounts/password-reset/", {"email": alice.email})
    assert response.status_code == 302
    send_outbox()
    (message,) = mail.outbox
    assert "/accounts/reset/" in str(message.body)
