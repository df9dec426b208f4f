# SPDX-License-Identifier: AGPL-3.0-or-later
"""The pathway's kinds of work inbox items (issue 18; ``inbox.work``):

- **follow-ups to book** (front desk): a follow-up of a done surgery still to book, once
  its booking window opens within ``INBOX_FOLLOW_UP_LEAD_DAYS`` (overdue ones included);
  it closes itself when the follow-up is booked (or done, or cancelled);
- **relief diaries missing days** (clinicians): a diary still open that misses a day
  before today (today's entry may still come); it closes itself when the days are filled
  or the diary closes (the block page then shows the verdict with its missing days).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from nervepath.inbox import work
from nervepath.inbox.models import Kind


def follow_ups(only: Collection[int] | None) -> Iterator[work.Cause]:
    from nervepath.pathway.models import FollowUp, FollowUpStatus, SurgeryStatus

    today = timezone.localdate()
    ahead = timedelta(
        days=settings.NERVEPATH["FOLLOW_UP_WINDOW_DAYS"]
        + settings.NERVEPATH["INBOX_FOLLOW_UP_LEAD_DAYS"]
    )
    rows = FollowUp.objects.filter(
        status=FollowUpStatus.TO_BOOK,
        surgery__status=SurgeryStatus.DONE,
        due_on__lte=today + ahead,
    )
    if only is not None:
        rows = rows.filter(pk__in=only)
    for f in rows.only("pk", "patient_id", "label", "due_on"):
        opens, closes = f.window
        yield work.Cause(
            pk=f.pk,
            patient_id=f.patient_id,
            title=f"{f.label} follow-up visit to book (due {f.due_on:%b %-d, %Y})",
            body=f"Book it between {opens:%b %-d} and {closes:%b %-d, %Y}.",
            link=reverse("pathway:follow_up_book", args=[f.pk]),
        )


def diaries(only: Collection[int] | None) -> Iterator[work.Cause]:
    from nervepath.pathway import blocks
    from nervepath.pathway.models import NerveBlock
    from nervepath.pathway.tasks import _earliest_open_block_day

    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    rows = NerveBlock.objects.filter(
        given_on__lte=yesterday, given_on__gte=_earliest_open_block_day(today)
    ).prefetch_related("diary")
    if only is not None:
        rows = rows.filter(pk__in=only)
    for block in rows:
        if not blocks.diary_is_open(block, today):
            continue
        missing = blocks.missing_days(block, yesterday, entries=block.diary.all())
        if not missing:
            continue
        days = ", ".join(f"{d:%b %-d}" for d in missing[:7]) + ("…" if len(missing) > 7 else "")
        yield work.Cause(
            pk=block.pk,
            patient_id=block.patient_id,
            title=f"Relief diary misses {len(missing)} day(s)",
            body=f"Days without an entry: {days}. The diary closes on "
            f"{blocks.diary_closes_on(block):%b %-d, %Y}.",
            link=reverse("pathway:block", args=[block.patient_id, block.pk]),
        )


def _follow_up_saved(sender: object, instance: models.Model, **kwargs: object) -> None:
    if not kwargs.get("raw"):
        work.refresh(Kind.FOLLOW_UP, [instance.pk])


def _diary_saved(sender: object, instance: models.Model, **kwargs: object) -> None:
    if kwargs.get("raw"):
        return
    block_id = getattr(instance, "block_id", None) or instance.pk
    work.refresh(Kind.DIARY_MISSING, [block_id])


def connect() -> None:
    from nervepath.pathway.models import FollowUp, NerveBlock, ReliefEntry

    work.register(Kind.FOLLOW_UP, "pathway.FollowUp", follow_ups)
    work.register(Kind.DIARY_MISSING, "pathway.NerveBlock", diaries)
    post_save.connect(_follow_up_saved, sender=FollowUp, dispatch_uid="inbox_follow_up")
    post_save.connect(_diary_saved, sender=ReliefEntry, dispatch_uid="inbox_relief_entry")
    post_save.connect(_diary_saved, sender=NerveBlock, dispatch_uid="inbox_nerve_block")
