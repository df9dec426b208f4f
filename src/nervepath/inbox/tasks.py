# SPDX-License-Identifier: AGPL-3.0-or-later
"""The escalation run on the task worker: queued for the moment the next urgent item's
acknowledgement falls due (``enqueue_once`` keeps one chain), it escalates every overdue
item and queues itself for the next one still open."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django_tasks import task

from nervepath.taskqueue import enqueue_once


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
