# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reminders are background tasks due a set time before the visit; the worker sends them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from helpers import at, kind, next_weekday
from nervepath.scheduling import services, tasks
from nervepath.scheduling.models import Appointment, Source

pytestmark = pytest.mark.booking


def _reminders():
    return DBTaskResult.objects.filter(task_path__endswith="send_reminder").order_by("enqueued_at")


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def test_booking_enqueues_a_reminder_due_24_hours_before(
    clinic, hale, alice, django_capture_on_commit_callbacks
):
    fc = clinic["fort-collins"]
    with django_capture_on_commit_callbacks(execute=True):
        appt = services.book(
            services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "10:00")),
            alice,
            by=alice.user,
        )
    reminder = _reminders().get()
    assert reminder.run_after == appt.starts_at - timedelta(hours=24)
    assert reminder.args_kwargs["args"] == [appt.id, appt.starts_at.isoformat()]


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_due_reminder_once(clinic, hale, alice, frontdesk):
    fc = clinic["fort-collins"]
    appt = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "10:00")),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    mail.outbox.clear()
    # Not due yet: the worker leaves it.
    _run_worker()
    assert mail.outbox == []
    _reminders().update(run_after=datetime.now(UTC) - timedelta(seconds=1))
    _run_worker()
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Reminder"]
    assert appt.get_absolute_url() in mail.outbox[0].body
    appt.refresh_from_db()
    assert appt.reminder_sent_at is not None
    # A second task for the same visit (e.g. enqueued twice) sends nothing more.
    assert tasks.send_reminder.call(appt.id, appt.starts_at.isoformat()) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_reminder_for_a_moved_or_cancelled_visit_is_dropped(clinic, hale, alice, frontdesk):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    appt = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00")),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    old_start = appt.starts_at.isoformat()
    services.reschedule(appt, at(fc, monday, "14:00"), by=frontdesk)
    assert tasks.send_reminder.call(appt.id, old_start) is False
    moved = Appointment.objects.get(pk=appt.pk)
    services.cancel(moved, by=frontdesk)
    assert tasks.send_reminder.call(appt.id, moved.starts_at.isoformat()) is False
    assert not any(m.subject.startswith("Reminder") for m in mail.outbox)


@freeze_time("2027-03-10 18:00:00")
def test_reminder_across_the_march_dst_change_is_24_elapsed_hours(
    clinic, hale, alice, django_capture_on_commit_callbacks
):
    fc = clinic["fort-collins"]
    # Monday 2027-03-15 10:00 MDT; the clocks went forward on Sunday the 14th.
    visit = at(fc, datetime(2027, 3, 15).date(), "10:00")
    with django_capture_on_commit_callbacks(execute=True):
        appt = services.book(
            services.Request(kind("follow-up"), fc, hale, visit), alice, by=alice.user
        )
    due = _reminders().get().run_after
    assert due == datetime(2027, 3, 14, 16, 0, tzinfo=UTC)  # 10:00 MDT on Sunday
    assert appt.starts_at - due == timedelta(hours=24)


@freeze_time("2026-10-28 18:00:00")
def test_reminder_across_the_november_dst_change_is_24_elapsed_hours(
    clinic, hale, alice, django_capture_on_commit_callbacks
):
    fc = clinic["fort-collins"]
    # Monday 2026-11-02 10:00 MST (17:00 UTC); the clocks went back on Sunday the 1st.
    visit = at(fc, datetime(2026, 11, 2).date(), "10:00")
    with django_capture_on_commit_callbacks(execute=True):
        services.book(services.Request(kind("follow-up"), fc, hale, visit), alice, by=alice.user)
    due = _reminders().get().run_after
    assert due == datetime(2026, 11, 1, 17, 0, tzinfo=UTC)  # 10:00 MST on Sunday
    assert due.astimezone(fc.tz).hour == 10
