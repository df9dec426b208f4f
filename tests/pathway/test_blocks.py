# SPDX-License-Identifier: AGPL-3.0-or-later
"""Diagnostic nerve blocks, the relief diary and candidacy: the services, the staff and
portal pages, the daily reminders, who may see what, and the history kept."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.template.loader import get_template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from helpers import login, send_outbox
from nervepath.accounts.models import Role, User
from nervepath.pathway import blocks, tasks
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import CandidacyReview, NerveBlock, ReliefEntry
from nervepath.science.nerves.relief import Verdict

from .conftest import past_visit

DENVER = ZoneInfo("America/Denver")
LIDOCAINE = [
    {"site": "common_peroneal", "agent": "Lidocaine 1%", "volume_ml": 2.0},
    {"site": "tibial", "agent": "Bupivacaine 0.25%", "volume_ml": 3.5},
]


def give_block(patient, clinician, *, days_ago: int = 0, leg: str = "right", **kwargs):
    return blocks.record_block(
        patient,
        given_on=timezone.localdate() - timedelta(days=days_ago),
        leg=leg,
        injections=kwargs.pop("injections", LIDOCAINE),
        given_by=clinician.user,
        by=clinician.user,
        **kwargs,
    )


def fill(block, day_number: int, relief: int, hours: float = 7.0, **kwargs):
    return blocks.save_entry(
        block,
        block.patient,
        day=block.given_on + timedelta(days=day_number - 1),
        relief_pct=relief,
        sleep_hours=hours,
        by=block.patient.user,
        **kwargs,
    )


def nothing_stored() -> bool:
    return not (
        NerveBlock.objects.exists()
        or NerveBlock.history.exists()
        or ReliefEntry.objects.exists()
        or CandidacyReview.objects.exists()
    )


# -- recording a block -------------------------------------------------------------------


def test_recording_a_block_opens_its_diary_and_queues_the_reminder_run(
    in_care, alice, hale, django_capture_on_commit_callbacks, settings
):
    settings.NERVEPATH = {**settings.NERVEPATH, "DIARY_DAYS": 10}
    with django_capture_on_commit_callbacks(execute=True):
        block = give_block(alice, hale, notes="  Good spread on ultrasound.  ")
    block.refresh_from_db()
    assert block.patient == alice
    assert block.diary_days == 10
    assert block.diary_last_day == block.given_on + timedelta(days=9)
    assert block.sites == ["common_peroneal", "tibial"]
    assert block.notes == "Good spread on ultrasound."
    assert block.created_by == hale.user
    assert block.get_absolute_url() == f"/staff/patients/{alice.pk}/blocks/{block.pk}/"
    (run,) = DBTaskResult.objects.filter(task_path=tasks.run_diary_reminders.module_path)
    when = timezone.localtime(run.run_after)
    assert when.hour == 18 and when.minute == 0
    assert when > timezone.now() - timedelta(seconds=5)
    assert when.date() - timezone.localdate() in (timedelta(0), timedelta(days=1))
    # A second block does not start a second chain.
    with django_capture_on_commit_callbacks(execute=True):
        give_block(alice, hale, leg="left")
    assert DBTaskResult.objects.filter(task_path=tasks.run_diary_reminders.module_path).count() == 1


def test_a_block_may_be_linked_to_the_patients_own_visit_only(in_care, alice, bob, hale, clinic):
    own = past_visit(alice, hale, clinic["fort-collins"], "nerve-block", 1)
    block = give_block(alice, hale, days_ago=1, appointment=own)
    assert block.appointment == own
    NerveBlock.objects.all().delete()
    NerveBlock.history.all().delete()
    theirs = past_visit(bob, hale, clinic["fort-collins"], "nerve-block", 1)
    with pytest.raises(PathwayError, match="not one of this patient's"):
        give_block(alice, hale, days_ago=1, appointment=theirs)
    assert nothing_stored()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"days_ago": -1}, "not come yet"),
        ({"leg": "both"}, "leg"),
        ({"injections": []}, "at least one injection"),
        ({"injections": [{"site": "sural", "agent": "Lidocaine", "volume_ml": 2}]}, "tunnels"),
        ({"injections": [{"site": "tibial", "agent": "  ", "volume_ml": 2}]}, "agent"),
        ({"injections": [{"site": "tibial", "agent": "Lidocaine", "volume_ml": 0}]}, "20 mL"),
        ({"injections": [{"site": "tibial", "agent": "Lidocaine", "volume_ml": 25}]}, "20 mL"),
        ({"injections": [{"site": "tibial", "agent": "Lidocaine"}]}, "volume"),
        ({"notes": "x" * 4001}, "4000"),
    ],
)
def test_a_refused_block_stores_nothing(in_care, alice, hale, change, message):
    with pytest.raises(PathwayError, match=message):
        give_block(alice, hale, **change)
    assert nothing_stored()


def test_only_an_active_clinician_gives_a_block(in_care, alice, hale, frontdesk, lindqvist):
    lindqvist.user.is_active = False
    lindqvist.user.save()
    for giver in (frontdesk, alice.user, lindqvist.user):
        with pytest.raises(PathwayError, match="clinicians"):
            blocks.record_block(
                alice,
                given_on=timezone.localdate(),
                leg="left",
                injections=LIDOCAINE,
                given_by=giver,
                by=hale.user,
            )
    assert nothing_stored()


def test_the_staff_form_records_a_block(hale_client, alice, hale, clinic):
    visit = past_visit(alice, hale, clinic["fort-collins"], "nerve-block", 2)
    page = hale_client.get(f"/staff/patients/{alice.pk}/blocks/new/")
    assert page.status_code == 200
    assert "Superficial peroneal nerve (lower third of the leg)" in page.content.decode()
    day = timezone.localdate() - timedelta(days=2)
    response = hale_client.post(
        f"/staff/patients/{alice.pk}/blocks/new/",
        {
            "given_on": day.isoformat(),
            "leg": "left",
            "given_by": hale.user.pk,
            "appointment": visit.pk,
            "site_1": "superficial_peroneal",
            "agent_1": "Lidocaine 1%",
            "volume_1": "2.5",
            "site_2": "tibial",
            "agent_2": "Lidocaine 1%",
            "volume_2": "3",
            "notes": "Numb dorsum within 10 minutes.",
        },
    )
    block = NerveBlock.objects.get()
    assert response.status_code == 302
    assert response["Location"] == block.get_absolute_url()
    assert block.given_on == day
    assert block.leg == "left"
    assert block.appointment == visit
    assert block.injections == [
        {"site": "superficial_peroneal", "agent": "Lidocaine 1%", "volume_ml": 2.5},
        {"site": "tibial", "agent": "Lidocaine 1%", "volume_ml": 3.0},
    ]
    text = hale_client.get(block.get_absolute_url()).content.decode()
    assert "Tibial nerve (soleal sling)" in text
    assert "2.5 mL" in text
    assert "Numb dorsum within 10 minutes." in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"given_on": "FUTURE"}, "has not come yet"),
        ({"agent_1": ""}, "Injection 1: give its site, its agent and its volume"),
        ({"site_1": "", "agent_1": "", "volume_1": ""}, "at least one injection"),
        ({"volume_1": "21"}, "less than or equal to 20"),
        ({"given_by": "999999"}, "Select a valid choice"),
    ],
)
def test_the_staff_form_refuses_bad_input_and_stores_nothing(
    hale_client, alice, hale, change, message
):
    data = {
        "given_on": timezone.localdate().isoformat(),
        "leg": "right",
        "given_by": hale.user.pk,
        "site_1": "common_peroneal",
        "agent_1": "Lidocaine 1%",
        "volume_1": "2",
    }
    data.update(change)
    if data["given_on"] == "FUTURE":
        data["given_on"] = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = hale_client.post(f"/staff/patients/{alice.pk}/blocks/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert nothing_stored()


def test_the_form_offers_only_this_patients_block_visits(hale_client, alice, bob, hale, clinic):
    theirs = past_visit(bob, hale, clinic["fort-collins"], "nerve-block", 1)
    response = hale_client.post(
        f"/staff/patients/{alice.pk}/blocks/new/",
        {
            "given_on": timezone.localdate().isoformat(),
            "leg": "right",
            "given_by": hale.user.pk,
            "appointment": theirs.pk,
            "site_1": "tibial",
            "agent_1": "Lidocaine 1%",
            "volume_1": "2",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert nothing_stored()


# -- the diary ---------------------------------------------------------------------------


def test_the_patient_fills_today_and_a_missed_day_in_the_portal(in_care, alice, hale, alice_client):
    block = give_block(alice, hale, days_ago=3)
    url = f"/portal/diary/{block.pk}/"
    page = alice_client.get(url)
    assert page.status_code == 200
    today = timezone.localdate()
    assert f'value="{today.isoformat()}"' in page.content.decode()  # today by default
    response = alice_client.post(
        url, {"day": today.isoformat(), "relief_pct": "70", "sleep_hours": "6.5", "note": "Slept"}
    )
    assert response.status_code == 302
    missed = block.given_on + timedelta(days=1)
    alice_client.post(url, {"day": missed.isoformat(), "relief_pct": "0", "sleep_hours": "4"})
    entries = {e.day: e for e in ReliefEntry.objects.filter(block=block)}
    assert set(entries) == {today, missed}
    assert entries[today].relief_pct == 70
    assert entries[today].sleep_hours == Decimal("6.5")
    assert entries[today].entered_by == alice.user
    assert entries[missed].relief_pct == 0  # a real zero, filled by the patient
    # The page offers the missed days and shows the empty ones as not filled.
    text = alice_client.get(url).content.decode()
    assert text.count("not filled") == 2  # days 1 and 3
    assert f"?day={block.given_on.isoformat()}" in text
    listing = alice_client.get("/portal/diary/").content.decode()
    assert "2 of 14" in listing and "2 days to fill" in listing
    assert 'href="/portal/diary/"' in listing  # "My diary" in the patients' nav


def test_a_future_day_is_refused_with_a_reason_and_nothing_stored(
    in_care, alice, hale, alice_client
):
    block = give_block(alice, hale, days_ago=1)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = alice_client.post(
        f"/portal/diary/{block.pk}/",
        {"day": tomorrow.isoformat(), "relief_pct": "80", "sleep_hours": "7"},
    )
    assert response.status_code == 400
    assert "not a future one" in response.content.decode()
    assert not ReliefEntry.objects.exists()
    with pytest.raises(PathwayError, match="future"):
        blocks.save_entry(block, alice, day=tomorrow, relief_pct=80, sleep_hours=7, by=alice.user)
    assert not ReliefEntry.objects.exists()


def test_another_patients_diary_is_not_found_and_not_written(
    in_care, alice, bob, hale, alice_client, clinic
):
    past_visit(bob, hale, clinic["fort-collins"], "new-patient", 20)
    theirs = give_block(bob, hale, days_ago=1)
    url = f"/portal/diary/{theirs.pk}/"
    assert alice_client.get(url).status_code == 404
    today = timezone.localdate().isoformat()
    response = alice_client.post(url, {"day": today, "relief_pct": "80", "sleep_hours": "7"})
    assert response.status_code == 404
    assert not ReliefEntry.objects.exists()
    with pytest.raises(PathwayError, match="another patient's block"):
        blocks.save_entry(
            theirs, alice, day=timezone.localdate(), relief_pct=80, sleep_hours=7, by=alice.user
        )
    assert not ReliefEntry.objects.exists()
    assert "Bob" not in alice_client.get("/portal/diary/").content.decode()


@pytest.mark.parametrize(
    ("day_number", "values", "message"),
    [
        (0, {}, "starts on the day of the block"),
        (15, {}, "last day"),
        (1, {"relief_pct": 101}, "0 to 100"),
        (1, {"relief_pct": -5}, "0 to 100"),
        (1, {"relief_pct": True}, "0 to 100"),
        (1, {"relief_pct": 50.5}, "0 to 100"),
        (1, {"sleep_hours": 25}, "between 0 and 24"),
        (1, {"sleep_hours": "lots"}, "between 0 and 24"),
        (1, {"sleep_hours": float("nan")}, "between 0 and 24"),
        (1, {"sleep_quality": 11}, "0 to 10"),
        (1, {"note": "n" * 501}, "500"),
    ],
)
def test_a_refused_diary_day_stores_nothing(in_care, alice, hale, day_number, values, message):
    block = give_block(alice, hale, days_ago=20)
    kwargs = {"relief_pct": 60, "sleep_hours": 7, **values}
    with freeze_time(
        datetime.combine(block.given_on + timedelta(days=15), datetime.min.time(), DENVER)
        + timedelta(hours=12)
    ):
        with pytest.raises(PathwayError, match=message):
            blocks.save_entry(
                block,
                alice,
                day=block.given_on + timedelta(days=day_number - 1),
                by=alice.user,
                **kwargs,
            )
    assert not ReliefEntry.objects.exists()


def test_the_diary_closes_after_its_grace_days(in_care, alice, hale, alice_client):
    block = give_block(alice, hale, days_ago=30)
    last = block.diary_last_day
    noon = datetime.combine(last, datetime.min.time(), DENVER) + timedelta(hours=12)
    with freeze_time(noon + timedelta(days=blocks.DIARY_GRACE_DAYS)):
        fill(block, 14, 60)  # the last day of grace still takes a missed day
    with freeze_time(noon + timedelta(days=blocks.DIARY_GRACE_DAYS + 1)):
        with pytest.raises(PathwayError, match="closed"):
            fill(block, 13, 60)
    assert ReliefEntry.objects.count() == 1
    # Today (long after): the portal shows the diary closed, with no form.
    text = alice_client.get(f"/portal/diary/{block.pk}/").content.decode()
    assert "This diary closed on" in text
    assert 'name="relief_pct"' not in text


def test_filling_a_day_again_edits_it_and_history_keeps_the_old_value(in_care, alice, hale):
    block = give_block(alice, hale, days_ago=2)
    first = fill(block, 1, 30)
    again = fill(block, 1, 80, note="Felt better than I wrote")
    assert again.pk == first.pk
    assert ReliefEntry.objects.count() == 1
    assert ReliefEntry.objects.get().relief_pct == 80
    versions = list(first.history.order_by("history_date").values_list("relief_pct", flat=True))
    assert versions == [30, 80]
    assert first.history.first().history_user == alice.user
    fill(block, 1, 80, note="Felt better than I wrote")  # unchanged: no new version
    assert first.history.count() == 2


def test_missing_days_stay_missing_never_zero(hale_client, alice, hale):
    block = give_block(alice, hale, days_ago=5)
    for number, relief in [(1, 90), (2, 80), (4, 75)]:
        fill(block, number, relief)
    summary = blocks.summary(block)
    assert summary.recorded == 3
    assert summary.missing[:3] == (3, 5, 6)
    assert summary.meaningful == (1, 2, 4)
    assert summary.mean_relief == pytest.approx(81.7)
    assert summary.longest_run == 3  # day 3 bridges, does not count
    text = hale_client.get(block.get_absolute_url()).content.decode()
    assert text.count(">missing</td>") == 3  # days 3, 5 and 6 (today)
    assert text.count(">to come</td>") == 8
    assert ">0 %<" not in text
    assert "Day 3: missing" in text  # the chart marks it, without a bar


def test_five_days_of_relief_mark_a_likely_candidate(hale_client, alice, hale):
    block = give_block(alice, hale, days_ago=8, leg="left")
    for number in range(1, 6):
        fill(block, number, 60)
    fill(block, 6, 20)
    summary = blocks.summary(block)
    assert summary.verdict is Verdict.CANDIDATE
    assert (summary.longest_run, summary.run_first, summary.run_last) == (5, 1, 5)
    text = hale_client.get(block.get_absolute_url()).content.decode()
    assert "Likely surgical candidate" in text
    assert "5 days, days 1 to 5" in text
    standing = blocks.candidacy_by_leg(alice)
    assert list(standing) == ["left"]
    assert standing["left"].candidate and not standing["left"].reviewed
    listing = hale_client.get(f"/staff/patients/{alice.pk}/blocks/").content.decode()
    assert "computed by nervepath, not yet reviewed" in listing


def test_the_clinics_settings_change_the_rule(in_care, alice, hale, settings):
    block = give_block(alice, hale, days_ago=8)
    for number in range(1, 6):
        fill(block, number, 60)
    for number in range(6, 10):
        fill(block, number, 0)
    assert blocks.summary(block).verdict is Verdict.CANDIDATE
    settings.NERVEPATH = {**settings.NERVEPATH, "RELIEF_THRESHOLD": 70}
    stricter = blocks.summary(block)
    assert stricter.meaningful_days == 0
    assert stricter.verdict is Verdict.UNDETERMINED  # days 10 to 14 are still to come
    settings.NERVEPATH = {**settings.NERVEPATH, "RELIEF_THRESHOLD": 50, "CANDIDATE_MIN_DAYS": 7}
    assert blocks.summary(block).verdict is Verdict.NOT_CANDIDATE


# -- the clinician's decision ------------------------------------------------------------


def test_confirming_needs_no_reason_overriding_does(in_care, alice, hale):
    block = give_block(alice, hale, days_ago=8)
    for number in range(1, 7):
        fill(block, number, 65)
    with pytest.raises(PathwayError, match="reason for overriding"):
        blocks.review(block, decision="not_candidate", reason="  ", by=hale.user)
    assert not CandidacyReview.objects.exists()
    confirmed = blocks.review(block, decision="candidate", reason="", by=hale.user)
    assert (confirmed.computed, confirmed.relief_days, confirmed.overrides) == (
        "candidate",
        6,
        False,
    )
    overridden = blocks.review(
        block, decision="not_candidate", reason="Relief matched a course of steroids.", by=hale.user
    )
    assert overridden.pk == confirmed.pk
    assert CandidacyReview.objects.count() == 1
    assert overridden.overrides
    old = list(overridden.history.order_by("history_date").values_list("decision", flat=True))
    assert old == ["candidate", "not_candidate"]
    assert blocks.candidacy_by_leg(alice)["right"].verdict == "not_candidate"


def test_an_undetermined_diary_needs_a_reason_either_way(in_care, alice, hale):
    block = give_block(alice, hale, days_ago=2)
    fill(block, 1, 90)
    assert blocks.summary(block).verdict is Verdict.UNDETERMINED
    for decision in ("candidate", "not_candidate"):
        with pytest.raises(PathwayError, match="does not decide yet"):
            blocks.review(block, decision=decision, reason="", by=hale.user)
    assert not CandidacyReview.objects.exists()
    made = blocks.review(
        block, decision="candidate", reason="Relief obvious in clinic.", by=hale.user
    )
    assert (made.computed, made.relief_days) == ("undetermined", 1)


def test_only_a_clinician_decides_and_only_known_decisions(in_care, alice, hale, frontdesk):
    block = give_block(alice, hale)
    with pytest.raises(PathwayError, match="Only a clinician"):
        blocks.review(block, decision="candidate", reason="why not", by=frontdesk)
    with pytest.raises(PathwayError, match="Choose"):
        blocks.review(block, decision="maybe", reason="why not", by=hale.user)
    assert not CandidacyReview.objects.exists()


def test_the_review_form_on_the_block_page(hale_client, alice, hale):
    block = give_block(alice, hale, days_ago=13)
    for number in range(1, 15):
        fill(block, number, 10)
    url = block.get_absolute_url()
    assert 'class="verdict not_candidate">Not a candidate' in hale_client.get(url).content.decode()
    refused = hale_client.post(url, {"decision": "candidate", "reason": ""})
    assert refused.status_code == 400
    assert "Give a reason for overriding" in refused.content.decode()
    assert not CandidacyReview.objects.exists()
    done = hale_client.post(
        url, {"decision": "candidate", "reason": "Diary filled for the wrong leg; MARKER"}
    )
    assert done.status_code == 302
    review = CandidacyReview.objects.get()
    assert (review.decision, review.computed, review.decided_by) == (
        "candidate",
        "not_candidate",
        hale.user,
    )
    text = hale_client.get(url).content.decode()
    assert "overriding nervepath's verdict then (not a candidate)" in text
    hale_client.post(url, {"decision": "not_candidate", "reason": ""})
    text = hale_client.get(url).content.decode()
    assert "Earlier decisions (1)" in text
    assert "Diary filled for the wrong leg; MARKER" in text


# -- reminders ---------------------------------------------------------------------------


def at_local(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), DENVER) + timedelta(hours=hour)


def test_reminders_go_out_once_a_day_until_the_diary_is_done(in_care, alice, hale):
    start = date(2027, 3, 1)
    with freeze_time(at_local(start, 9)):
        block = give_block(alice, hale)
    mail.outbox.clear()
    with freeze_time(at_local(start, 18)):
        assert tasks.send_diary_reminders() == 1
        assert tasks.send_diary_reminders() == 0  # not twice a day
        send_outbox()
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert "1 day to fill" in message.subject
    assert f"/portal/diary/{block.pk}/" in message.body
    assert "Monday, March 1" in message.body
    block.refresh_from_db()
    assert block.reminded_on == start
    with freeze_time(at_local(start + timedelta(days=1), 18)):
        fill(block, 1, 50)
        assert tasks.send_diary_reminders() == 1  # day 2 still empty
        send_outbox()
        assert "Tuesday, March 2" in mail.outbox[-1].body
        assert "Monday, March 1" not in mail.outbox[-1].body
        fill(block, 2, 50)
    with freeze_time(at_local(start + timedelta(days=2), 8)):
        fill(block, 3, 50)  # filled before the reminder hour: nothing to remind
    with freeze_time(at_local(start + timedelta(days=2), 18)):
        assert tasks.send_diary_reminders() == 0
    # The patient fills the rest day by day; no reminder while nothing is missing.
    for number in range(4, 15):
        with freeze_time(at_local(start + timedelta(days=number - 1), 12)):
            fill(block, number, 40)
        with freeze_time(at_local(start + timedelta(days=number - 1), 18)):
            assert tasks.send_diary_reminders() == 0
    assert len(mail.outbox) == 2


def test_reminders_stop_when_the_diary_closes(in_care, alice, hale):
    start = date(2027, 5, 3)
    with freeze_time(at_local(start, 9)):
        block = give_block(alice, hale)
    mail.outbox.clear()
    closes = blocks.diary_closes_on(block)
    assert closes == start + timedelta(days=13 + blocks.DIARY_GRACE_DAYS)
    with freeze_time(at_local(closes, 18)):
        assert tasks.send_diary_reminders() == 1  # still open: the grace days
        send_outbox()
    with freeze_time(at_local(closes + timedelta(days=1), 18)):
        assert tasks.send_diary_reminders() == 0
    assert len(mail.outbox) == 1


def test_the_reminder_task_requeues_itself_and_the_command_sends(in_care, alice, hale):
    start = date(2027, 6, 7)
    with freeze_time(at_local(start, 9)):
        give_block(alice, hale)
    mail.outbox.clear()
    with freeze_time(at_local(start, 18) + timedelta(minutes=1)):
        out = io.StringIO()
        call_command("send_diary_reminders", stdout=out)
        assert "Sent 1 diary reminder(s)." in out.getvalue()
        send_outbox()
        assert tasks.run_diary_reminders.call() == 0  # already reminded today
        queued = DBTaskResult.objects.get(task_path=tasks.run_diary_reminders.module_path)
        assert timezone.localtime(queued.run_after) == at_local(start + timedelta(days=1), 18)
    assert len(mail.outbox) == 1
    # Once every diary has closed the chain ends.
    DBTaskResult.objects.all().delete()
    with freeze_time(at_local(start + timedelta(days=30), 18) + timedelta(minutes=1)):
        tasks.run_diary_reminders.call()
    assert not DBTaskResult.objects.exists()


# -- who may see what --------------------------------------------------------------------


def test_front_desk_gets_403_and_changes_nothing(in_care, alice, hale, frontdesk, client):
    block = give_block(alice, hale)
    login(client, frontdesk)
    for url in (
        f"/staff/patients/{alice.pk}/blocks/",
        f"/staff/patients/{alice.pk}/blocks/new/",
        block.get_absolute_url(),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"decision": "candidate", "reason": "x"}).status_code == 403
    assert NerveBlock.objects.count() == 1
    assert not CandidacyReview.objects.exists()
    assert client.get("/portal/diary/").status_code == 404  # no record of her own


def test_a_clinician_outside_her_care_gets_404(in_care, alice, hale, lindqvist, client):
    block = give_block(alice, hale)
    login(client, lindqvist.user)
    for url in (f"/staff/patients/{alice.pk}/blocks/new/", block.get_absolute_url()):
        assert client.get(url).status_code == 404
        assert client.post(url, {"decision": "candidate", "reason": "x"}).status_code == 404
    assert not CandidacyReview.objects.exists()


def test_a_block_is_looked_up_within_the_patient_in_the_url(hale_client, alice, bob, hale, clinic):
    past_visit(bob, hale, clinic["fort-collins"], "new-patient", 10)
    theirs = give_block(bob, hale, notes="Bob's block")
    url = f"/staff/patients/{alice.pk}/blocks/{theirs.pk}/"
    assert hale_client.get(url).status_code == 404
    assert hale_client.post(url, {"decision": "candidate", "reason": "x"}).status_code == 404
    assert not CandidacyReview.objects.exists()


def test_a_patient_typing_a_staff_url_gets_404(in_care, alice, hale, alice_client):
    block = give_block(alice, hale)
    assert alice_client.get(block.get_absolute_url()).status_code == 404
    assert alice_client.get(f"/staff/patients/{alice.pk}/blocks/").status_code == 404


def test_every_change_is_in_the_record_history_for_clinicians(hale_client, alice, hale):
    response = hale_client.post(
        f"/staff/patients/{alice.pk}/blocks/new/",
        {
            "given_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "leg": "right",
            "given_by": hale.user.pk,
            "site_1": "tibial",
            "agent_1": "Lidocaine 1%",
            "volume_1": "2",
        },
    )
    assert response.status_code == 302
    block = NerveBlock.objects.get()
    fill(block, 1, 40)
    fill(block, 1, 45)
    blocks.review(block, decision="not_candidate", reason="Too early to say.", by=hale.user)
    assert block.history.get().history_user == hale.user
    record = hale_client.get(f"/staff/patients/{alice.pk}/")
    text = record.content.decode()
    assert f'href="/staff/patients/{alice.pk}/blocks/"' in text
    assert f'href="/staff/patients/{alice.pk}/blocks/new/"' in text
    assert "nerve block" in text.lower()
    assert "relief entry" in text.lower()
    assert "relief_pct" in text  # the edited field is named
    assert "candidacy review" in text.lower()


def test_clinicians_choose_the_giver_among_active_clinicians(hale_client, alice, hale, lindqvist):
    User.objects.filter(pk=lindqvist.user.pk).update(is_active=False)
    text = hale_client.get(f"/staff/patients/{alice.pk}/blocks/new/").content.decode()
    assert hale.user.get_full_name() in text
    assert lindqvist.user.get_full_name() not in text
    assert not User.objects.filter(role=Role.CLINICIAN, pk=alice.user.pk).exists()
    other = Client()
    assert other.get(f"/staff/patients/{alice.pk}/blocks/new/").status_code == 302


def test_the_diary_list_tells_open_complete_and_closed(in_care, alice, hale, alice_client):
    open_one = give_block(alice, hale, days_ago=1)
    complete = give_block(alice, hale, days_ago=13, leg="left")
    for number in range(1, 15):
        fill(complete, number, 30)
    closed = give_block(alice, hale, days_ago=40)
    text = alice_client.get("/portal/diary/").content.decode()
    assert text.count("Open until") == 1 and "2 days to fill" in text
    assert "Complete" in text and "14 of 14" in text
    assert "Closed" in text and "0 of 14" in text
    for block in (open_one, complete, closed):
        assert f'href="/portal/diary/{block.pk}/"' in text


def test_a_time_of_day_is_not_a_day(in_care, alice, hale):
    with pytest.raises(PathwayError, match="day of the block"):
        blocks.record_block(
            alice,
            given_on=timezone.now(),
            leg="right",
            injections=LIDOCAINE,
            given_by=hale.user,
            by=hale.user,
        )
    assert nothing_stored()


# -- review fixes ------------------------------------------------------------------------


def test_a_linked_visit_on_another_day_is_refused(hale_client, alice, hale, clinic):
    visit = past_visit(alice, hale, clinic["fort-collins"], "nerve-block", 2)
    visit_day = visit.local_start.date()
    with pytest.raises(PathwayError) as refused:
        give_block(alice, hale, days_ago=0, appointment=visit)
    assert str(refused.value) == (
        f"The linked visit is on {visit_day:%b %-d, %Y}; the block date must be the visit's day."
    )
    assert nothing_stored()
    response = hale_client.post(
        f"/staff/patients/{alice.pk}/blocks/new/",
        {
            "given_on": (visit_day - timedelta(days=1)).isoformat(),
            "leg": "right",
            "given_by": hale.user.pk,
            "appointment": visit.pk,
            "site_1": "tibial",
            "agent_1": "Lidocaine 1%",
            "volume_1": "2",
        },
    )
    assert response.status_code == 400
    assert f"The linked visit is on {visit_day:%b %-d, %Y}" in response.content.decode()
    assert nothing_stored()


def _many_blocks(patient, clinician, count: int) -> None:
    for i in range(count):
        block = give_block(patient, clinician, days_ago=2 + i, leg=("right", "left")[i % 2])
        fill(block, 1, 80)
        fill(block, 2, 60)
        if i % 2 == 0:
            blocks.review(block, decision="not_candidate", reason="Too soon", by=clinician.user)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_block_list_reads_the_same_queries_for_one_block_or_six(
    hale_client, alice, bob, hale, clinic, django_assert_max_num_queries
):
    past_visit(bob, hale, clinic["fort-collins"], "new-patient", 20)
    _many_blocks(alice, hale, 1)
    _many_blocks(bob, hale, 6)
    one = _queries(hale_client, f"/staff/patients/{alice.pk}/blocks/")
    with django_assert_max_num_queries(one):
        text = hale_client.get(f"/staff/patients/{bob.pk}/blocks/").content.decode()
    assert text.count("2 of 14 days") == 6
    assert f"decided by {hale.user.get_full_name()}" in text


def test_the_diary_list_reads_the_same_queries_for_one_block_or_six(
    client, alice, bob, hale, clinic, in_care, django_assert_max_num_queries
):
    past_visit(bob, hale, clinic["fort-collins"], "new-patient", 20)
    _many_blocks(alice, hale, 1)
    _many_blocks(bob, hale, 6)
    login(client, alice.user)
    one = _queries(client, "/portal/diary/")
    login(client, bob.user)
    with django_assert_max_num_queries(one):
        text = client.get("/portal/diary/").content.decode()
    assert text.count("2 of 14") == 6


def test_the_diary_form_says_the_sleep_is_the_night_after_the_day(
    in_care, alice, hale, alice_client
):
    block = give_block(alice, hale, days_ago=1)
    text = alice_client.get(f"/portal/diary/{block.pk}/").content.decode()
    assert (
        "Hours you slept the night after this day "
        "(you can come back tomorrow morning to add or correct it)"
    ) in text
    assert "Hours you slept that night" not in text
    assert "come back the next morning to correct them" in text


def test_a_diary_not_begun_says_when_it_opens_and_a_closed_one_that_it_closed(
    in_care, alice, hale, alice_client
):
    # A block dated ahead (written directly: recording one refuses a day to come).
    ahead = NerveBlock.objects.create(
        patient=alice,
        given_on=timezone.localdate() + timedelta(days=2),
        leg="right",
        injections=LIDOCAINE,
        given_by=hale.user,
        diary_days=14,
    )
    text = alice_client.get(f"/portal/diary/{ahead.pk}/").content.decode()
    assert f"Your diary opens on the day of the block, {ahead.given_on:%A, %B %-d}" in text
    assert "closed on" not in text and 'name="relief_pct"' not in text
    closed = give_block(alice, hale, days_ago=40)
    text = alice_client.get(f"/portal/diary/{closed.pk}/").content.decode()
    assert "This diary closed on" in text and "opens on" not in text


def test_every_pathway_page_loads_the_one_pathway_stylesheet() -> None:
    root = Path(blocks.__file__).parent / "templates" / "pathway"
    assert sorted(p.name for p in (root.parent.parent / "static" / "pathway").iterdir()) == [
        "pathway.css"
    ]
    pages = []
    for path in sorted(root.rglob("*.html")):
        text = path.read_text()
        for name in re.findall(r'{% (?:include|extends) "([^"]+)"', text):
            get_template(name)  # every partial referred to is there
        for name in re.findall(r"{% static '([^']+)' %}", text):
            assert finders.find(name), f"{path.name} refers to a missing {name}"
        if '{% extends "base.html" %}' in text:
            pages.append(path.relative_to(root).as_posix())
            assert '{% block head %}{% include "pathway/_head.html" %}{% endblock %}' in text, path
    assert {"therapy/list.html", "medications/list.html", "surgery/follow_ups.html"} <= set(pages)
    assert "pathway/pathway.css" in (root / "_head.html").read_text()
