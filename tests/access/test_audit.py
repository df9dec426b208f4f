# SPDX-License-Identifier: AGPL-3.0-or-later
"""The audit trail: append-only in the app and in the database; sign-ins recorded;
admins read and export it."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from helpers import login
from nervepath.audit import log
from nervepath.audit.models import Action, AuditEvent
from nervepath.exports import csv_text, safe_cell

pytestmark = pytest.mark.postgres


def _event() -> AuditEvent:
    return log.record(None, Action.VIEW, patient_id=7, detail="test")


def test_events_cannot_be_changed_or_deleted_through_the_app(db):
    event = _event()
    event.detail = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="rewritten")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).detail == "test"


def test_the_database_refuses_to_rewrite_an_event(db):
    event = _event()
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET detail = 'x' WHERE id = %s", [event.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).detail == "test"


def test_sign_in_sign_out_and_failures_are_recorded_without_the_typed_address(client, alice):
    login = reverse("accounts:login")
    client.post(login, {"username": "alice@example.org", "password": "wrong-password-123"})
    client.post(login, {"username": "nobody@example.org", "password": "wrong-password-123"})
    failed = list(AuditEvent.objects.filter(action=Action.LOGIN_FAILED).order_by("id"))
    assert [e.actor_id for e in failed] == [alice.user.pk, None]
    client.post(login, {"username": "alice@example.org", "password": "correct-horse-battery"})
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor_id=alice.user.pk).count() == 1
    assert AuditEvent.objects.filter(action=Action.LOGOUT, actor_id=alice.user.pk).count() == 1
    for event in AuditEvent.objects.all():
        assert "example.org" not in " ".join(str(v) for v in vars(event).values())
        assert event.request_id and event.ip == "127.0.0.1"


def test_each_response_carries_the_request_id_of_its_audit_events(client, alice, settings):
    # Behind the trusted proxy (NERVEPATH_PROXY_COUNT=1), which sets X-Request-ID.
    settings.NERVEPATH = {**settings.NERVEPATH, "PROXY_COUNT": 1}
    login(client, alice.user)
    response = client.get(reverse("scheduling:portal"), HTTP_X_REQUEST_ID="proxy-id-123456")
    assert response["X-Request-ID"] == "proxy-id-123456"
    event = AuditEvent.objects.get(action=Action.VIEW, patient_id=alice.pk)
    assert (event.request_id, event.route) == ("proxy-id-123456", "scheduling:portal")
    forged = client.get(reverse("scheduling:portal"), HTTP_X_REQUEST_ID="<script>")
    assert forged["X-Request-ID"] != "<script>" and len(forged["X-Request-ID"]) == 32


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_client_cannot_choose_its_request_id(client, alice, settings, proxies):
    """Without a trusted proxy the header is the client's own, and is ignored; behind
    the proxy an id that does not look like one is replaced too (issue 22, finding 14)."""
    settings.NERVEPATH = {**settings.NERVEPATH, "PROXY_COUNT": proxies}
    login(client, alice.user)
    chosen = "proxy-id-123456" if proxies == 0 else "proxy-id-123456\n"
    response = client.get(reverse("scheduling:portal"), HTTP_X_REQUEST_ID=chosen)
    rid = response["X-Request-ID"]
    assert rid != chosen and "proxy-id" not in rid and len(rid) == 32
    event = AuditEvent.objects.get(action=Action.VIEW, patient_id=alice.pk)
    assert event.request_id == rid
    for bad in ("a" * 33, "short", "id with spaces!", "ünïcode-id-123"):
        other = client.get(reverse("scheduling:portal"), HTTP_X_REQUEST_ID=bad)
        assert other["X-Request-ID"] != bad and len(other["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain", "plain"),
        (None, ""),
        (42, "42"),
    ],
)
def test_spreadsheet_formulas_are_neutralised(value, expected):
    assert safe_cell(value) == expected


def test_csv_text_neutralises_every_cell_including_the_header():
    rows = list(csv.reader(io.StringIO(csv_text(["=h"], [["=1+1"], ["ok"]]))))
    assert rows == [["'=h"], ["'=1+1"], ["ok"]]


def test_admins_filter_and_export_the_trail_but_cannot_edit_it(client, admin_user):
    first = log.record(None, Action.VIEW, patient_id=11, detail="=cmd|' /C calc'!A0")
    log.record(None, Action.DENIED, patient_id=12)
    login(client, admin_user)
    changelist = reverse("admin:audit_auditevent_changelist")
    page = client.get(changelist, {"action__exact": "denied"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    export = client.post(
        changelist, {"action": "export_csv", "_selected_action": [first.pk]}, follow=False
    )
    assert export["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[1][rows[0].index("detail")] == "'=cmd|' /C calc'!A0"
    assert AuditEvent.objects.filter(action=Action.EXPORT, actor_id=admin_user.pk).exists()
    change = reverse("admin:audit_auditevent_change", args=[first.pk])
    client.post(change, {"detail": "rewritten"})
    delete = reverse("admin:audit_auditevent_delete", args=[first.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=first.pk).detail.startswith("=cmd")


def test_the_second_sign_in_step_is_audited_both_ways(client, frontdesk):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from nervepath.accounts import twofactor
    from nervepath.accounts.twofactor import current_code

    device: TOTPDevice = twofactor.confirmed_totp(frontdesk)
    client.post("/accounts/login/", {"username": frontdesk.email, "password": "demo-password-2026"})
    wrong = "000000" if current_code(device) != "000000" else "111111"
    client.post("/accounts/two-factor/", {"code": wrong})
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    client.post("/accounts/two-factor/", {"code": current_code(device)})
    actions = list(
        AuditEvent.objects.filter(actor_id=frontdesk.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [Action.LOGIN, Action.TWO_FACTOR_FAILED, Action.TWO_FACTOR]


def test_the_django_admin_audits_what_it_shows_of_patients(client, admin_user, alice_record):
    alice = alice_record["patient"]
    login(client, admin_user)
    page = client.get(reverse("admin:accounts_patient_change", args=[alice.pk]))
    assert page.status_code == 200
    assert AuditEvent.objects.filter(
        action=Action.VIEW, actor_id=admin_user.pk, patient_id=alice.pk
    ).exists()
    listing = client.get(reverse("admin:scheduling_appointment_changelist"))
    assert listing.status_code == 200
    assert AuditEvent.objects.filter(
        action=Action.LIST, actor_id=admin_user.pk, patient_id=alice.pk, detail="admin"
    ).exists()
    appointment = alice_record["appointment"]
    change = client.get(reverse("admin:scheduling_appointment_change", args=[appointment.pk]))
    assert appointment.manage_token not in change.content.decode()


def test_the_address_behind_trusted_proxies_is_recorded_and_a_forged_one_is_dropped(
    client, alice, settings
):
    settings.NERVEPATH = {**settings.NERVEPATH, "PROXY_COUNT": 1}
    login(client, alice.user)
    client.get(reverse("scheduling:portal"), HTTP_X_FORWARDED_FOR="198.51.100.7")
    client.get(reverse("scheduling:portal"), HTTP_X_FORWARDED_FOR="not-an-address")
    views = AuditEvent.objects.filter(action=Action.VIEW).order_by("id")
    assert [e.ip for e in views] == ["198.51.100.7", None]
