# SPDX-License-Identifier: AGPL-3.0-or-later
"""The pathway's daily runs survive a failing day; bad settings stop start-up; a
patient typing a staff URL is refused and audited."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from helpers import send_outbox
from nervepath.audit.models import Action, AuditEvent
from nervepath.messaging import transports
from nervepath.messaging.models import Message, MessageStatus
from nervepath.pathway import blocks, follow_ups, tasks
from nervepath.pathway.models import FollowUp, Surgery, SurgeryStatus

ROOT = Path(__file__).resolve().parents[2]


def queued(task) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=task.module_path, status="READY"))


def test_a_mail_server_that_is_down_neither_ends_the_daily_chain_nor_loses_the_reminder(
    in_care, alice, hale, monkeypatch
):
    blocks.record_block(
        alice,
        given_on=timezone.localdate() - timedelta(days=2),
        leg="right",
        injections=[{"site": "tibial", "agent": "Lidocaine 1%", "volume_ml": 2.0}],
        given_by=hale.user,
        by=hale.user,
    )
    DBTaskResult.objects.all().delete()

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(transports.EmailMessage, "send", refuse)
    assert tasks.run_diary_reminders.call() == 1
    (run,) = queued(tasks.run_diary_reminders)
    assert run.run_after > timezone.now()
    assert send_outbox() == {MessageStatus.FAILING: 1}
    message = Message.objects.get(kind="diary_reminder")
    assert message.status == MessageStatus.FAILING
    assert "mail server down" in message.last_error
    assert message.next_attempt_at > timezone.now()


def test_a_failing_questionnaire_run_does_not_end_the_chain(
    in_care, alice, hale, clinic, monkeypatch
):
    operated = Surgery.objects.create(
        patient=alice,
        leg="right",
        operated_on=timezone.localdate() - timedelta(days=1),
        surgeon=hale,
        location=clinic["fort-collins"],
        tunnels=["tibial"],
        status=SurgeryStatus.DONE,
    )
    FollowUp.objects.create(
        surgery=operated,
        patient=alice,
        label="3 months",
        days_after=91,
        due_on=operated.operated_on + timedelta(days=91),
    )

    def fail(today=None):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(follow_ups, "send_questionnaires", fail)
    with pytest.raises(RuntimeError):
        tasks.send_follow_up_questionnaires.call()
    (run,) = queued(tasks.send_follow_up_questionnaires)
    lead = timedelta(days=5)
    assert timezone.localtime(run.run_after).date() == operated.operated_on + timedelta(91) - lead


@pytest.mark.parametrize("value", ["101", "150"])
def test_a_relief_threshold_that_is_not_a_percentage_stops_start_up(value: str) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nervepath.config.settings",
        "NERVEPATH_DEV": "1",
        "NERVEPATH_RELIEF_THRESHOLD": value,
        "PYTHONPATH": str(ROOT / "src"),
    }
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
    assert "NERVEPATH_RELIEF_THRESHOLD is a percentage from 1 to 100" in run.stderr


def test_a_patient_on_a_staff_pathway_url_gets_404_and_is_audited(alice_client, alice):
    response = alice_client.get(f"/staff/patients/{alice.pk}/course/")
    assert response.status_code == 404
    denied = AuditEvent.objects.filter(action=Action.DENIED, patient_id=alice.pk)
    assert denied.count() == 1
