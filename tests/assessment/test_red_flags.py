# SPDX-License-Identifier: AGPL-3.0-or-later
"""Red flags reach a person (issue 19, section 1): the patient reads cited advice at once,
the care team is alerted through the inbox and a message (the on-call address outside
clinic hours), an acknowledgement records who and when and is audited, and an urgent
item left unacknowledged is escalated to the admin address by the worker's run."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from helpers import login, send_outbox
from nervepath.audit.models import Action, AuditEvent
from nervepath.demo import assessment as demo
from nervepath.inbox import services as inbox
from nervepath.inbox.models import InboxItem, Urgency

from .conftest import form

URGENT = demo.history(progressive_weakness="yes", slurred_speech="yes")
NOT_URGENT = demo.history(
    diabetes="yes", diabetes_type="type2", medications=["levodopa"], aug_spread_arms="yes",
    aug_earlier_onset="no", aug_shorter_relief="no", ferritin=40.0,
)  # fmt: skip


@pytest.fixture
def alerts(settings, monkeypatch):
    settings.NERVEPATH = {
        **settings.NERVEPATH,
        "ON_CALL_EMAIL": "oncall@example.org",
        "ALERT_ADMIN_EMAIL": "admin-alerts@example.org",
        "URGENT_ACK_MINUTES": 30,
    }
    return monkeypatch


def submit(client, intake, answers):
    url = f"/portal/questionnaires/{intake['symptom_history'].pk}/"
    return client.post(url, form(answers, submit="1"))


def _in_hours(monkeypatch, value: bool) -> None:
    monkeypatch.setattr(inbox, "in_clinic_hours", lambda when: value)


def test_an_urgent_flag_shows_advice_and_alerts_the_care_team(
    intake, alice, hale, okafor, alice_client, alerts, django_capture_on_commit_callbacks
):
    _in_hours(alerts, True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = submit(alice_client, intake, URGENT)
    # The patient goes to the advice at once, not on to the next questionnaire.
    assert done.status_code == 302 and "/portal/questionnaires/answers/" in done["Location"]
    page = alice_client.get(done["Location"]).content.decode()
    assert "call 911 or go to the nearest emergency department" in page
    assert "call the clinic today" in page and "NICE guideline NG127" in page
    assert "red flag(s) for the clinician" not in page
    (item,) = InboxItem.objects.filter(patient=alice, urgency=Urgency.URGENT)
    assert item.code == "neuro_urgent" and item.ack_due_at is not None
    # Dr Hale cares for Alice (her booked visit); Dr Okafor does not and is not told.
    (message,) = mail.outbox
    assert message.to == [hale.user.email]
    assert f"record {alice.pk}" in message.subject and alice.user.last_name not in message.body


def test_outside_clinic_hours_the_on_call_address_is_alerted(
    intake, alice_client, alerts, django_capture_on_commit_callbacks
):
    _in_hours(alerts, False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submit(alice_client, intake, URGENT)
    assert [m.to for m in mail.outbox] == [["oncall@example.org"]]


def test_non_urgent_flags_wait_in_the_inbox_without_a_message(
    intake, alice, alice_client, alerts, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = submit(alice_client, intake, NOT_URGENT)
    assert "/portal/questionnaires/answers/" not in done["Location"]  # on to the next one
    codes = set(InboxItem.objects.filter(patient=alice).values_list("code", flat=True))
    assert codes == {"possible_augmentation", "iron_low", "diabetes_risk"}
    assert set(InboxItem.objects.values_list("urgency", flat=True)) == {Urgency.NEXT_VISIT}
    assert mail.outbox == []


def test_the_inbox_lists_and_badges_and_an_acknowledgement_is_audited(
    intake, alice, hale, okafor, alice_client, client, alerts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(alice_client, intake, URGENT)
    item = InboxItem.objects.get(patient=alice)
    login(client, hale.user)
    page = client.get("/staff/inbox/").content.decode()
    assert f'id="item-{item.pk}"' in page and 'aria-label="Inbox, 1 open"' in page
    assert AuditEvent.objects.filter(action=Action.LIST, patient_id=alice.pk).exists()
    # A clinician outside Alice's care neither sees nor acknowledges it.
    other = client.__class__()
    login(other, okafor.user)
    assert f'id="item-{item.pk}"' not in other.get("/staff/inbox/").content.decode()
    assert other.post(f"/staff/inbox/{item.pk}/acknowledge/").status_code == 404
    item.refresh_from_db()
    assert item.acknowledged_at is None
    assert client.post(f"/staff/inbox/{item.pk}/acknowledge/").status_code == 302
    item.refresh_from_db()
    assert item.acknowledged_by == hale.user and item.acknowledged_at is not None
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, actor_id=hale.user.pk, patient_id=alice.pk, object_id=str(item.pk)
    ).exists()
    assert item.history.filter(acknowledged_by=hale.user).exists()
    assert (
        "open"
        not in client.get("/staff/inbox/")
        .content.decode()
        .split("<main")[0]
        .split('id="nav-inbox"')[1]
        .split("</a>")[0]
    )


def test_an_unacknowledged_urgent_item_is_escalated_once(
    intake, alice, alice_client, alerts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(alice_client, intake, URGENT)
    item = InboxItem.objects.get(patient=alice)
    assert item.ack_due_at is not None
    mail.outbox.clear()
    assert inbox.escalate_overdue(item.ack_due_at - timedelta(seconds=1)) == 0
    assert inbox.escalate_overdue(item.ack_due_at) == 1
    assert inbox.escalate_overdue(item.ack_due_at + timedelta(hours=1)) == 0  # once
    send_outbox()
    (message,) = mail.outbox
    assert message.to == ["admin-alerts@example.org"]
    item.refresh_from_db()
    assert item.escalated_at is not None


def test_an_acknowledged_item_is_not_escalated(
    intake, alice, hale, alice_client, alerts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(alice_client, intake, URGENT)
    item = InboxItem.objects.get(patient=alice)
    assert inbox.acknowledge(item, hale.user) is True
    assert inbox.acknowledge(item, hale.user) is False
    assert inbox.escalate_overdue(timezone.now() + timedelta(days=1)) == 0


DENVER = ZoneInfo("America/Denver")


@pytest.mark.parametrize(
    ("local", "open_"),
    [
        (datetime(2026, 12, 7, 7, 59, tzinfo=DENVER), False),  # Monday, before opening
        (datetime(2026, 12, 7, 8, 0, tzinfo=DENVER), True),
        (datetime(2026, 12, 7, 16, 59, tzinfo=DENVER), True),
        (datetime(2026, 12, 7, 17, 0, tzinfo=DENVER), False),
        (datetime(2026, 12, 6, 12, 0, tzinfo=DENVER), False),  # Sunday
        (datetime(2027, 3, 15, 8, 30, tzinfo=DENVER), True),  # Monday after DST starts
    ],
)
def test_clinic_hours_boundaries(local, open_):
    assert inbox.in_clinic_hours(local) is open_


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NERVEPATH_CLINIC_HOURS": "8-17"}, "NERVEPATH_CLINIC_HOURS"),
        ({"NERVEPATH_CLINIC_HOURS": "08:00-25:00"}, "NERVEPATH_CLINIC_HOURS"),
        ({"NERVEPATH_CLINIC_DAYS": "mon,funday"}, "NERVEPATH_CLINIC_DAYS"),
        ({"NERVEPATH_URGENT_ACK_MINUTES": "0"}, "NERVEPATH_URGENT_ACK_MINUTES"),
        ({"NERVEPATH_IRLS_MODE": "sometimes"}, "NERVEPATH_IRLS_MODE"),
    ],
)
def test_bad_alert_settings_stop_the_start(env, message):
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NERVEPATH_")}
    run = subprocess.run(
        [sys.executable, "-c", "import nervepath.config.settings"],
        env={**clean, "PYTHONPATH": str(src), "NERVEPATH_DEV": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr and message in run.stderr
