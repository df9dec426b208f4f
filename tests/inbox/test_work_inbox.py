# SPDX-License-Identifier: AGPL-3.0-or-later
"""The work inbox (issue 18): every kind raised where its cause happens and closed when
the cause is resolved, one item per cause, per-role lists through the access policy,
marking done audited, counts in one query."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpers import at, kind, login, next_weekday
from nervepath.access.models import CareAssignment
from nervepath.audit.models import Action, AuditEvent
from nervepath.inbox import work
from nervepath.inbox.models import InboxItem, Kind, Urgency
from nervepath.messaging import outbox
from nervepath.messaging.models import Message, MessageStatus
from nervepath.messaging.signals import announce
from nervepath.pathway import blocks, surgery
from nervepath.pathway.models import FollowUp, FollowUpStatus
from nervepath.scheduling import services, waitlist
from nervepath.scheduling.models import Location, WaitlistEntry, WaitlistStatus

CWA = Path(__file__).resolve().parents[3] / "shared/data/wearables/ax3_testfile.cwa"


@pytest.fixture
def in_care(alice, hale, frontdesk):
    """Dr Hale cares for Alice (an assignment by the front desk); Dr Lindqvist does not."""
    CareAssignment.objects.create(clinician=hale.user, patient=alice, assigned_by=frontdesk)
    return alice


def _item(kind: str, **filters) -> InboxItem:
    return InboxItem.objects.get(kind=kind, **filters)


def _done_surgery(patient, hale, oncommit):
    with oncommit(execute=True):
        return surgery.record_surgery(
            patient,
            leg="right",
            operated_on=timezone.localdate() - timedelta(days=20),
            surgeon=hale,
            location=Location.objects.get(slug="fort-collins"),
            tunnels=["tibial"],
            status="done",
            by=hale.user,
        )


@pytest.mark.postgres
def test_a_follow_up_to_book_opens_closes_when_booked_and_reopens_when_cancelled(
    in_care, hale, django_capture_on_commit_callbacks
):
    _done_surgery(in_care, hale, django_capture_on_commit_callbacks)
    two_weeks = FollowUp.objects.get(patient=in_care, days_after=14)
    item = _item(Kind.FOLLOW_UP, source=f"pathway.FollowUp:{two_weeks.pk}")
    assert item.is_open and item.link == reverse("pathway:follow_up_book", args=[two_weeks.pk])
    # The 3-month follow-up's window opens later than the lead: not yet anyone's work.
    later = FollowUp.objects.get(patient=in_care, days_after=91)
    assert not InboxItem.objects.filter(source=f"pathway.FollowUp:{later.pk}").exists()
    # Running the sweep again raises nothing twice.
    assert work.sync(Kind.FOLLOW_UP) == {"opened": 0, "reopened": 0, "closed": 0}
    with django_capture_on_commit_callbacks(execute=True):
        two_weeks.status = FollowUpStatus.BOOKED
        two_weeks.save()
    item.refresh_from_db()
    assert not item.is_open and item.resolved_at is not None and item.acknowledged_at is None
    # Back to "to book" without a signal (a bulk change): the periodic sweep reopens it.
    FollowUp.objects.filter(pk=two_weeks.pk).update(status=FollowUpStatus.TO_BOOK)
    assert work.sync(Kind.FOLLOW_UP)["reopened"] == 1
    item.refresh_from_db()
    assert item.is_open
    assert InboxItem.objects.filter(kind=Kind.FOLLOW_UP, source=item.source).count() == 1


def test_a_diary_missing_days_opens_and_closes_once_they_are_filled(
    in_care, hale, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        block = blocks.record_block(
            in_care,
            given_on=timezone.localdate() - timedelta(days=2),
            leg="left",
            injections=[{"site": "tibial", "agent": "Lidocaine 1%", "volume_ml": 2.0}],
            given_by=hale.user,
            by=hale.user,
        )
    item = _item(Kind.DIARY_MISSING, source=f"pathway.NerveBlock:{block.pk}")
    assert "2 day(s)" in item.title and item.urgency == Urgency.ROUTINE
    for offset in (2, 1):
        with django_capture_on_commit_callbacks(execute=True):
            blocks.save_entry(
                block,
                in_care,
                day=timezone.localdate() - timedelta(days=offset),
                relief_pct=60,
                sleep_hours=7,
                by=in_care.user,
            )
    item.refresh_from_db()
    assert item.resolved_at is not None


def test_a_failed_night_analysis_opens_and_closes_when_run_again(
    in_care, hale, django_capture_on_commit_callbacks
):
    from nervepath.wearables import services as nights
    from nervepath.wearables.models import State

    recording, _ = nights.add_recording(
        in_care, SimpleUploadedFile("night.cwa", CWA.read_bytes()), by=in_care.user
    )
    analysis = recording.analysis
    with django_capture_on_commit_callbacks(execute=True):
        analysis.state = State.FAILED
        analysis.error_code = "unreadable"
        analysis.error_message = "The file ends early."
        analysis.save()
    item = _item(Kind.NIGHT_FAILED, source=f"wearables.Analysis:{analysis.pk}")
    assert item.patient_id == in_care.pk and "unreadable" in item.title
    assert item.link == reverse("wearables:patient", args=[in_care.pk])
    with django_capture_on_commit_callbacks(execute=False):
        assert nights.rerun(analysis)
    work.sync(Kind.NIGHT_FAILED, [analysis.pk])
    item.refresh_from_db()
    assert item.resolved_at is not None


def test_a_pending_waitlist_offer_opens_and_closes_when_answered(
    clinic, hale, alice, bob, django_capture_on_commit_callbacks
):
    fc = clinic["fort-collins"]
    appt = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "10:00")),
        alice,
        by=alice.user,
    )
    waitlist.join_waitlist(bob, kind("follow-up"), fc)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(appt, by=alice.user)
    entry = WaitlistEntry.objects.get(patient=bob)
    assert entry.status == WaitlistStatus.OFFERED
    item = _item(Kind.WAITLIST_OFFER, source=f"scheduling.WaitlistEntry:{entry.pk}")
    assert item.link == reverse("scheduling:staff_appointment", args=[entry.offered_appointment_id])
    with django_capture_on_commit_callbacks(execute=True):
        waitlist.accept_offer(entry)
    item.refresh_from_db()
    assert item.resolved_at is not None


def test_a_failed_message_stays_open_while_sent_again_and_closes_once_sent(
    alice, frontdesk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        message = outbox.queue_email(alice.email, "Hello", "Body", kind="reminder", patient=alice)
    with django_capture_on_commit_callbacks(execute=True):
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.BOUNCED, last_error="Mailbox full"
        )
        announce(message.pk)
    item = _item(Kind.MESSAGE_FAILED, source=f"messaging.Message:{message.pk}")
    assert "bounced" in item.title and item.body == "Mailbox full"
    assert item.link.endswith(f"?patient={alice.pk}#message-{message.pk}")
    # Sent again: pending, the item stays open (and a second one is never raised).
    with django_capture_on_commit_callbacks(execute=False):
        assert outbox.send_again(message, to="alice.new@example.org")
    work.sync(Kind.MESSAGE_FAILED, [message.pk])
    item.refresh_from_db()
    assert item.is_open and "pending" in item.title
    assert Message.objects.get(pk=message.pk).to == "alice.new@example.org"
    assert outbox.deliver(message.pk) == MessageStatus.SENT
    work.sync(Kind.MESSAGE_FAILED, [message.pk])
    item.refresh_from_db()
    assert item.resolved_at is not None
    # A message to no patient (a notice to an address) is not an inbox item.
    with django_capture_on_commit_callbacks(execute=True):
        other = outbox.queue_email("ops@example.org", "Note", "Body", kind="notice")
        Message.objects.filter(pk=other.pk).update(status=MessageStatus.FAILED)
        announce(other.pk)
    assert not InboxItem.objects.filter(source=f"messaging.Message:{other.pk}").exists()


def test_the_send_again_page_checks_access_and_the_address(
    alice, frontdesk, lindqvist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        message = outbox.queue_email(alice.email, "Hello", "Body", kind="reminder", patient=alice)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
    url = reverse("scheduling:send_again", args=[message.pk])
    assert login(Client(), lindqvist.user).post(url).status_code == 404
    desk = login(Client(), frontdesk)
    response = desk.post(url, {"to": "not an address"}, follow=True)
    assert "is not a valid e-mail address; nothing was sent" in response.content.decode()
    assert Message.objects.get(pk=message.pk).status == MessageStatus.FAILED
    page = desk.get(reverse("scheduling:outbox") + f"?patient={alice.pk}").content.decode()
    assert f'id="message-{message.pk}"' in page and "Send again" in page
    with django_capture_on_commit_callbacks(execute=False):
        desk.post(url, {"to": alice.email})
    assert Message.objects.get(pk=message.pk).status == MessageStatus.QUEUED
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, actor_id=frontdesk.pk, patient_id=alice.pk
    ).exists()


# -- who sees what ----------------------------------------------------------------------


@pytest.fixture
def mixed(in_care, bob, hale, django_capture_on_commit_callbacks):
    """A desk item and a clinical item for Alice (in Dr Hale's care), and a clinical one
    for Bob (in nobody's care)."""
    _done_surgery(in_care, hale, django_capture_on_commit_callbacks)
    desk = InboxItem.objects.get(kind=Kind.FOLLOW_UP, patient=in_care, resolved_at__isnull=True)
    flag = InboxItem.objects.create(
        kind=Kind.RED_FLAG,
        patient=in_care,
        urgency=Urgency.URGENT,
        title="Neuro urgent",
        body="MARKER-RED-FLAG-BODY",
    )
    later = InboxItem.objects.create(
        kind=Kind.DIARY_MISSING, patient=in_care, urgency=Urgency.ROUTINE, title="Diary"
    )
    bobs = InboxItem.objects.create(
        kind=Kind.NIGHT_FAILED, patient=bob, urgency=Urgency.ROUTINE, title="Bob's night"
    )
    return {"desk": desk, "flag": flag, "later": later, "bobs": bobs}


def _page(user) -> str:
    return login(Client(), user).get(reverse("inbox:list")).content.decode()


def test_each_role_sees_its_kinds_of_the_patients_it_may_see(
    mixed, hale, lindqvist, frontdesk, admin_user
):
    ids = {name: f'id="item-{item.pk}"' for name, item in mixed.items()}
    clinician = _page(hale.user)
    assert ids["flag"] in clinician and ids["later"] in clinician
    assert ids["desk"] not in clinician and ids["bobs"] not in clinician
    # Urgent first.
    assert clinician.index(ids["flag"]) < clinician.index(ids["later"])
    other = _page(lindqvist.user)
    assert not any(marker in other for marker in ids.values())
    assert 'id="take-referral"' not in clinician
    for user in (frontdesk, admin_user):
        page = _page(user)
        assert ids["desk"] in page and 'id="take-referral"' in page
        assert ids["flag"] not in page and "MARKER-RED-FLAG-BODY" not in page
        assert ids["bobs"] not in page
    assert work.open_count(hale.user) == 2
    assert work.open_count(lindqvist.user) == 0
    assert work.open_count(frontdesk) == work.open_count(admin_user) == 1


def test_patients_and_researchers_have_no_inbox(mixed, alice, researcher):
    assert login(Client(), alice.user).get(reverse("inbox:list")).status_code == 403
    assert login(Client(), researcher).get(reverse("inbox:list")).status_code == 403
    assert work.open_count(alice.user) == 0


def test_the_badge_is_one_query_whatever_the_kinds(mixed, hale, frontdesk):
    with CaptureQueriesContext(connection) as desk_queries:
        work.open_count(frontdesk)
    assert len(desk_queries) == 1
    with CaptureQueriesContext(connection) as clinician_queries:
        work.open_count(hale.user)
    # One COUNT, plus the access policy's own look at emergency grants.
    assert len(clinician_queries) == 2
    assert sum("COUNT" in q["sql"].upper() for q in clinician_queries.captured_queries) == 1
    page = _page(frontdesk)
    assert '<span class="badge">1</span>' in page.split("<main")[0]


def test_marking_done_is_audited_and_ids_from_elsewhere_answer_404(
    mixed, hale, lindqvist, frontdesk, alice
):
    flag, desk = mixed["flag"], mixed["desk"]
    url = reverse("inbox:acknowledge", args=[flag.pk])
    # Another clinician, the front desk (not their kind) and an unknown id: 404.
    assert login(Client(), lindqvist.user).post(url).status_code == 404
    assert login(Client(), frontdesk).post(url).status_code == 404
    assert (
        login(Client(), hale.user).post(reverse("inbox:acknowledge", args=[999999])).status_code
        == 404
    )
    assert login(Client(), alice.user).post(url).status_code == 403
    flag.refresh_from_db()
    assert flag.is_open
    assert AuditEvent.objects.filter(
        action=Action.DENIED, actor_id=lindqvist.user.pk, patient_id=alice.pk
    ).exists()
    # The front desk marks its item done: who and when, audited, in its history.
    response = login(Client(), frontdesk).post(
        reverse("inbox:acknowledge", args=[desk.pk]), {"kind": Kind.FOLLOW_UP}, follow=True
    )
    assert "Marked done" in response.content.decode()
    desk.refresh_from_db()
    assert desk.acknowledged_by == frontdesk and desk.acknowledged_at is not None
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, actor_id=frontdesk.pk, object_id=str(desk.pk)
    ).exists()
    assert desk.history.filter(acknowledged_by=frontdesk).exists()
    # Done stays done while the cause lasts: the sweep does not reopen it.
    work.sync(Kind.FOLLOW_UP)
    desk.refresh_from_db()
    assert not desk.is_open
    page = _page(frontdesk)
    assert f'id="closed-{desk.pk}"' in page and "Done by" in page


def test_the_periodic_sweep_raises_what_time_alone_brings(
    in_care, hale, django_capture_on_commit_callbacks
):
    """A diary day passing with no entry is noticed by the sweep, not by any save."""
    with django_capture_on_commit_callbacks(execute=False):
        block = blocks.record_block(
            in_care,
            given_on=timezone.localdate() - timedelta(days=1),
            leg="left",
            injections=[{"site": "tibial", "agent": "Lidocaine 1%", "volume_ml": 2.0}],
            given_by=hale.user,
            by=hale.user,
        )
    assert not InboxItem.objects.filter(kind=Kind.DIARY_MISSING).exists()
    from nervepath.inbox.tasks import sweep

    result = sweep.call()
    assert result[Kind.DIARY_MISSING]["opened"] == 1
    assert _item(Kind.DIARY_MISSING).source == f"pathway.NerveBlock:{block.pk}"


def test_admin_lists_inbox_items_read_only_and_only_its_kinds(mixed, admin_user):
    client = login(Client(), admin_user)
    listing = client.get(reverse("admin:inbox_inboxitem_changelist")).content.decode()
    assert f"/admin/inbox/inboxitem/{mixed['desk'].pk}/change/" in listing
    assert f"/admin/inbox/inboxitem/{mixed['flag'].pk}/change/" not in listing
    assert client.get(reverse("admin:inbox_inboxitem_add")).status_code == 403
    flag_url = reverse("admin:inbox_inboxitem_change", args=[mixed["flag"].pk])
    assert client.get(flag_url).status_code in (302, 404)


def test_opening_the_inbox_keeps_the_sweep_queued_and_the_command_runs_it(in_care, hale, frontdesk):
    from django.conf import settings
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    def queued() -> list:
        return list(
            DBTaskResult.objects.filter(
                task_path__endswith="inbox.tasks.sweep", status="READY"
            ).values_list("run_after", flat=True)
        )

    assert queued() == []
    _page(frontdesk)
    (first,) = queued()
    assert first <= timezone.now()  # none was queued: it runs right away
    _page(hale.user)
    assert len(queued()) == 1  # one chain
    DBTaskResult.objects.all().delete()
    from io import StringIO

    out = StringIO()
    call_command("sweep_inbox", stdout=out)
    assert "follow_up: 0 opened" in out.getvalue()
    (later,) = queued()
    minutes = settings.NERVEPATH["INBOX_SWEEP_MINUTES"]
    assert later >= timezone.now() + timedelta(minutes=minutes - 1)
