# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 17, items 7-8: every message is an outbox row written with the change that
causes it, and the worker sends it through a real local SMTP server that refuses,
stalls, is down and comes back: nothing is lost, nothing goes out twice, and a booking
never fails because mail did."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from helpers import at, kind, next_weekday, send_outbox
from nervepath.messaging import outbox, transports
from nervepath.messaging.models import Message, MessageStatus
from nervepath.scheduling import services, tasks, waitlist
from nervepath.scheduling.models import Appointment, Status, WaitlistEntry, WaitlistStatus

pytestmark = pytest.mark.booking


def _time_passes() -> None:
    """Every waiting retry falls due (the outage tests move time by the retry schedule
    without waiting for it; the schedule itself is tested below with a frozen clock)."""
    Message.objects.filter(status=MessageStatus.FAILING).update(next_attempt_at=timezone.now())


def _book(clinic, hale, patient, clock="10:00"):
    fc = clinic["fort-collins"]
    return services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), clock)),
        patient,
        by=patient.user,
    )


def test_a_booking_stands_when_the_mail_server_is_down_and_its_mail_follows(
    smtp, clinic, hale, alice, django_capture_on_commit_callbacks
):
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        appt = _book(clinic, hale, alice)
    assert Appointment.objects.get(pk=appt.pk).status == Status.BOOKED
    message = Message.objects.get(kind="confirmed")
    assert message.status == MessageStatus.FAILING  # the first attempt met a dead server
    assert message.attempts == 1
    assert message.last_error
    assert message.patient_id == alice.pk
    smtp.start()
    _time_passes()
    assert send_outbox() == {MessageStatus.SENT: 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.sent_at is not None
    assert smtp.mailbox.message_ids() == [message.provider_id]
    (received,) = smtp.mailbox.received
    assert received["To"] == "alice@example.org"
    assert appt.get_absolute_url() in received.get_payload()[0].get_payload()


def test_a_cancellation_offers_the_slot_to_the_waitlist_while_mail_is_down(
    smtp, clinic, hale, alice, bob, django_capture_on_commit_callbacks
):
    appt = _book(clinic, hale, alice)
    waitlist.join_waitlist(bob, kind("follow-up"), clinic["fort-collins"])
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(appt, by=alice.user)
    assert WaitlistEntry.objects.get(patient=bob).status == WaitlistStatus.OFFERED
    kinds = set(Message.objects.values_list("kind", flat=True))
    assert {"cancelled", "waitlist_offer"} <= kinds


def test_a_refused_address_is_marked_refused_and_never_retried(smtp, clinic, hale, alice):
    smtp.mailbox.refuse.add("alice@example.org")
    message = outbox.queue_email("alice@example.org", "Hello", "Body", kind="test", patient=alice)
    assert outbox.deliver(message.pk) == MessageStatus.REFUSED
    message.refresh_from_db()
    assert message.status == MessageStatus.REFUSED
    assert "550" in message.last_error
    _time_passes()
    assert send_outbox() == {}
    assert smtp.mailbox.received == []


def test_a_busy_server_is_retried_and_the_message_goes_out_once(smtp, alice):
    smtp.mailbox.mode = "busy"
    message = outbox.queue_email("alice@example.org", "Hello", "Body", kind="test", patient=alice)
    assert outbox.deliver(message.pk) == MessageStatus.FAILING
    smtp.mailbox.mode = "ok"
    _time_passes()
    assert outbox.deliver(message.pk) == MessageStatus.SENT
    assert outbox.deliver(message.pk) is None  # sent: nothing more to do
    assert len(smtp.mailbox.received) == 1


def test_a_stalled_server_times_out_and_the_message_goes_out_when_it_answers(smtp, alice):
    smtp.mailbox.mode = "slow"
    smtp.mailbox.delay = 3.0  # past EMAIL_TIMEOUT (1 s in the fixture)
    message = outbox.queue_email("alice@example.org", "Hello", "Body", kind="test", patient=alice)
    assert outbox.deliver(message.pk) == MessageStatus.FAILING
    message.refresh_from_db()
    assert "timed out" in message.last_error.lower()
    smtp.mailbox.mode = "ok"
    _time_passes()
    assert outbox.deliver(message.pk) == MessageStatus.SENT
    assert smtp.mailbox.message_ids() == [Message.objects.get().provider_id]


def test_an_outage_loses_nothing_and_sends_each_message_once(
    smtp, clinic, hale, alice, bob, django_capture_on_commit_callbacks
):
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):
            outbox.queue_email(f"p{n}@example.org", f"Message {n}", "Body", kind="test")
    assert set(Message.objects.values_list("status", flat=True)) <= {
        MessageStatus.QUEUED,
        MessageStatus.FAILING,
    }
    for _ in range(3):  # three retry rounds while the server is down
        _time_passes()
        assert set(send_outbox()) <= {MessageStatus.FAILING}
    smtp.start()
    smtp.mailbox.mode = "busy"  # it comes back refusing for a while
    _time_passes()
    send_outbox()
    smtp.mailbox.mode = "ok"
    _time_passes()
    assert send_outbox() == {MessageStatus.SENT: 12}
    _time_passes()
    assert send_outbox() == {}
    sent_ids = sorted(Message.objects.values_list("provider_id", flat=True))
    assert sorted(smtp.mailbox.message_ids()) == sent_ids
    assert len(set(sent_ids)) == 12
    assert sorted(m["To"] for m in smtp.mailbox.received) == sorted(
        f"p{n}@example.org" for n in range(12)
    )


def test_two_workers_never_send_one_message_twice(smtp, alice):
    message = outbox.queue_email("alice@example.org", "Hello", "Body", kind="test")
    now = timezone.now()
    # The first worker has claimed it and is sending: a second finds nothing to do.
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, claimed_until=now + timedelta(minutes=5)
    )
    assert outbox.deliver(message.pk) is None
    # The first worker died: after its claim lapses, the message is taken up again.
    Message.objects.filter(pk=message.pk).update(claimed_until=now - timedelta(seconds=1))
    assert outbox.deliver(message.pk) == MessageStatus.SENT
    assert len(smtp.mailbox.received) == 1


def test_a_reminder_whose_mail_fails_is_retried_until_it_goes_out(
    smtp, clinic, hale, alice, django_capture_on_commit_callbacks
):
    appt = _book(clinic, hale, alice)
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_reminder.call(appt.id, appt.starts_at.isoformat()) is True
    appt.refresh_from_db()
    assert appt.reminder_sent_at is not None  # marked: the outbox owns it now
    reminder = Message.objects.get(kind="reminder")
    assert reminder.status == MessageStatus.FAILING
    smtp.start()
    _time_passes()
    send_outbox()
    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.SENT
    # The booking's confirmation (queued while nobody sent it) goes out with it, once.
    assert sorted(m["Subject"].split(":")[0] for m in smtp.mailbox.received) == [
        "Reminder",
        "Your appointment is booked",
    ]


def test_retries_back_off_exponentially_and_end_as_failed_for_good(alice, settings, monkeypatch):
    settings.NERVEPATH = {
        **settings.NERVEPATH,
        "OUTBOX_RETRY_SECONDS": 60,
        "OUTBOX_RETRY_MAX_SECONDS": 600,
        "OUTBOX_MAX_ATTEMPTS": 6,
    }

    def down(*args, **kwargs):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(transports.EmailMessage, "send", down)
    start = timezone.now().replace(microsecond=0)
    with freeze_time(start) as clock:
        message = outbox.queue_email("alice@example.org", "Hello", "Body", kind="test")
        waits = []
        for _ in range(5):
            assert outbox.deliver(message.pk) == MessageStatus.FAILING
            message.refresh_from_db()
            waits.append(int((message.next_attempt_at - timezone.now()).total_seconds()))
            assert outbox.deliver(message.pk) is None  # not due yet
            clock.move_to(message.next_attempt_at)
        assert waits == [60, 120, 240, 480, 600]
        assert outbox.deliver(message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 6
    assert "Connection refused" in message.last_error


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_sends_the_outbox_and_retries_it(smtp, clinic, hale, alice):
    smtp.stop()
    _book(clinic, hale, alice)  # committed: the first attempt meets a dead server
    confirmed = Message.objects.get(kind="confirmed")
    assert confirmed.status == MessageStatus.FAILING
    smtp.start()
    _time_passes()
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(task_path__endswith="deliver_message").update(
        run_after=timezone.now() - timedelta(seconds=1)
    )
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    confirmed.refresh_from_db()
    assert confirmed.status == MessageStatus.SENT
    assert smtp.mailbox.message_ids() == [confirmed.provider_id]
