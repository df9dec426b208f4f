# SPDX-License-Identifier: AGPL-3.0-or-later
"""The inbox's runs on the task worker.

The escalation run: queued for the moment the next urgent item's acknowledgement falls
due (``enqueue_once`` keeps one chain), it escalates every overdue item and queues itself
for the next one still open. The work inbox's sweep: see ``sweep``."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from nervepath.taskqueue import enqueue_once, queued_by


@task()
def escalate_overdue() -> int:
    from nervepath.inbox import services
    from nervepath.inbox.models import InboxItem, Urgency

    try:
        return services.escalate_overdue()
    finally:
        upcoming = (
            InboxItem.objects.filter(
                urgency=Urgency.URGENT,
                acknowledged_at__isnull=True,
                escalated_at__isnull=True,
                ack_due_at__gt=timezone.now(),
            )
            .order_by("ack_due_at")
            .values_list("ack_due_at", flat=True)
            .first()
        )
        if upcoming is not None:
            schedule_escalation(upcoming)


def schedule_escalation(when: datetime) -> None:
    enqueue_once(escalate_overdue, max(when, timezone.now()))


@task()
def sweep() -> dict[str, dict[str, int]]:
    """The work inbox's periodic sweep (``work.sync_all``): raises and closes what time
    alone changes, and catches anything a signal missed. It queues its next run
    ``INBOX_SWEEP_MINUTES`` later, so one run (from the inbox page, the command
    ``nervepath sweep_inbox`` or cron) starts the chain."""
    from nervepath.inbox import work

    try:
        return work.sync_all()
    finally:
        schedule_sweep()


def schedule_sweep(*, soon: bool = False) -> None:
    """Make sure a sweep is queued within the next ``INBOX_SWEEP_MINUTES``; with
    ``soon`` (the inbox page, when none is queued yet) it runs right away."""
    minutes = int(settings.NERVEPATH["INBOX_SWEEP_MINUTES"])
    when = timezone.now() + timedelta(minutes=minutes)
    if queued_by(sweep, when):
        return
    enqueue_once(sweep, timezone.now() if soon else when)
