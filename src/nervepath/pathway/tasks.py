# SPDX-License-Identifier: AGPL-3.0-or-later
"""Background runs of the care pathway: relief-diary reminders and the outcome
questionnaires before post-operative follow-ups.

Relief-diary reminders:

Once a day, at ``NERVEPATH_DIARY_REMINDER_HOUR`` (local time), every patient whose diary
is open and misses a day up to today gets one email, until the diary is complete or
closes (its last day plus ``blocks.DIARY_GRACE_DAYS``). ``NerveBlock.reminded_on`` holds
the day of the last reminder, so a second run the same day (the task and cron, or two
workers) sends nothing more.

The run re-enqueues itself for the next day while any diary is open, and recording a
block starts it; ``nervepath send_diary_reminders`` does the same from cron.

Follow-up questionnaires: a run early on each morning a follow-up's questionnaires fall
due (QUESTIONNAIRE_LEAD_DAYS before it) opens them (``follow_ups.send_questionnaires``)
and queues itself for the next such day; marking a surgery done starts it, and
``nervepath send_follow_up_questionnaires`` does the same from cron. Running it twice
opens nothing twice (``FollowUp.questionnaires_sent_on``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django_tasks import task

from nervepath.accounts import language
from nervepath.messaging.outbox import queue_email
from nervepath.taskqueue import enqueue_once

if TYPE_CHECKING:
    from nervepath.pathway.models import NerveBlock

# Follow-up questionnaires open early in the clinic's morning, with the assessment
# schedules.
QUESTIONNAIRES_AT = time(6, 0)


def _earliest_open_block_day(day: date) -> date:
    """Blocks given before this day have every diary closed by ``day`` (a bound for
    the queries below)."""
    from nervepath.pathway import blocks
    from nervepath.pathway.models import NerveBlock

    longest = NerveBlock.objects.aggregate(longest=Max("diary_days"))["longest"] or 0
    return day - timedelta(days=longest + blocks.DIARY_GRACE_DAYS)


def _reminder_time(day: date) -> datetime:
    hour = min(int(settings.NERVEPATH["DIARY_REMINDER_HOUR"]), 23)
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def send_diary_reminders(today: date | None = None) -> int:
    """Email each patient with an open, incomplete diary (at most once a day per
    diary); return how many emails were queued (each in the transaction that marks the
    diary reminded, so the outbox retries it until it goes out)."""
    from nervepath.pathway import blocks
    from nervepath.pathway.models import NerveBlock

    today = today or timezone.localdate()
    earliest = _earliest_open_block_day(today)
    due = (
        NerveBlock.objects.filter(given_on__lte=today, given_on__gte=earliest)
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
        .filter(patient__user__is_active=True)
        .select_related("patient__user")
        .order_by("pk")
    )
    sent = 0
    for block in due:
        if not blocks.diary_is_open(block, today):
            continue
        missing = blocks.missing_days(block, today)
        if not missing:
            continue
        with transaction.atomic():
            claimed = (
                NerveBlock.objects.filter(pk=block.pk)
                .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
                .update(reminded_on=today)
            )
            if not claimed:
                continue  # another run reminded this diary today
            _send(block, missing, today)
        sent += 1
    return sent


def _send(block: NerveBlock, missing: list[date], today: date) -> None:
    from nervepath.pathway import blocks

    patient = block.patient
    context = {
        "patient": patient,
        "block": block,
        "missing": missing,
        "count": len(missing),
        "closes_on": blocks.diary_closes_on(block),
        "url": settings.SITE_URL + reverse("pathway:diary", args=[block.pk]),
        "clinic": settings.NERVEPATH["CLINIC_NAME"],
    }
    with language.for_patient(patient):
        body = render_to_string("pathway/email/diary_reminder.txt", context)
        subject = ngettext(
            "Your relief diary: %(count)d day to fill",
            "Your relief diary: %(count)d days to fill",
            len(missing),
        ) % {"count": len(missing)}
    queue_email(patient.email, subject, body, kind="diary_reminder", patient=patient)


@task()
def run_diary_reminders() -> int:
    try:
        return send_diary_reminders()
    finally:  # an email that fails to send must not end the daily chain
        enqueue_reminder_run()


def _any_diary_open_from(day: date) -> bool:
    from nervepath.pathway import blocks
    from nervepath.pathway.models import NerveBlock

    earliest = _earliest_open_block_day(day)
    return any(
        blocks.diary_closes_on(b) >= day
        for b in NerveBlock.objects.filter(given_on__gte=earliest).only("given_on", "diary_days")
    )


def enqueue_reminder_run() -> None:
    """Queue the next reminder run (today's hour if still ahead, else tomorrow's) while
    a diary is open then."""
    now = timezone.now()
    when = _reminder_time(timezone.localdate())
    if when <= now:
        when = _reminder_time(timezone.localdate() + timedelta(days=1))
    if not _any_diary_open_from(timezone.localtime(when).date()):
        return
    enqueue_once(run_diary_reminders, when)


@task()
def send_follow_up_questionnaires() -> int:
    from nervepath.pathway.follow_ups import next_questionnaire_day, send_questionnaires

    try:
        return send_questionnaires()
    finally:  # a failure today must not end the chain of runs
        upcoming = next_questionnaire_day()
        if upcoming is not None:
            enqueue_questionnaire_run(upcoming)


def enqueue_questionnaire_run(day: date) -> None:
    """Make sure a run happens on ``day`` (now, when that is today or past)."""
    when = max(
        datetime.combine(day, QUESTIONNAIRES_AT, tzinfo=timezone.get_current_timezone()),
        timezone.now(),
    )
    enqueue_once(send_follow_up_questionnaires, when)
