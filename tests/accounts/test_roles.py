# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from helpers import login
from nervepath.accounts.models import Role, User
from nervepath.accounts.services import AccountError, patient_for_email


def test_only_the_admin_role_reaches_the_django_admin(client, clinic, alice, frontdesk, admin_user):
    hale = User.objects.get(role=Role.CLINICIAN, last_name="Hale")
    for user in (alice.user, frontdesk, hale):
        login(client, user)
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    login(client, admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/scheduling/appointmenttype/").status_code == 200


def test_a_promoted_flag_does_not_open_the_admin(client, clinic, frontdesk):
    User.objects.filter(pk=frontdesk.pk).update(is_staff=True)  # e.g. a stray database edit
    login(client, User.objects.get(pk=frontdesk.pk))
    assert client.get("/admin/").status_code == 302


def test_is_staff_follows_the_role(clinic):
    user = User.objects.create_user("new@example.org", "long-enough-password", role=Role.ADMIN)
    assert user.is_staff
    user.role = Role.FRONT_DESK
    user.save()
    assert not user.is_staff


def test_sign_in_is_by_email_case_insensitively(clinic, alice):
    request = RequestFactory().post("/accounts/login/")  # django-axes needs the request
    signed_in = authenticate(
        request, username="ALICE@example.org", password="correct-horse-battery"
    )
    assert signed_in == alice.user
    user = User.objects.create_user("MiXeD@Example.org", "correct-horse-battery")
    assert user.email == "mixed@example.org"


def test_each_role_lands_on_its_own_start_page(client, clinic, alice, frontdesk, researcher):
    for user, target in (
        (alice.user, "/portal/"),
        (frontdesk, "/staff/"),
        (researcher, "/research/"),
    ):
        login(client, user)
        response = client.get("/accounts/home/")
        assert response.status_code == 302 and response["Location"] == target


def test_booking_by_email_never_turns_a_staff_account_into_a_patient(clinic, frontdesk):
    with pytest.raises(AccountError, match="staff account"):
        patient_for_email(frontdesk.email, "X", "Y")


def test_booking_by_email_does_not_overwrite_an_existing_patients_name(clinic, alice):
    again = patient_for_email("ALICE@example.org", "Mallory", "Impostor")
    assert again == alice
    alice.user.refresh_from_db()
    assert alice.user.first_name == "Alice"


def test_passwords_need_twelve_characters(client, clinic):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("short-pw-1")
    validate_password("a-much-longer-passphrase")
