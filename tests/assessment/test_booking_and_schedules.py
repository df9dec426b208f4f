# SPDX-License-Identifier: AGPL-3.0-or-later
"""Booking a visit opens its type's questionnaires and emails the patient; schedules open
questionnaires when due, once."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from helpers import at, kind, next_weekday, send_outbox
from nervepath.assessment import services, tasks
from nervepath.assessment.models import Reason, Request, RequestState, Schedule
from nervepath.scheduling import services as booking
from nervepath.scheduling.models import Source

from .conftest import IRLS_15

# Also run on PostgreSQL (make test-postgres).
pytestmark = pytest.mark.postgres


def test_booking_a_new_patient_visit_opens_the_intake_and_emails_the_patient(intake, alice):
    appointment = intake.pop("appointment")
    # The IRLS goes to patients here because this clinic loaded its licensed wording
    # and chose self-report (the licensed_irls fixture); see test_safety_forms.py for
    # the default.
    assert sorted(intake) == sorted(
        ["rls_diagnosis", "irls", "mnsi", "pain_nrs", "clinic_sleep", "symptom_history"]
    )
    for req in intake.values():
        assert req.patient == alice
        assert req.reason == Reason.INTAKE
        assert req.state == RequestState.PENDING
        assert req.due_date == appointment.local_start.date()
    queued = DBTaskResult.objects.filter(task_path__endswith="send_questionnaire_email")
    assert queued.count() == 1
    mail.outbox.clear()
    assert tasks.send_questionnaire_email.call(*queued.get().args_kwargs["args"]) is True
    send_outbox()
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert "6 questionnaires to fill" in message.subject
    assert "/portal/questionnaires/" in message.body


def test_a_second_booking_does_not_ask_again_what_is_open_or_recently_answered(
    intake, alice, hale, alice_client, configured, django_capture_on_commit_callbacks
):
    alice_client.post(f"/portal/questionnaires/{intake['irls'].pk}/", {
        **{f"a-{k}": str(v) for k, v in IRLS_15.items()}, "submit": "1"
    })  # fmt: skip
    fort = configured["fort-collins"]
    with django_capture_on_commit_callbacks(execute=True):
        booking.book(
            booking.Request(
                kind("follow-up"), fort, hale, at(fort, next_weekday(1, after_days=10), "09:00")
            ),
            alice,
            by=alice.user,
            source=Source.ONLINE,
        )
    # irls answered today, pain_nrs and clinic_sleep still open: nothing new.
    assert Request.objects.filter(patient=alice).count() == 6


def test_a_visit_cancelled_before_the_hook_runs_sends_nothing(configured, bob, hale):
    fort = configured["fort-collins"]
    appointment = booking.book(
        booking.Request(kind("new-patient"), fort, hale, at(fort, next_weekday(0), "13:00")),
        bob,
        by=bob.user,
    )
    booking.cancel(appointment, by=bob.user)
    assert services.intake_for_appointment(appointment.pk) == []
    assert not Request.objects.filter(patient=bob).exists()


@pytest.mark.django_db(transaction=True)
def test_a_schedule_opens_due_questionnaires_once_and_ends(clinic, bob, hale, licensed_irls):
    today = timezone.localdate()
    schedule = services.add_schedule(
        bob,
        ["irls", "pain_nrs"],
        every_days=30,
        first_due=today,
        until=today + timedelta(days=40),
        by=hale.user,
    )
    assert DBTaskResult.objects.filter(task_path__endswith="run_schedules").count() == 1
    mail.outbox.clear()
    assert services.run_due_schedules(today) == 2
    assert services.run_due_schedules(today) == 0  # nothing twice
    schedule.refresh_from_db()
    assert schedule.next_due == today + timedelta(days=30)
    assert schedule.active
    reqs = Request.objects.filter(patient=bob, schedule=schedule)
    assert {r.instrument_id for r in reqs} == {"irls", "pain_nrs"}
    assert all(r.reason == Reason.SCHEDULED and r.due_date == today for r in reqs)
    # Thirty days on the open questionnaires are not doubled; past the end it stops.
    assert services.run_due_schedules(today + timedelta(days=30)) == 0
    schedule.refresh_from_db()
    assert schedule.next_due == today + timedelta(days=60)
    assert not schedule.active


def test_the_schedule_task_and_command_open_due_questionnaires(clinic, bob, hale):
    Schedule.objects.create(
        patient=bob,
        instrument_ids=["clinic_sleep"],
        every_days=7,
        next_due=timezone.localdate() - timedelta(days=1),
        created_by=hale.user,
    )
    out = io.StringIO()
    call_command("send_due_questionnaires", stdout=out)
    assert "Opened 1 questionnaire request(s)." in out.getvalue()
    assert tasks.run_schedules.call() == 0  # already opened
    # The run re-enqueues itself for the next due date.
    queued = DBTaskResult.objects.filter(task_path__endswith="run_schedules").get()
    assert timezone.localtime(queued.run_after).date() == timezone.localdate() + timedelta(days=6)


def test_a_schedule_refuses_bad_settings(clinic, bob, hale):
    today = timezone.localdate()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"every_days": 0, "first_due": today, "until": None}, "Repeat every"),
        ({"every_days": 7, "first_due": today - timedelta(days=1), "until": None}, "past"),
        ({"every_days": 7, "first_due": today, "until": today - timedelta(days=1)}, "end"),
    ]
    for kwargs, message in cases:
        with pytest.raises(services.AssessmentError, match=message):
            services.add_schedule(bob, ["irls"], by=hale.user, **kwargs)
    with pytest.raises(services.AssessmentError, match="at least one"):
        services.add_schedule(bob, [], every_days=7, first_due=today, until=None, by=hale.user)
    assert not Schedule.objects.exists()
