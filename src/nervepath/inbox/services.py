# SPDX-License-Identifier: AGPL-3.0-or-later
"""Raising inbox items from red flags, alerting the people who must act, acknowledging
and escalating.

- An urgent flag (e.g. progressive weakness, slurred speech, trouble swallowing) becomes
  an urgent item at once, and a message goes to each clinician caring for the patient
  (the access policy's care sources say who) during clinic hours, or to the on-call
  address outside them (or when no clinician cares for the patient yet).
- A non-urgent flag (iron, possible augmentation, sciatica pattern, diabetes) becomes an
  item for the next visit, without a message.
- An urgent item not acknowledged within ``URGENT_ACK_MINUTES`` is escalated once to the
  admin address by the task worker (``tasks.escalate_overdue``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from nervepath.access import alerts, care
from nervepath.accounts.models import Patient, Role, User
from nervepath.inbox.mail import send_message
from nervepath.inbox.models import InboxItem, Kind, Urgency

logger = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def config() -> dict[str, Any]:
    return dict(settings.NERVEPATH)


def ack_minutes() -> int:
    return int(config()["URGENT_ACK_MINUTES"])


def clinic_hours() -> tuple[time, time, set[int]]:
    """Opening time, closing time and weekdays (0 = Monday), from
    ``NERVEPATH_CLINIC_HOURS`` ("08:00-17:00") and ``NERVEPATH_CLINIC_DAYS``."""
    start, end = config()["CLINIC_HOURS"].split("-")
    days = {DAYS.index(d) for d in config()["CLINIC_DAYS"]}
    return time.fromisoformat(start), time.fromisoformat(end), days


def in_clinic_hours(when: datetime) -> bool:
    local = timezone.localtime(when)
    start, end, days = clinic_hours()
    return local.weekday() in days and start <= local.time() < end


def care_team(patient_id: int) -> list[User]:
    """The active clinicians caring for the patient, as the access policy's care sources
    say (visits, care assignments)."""
    return [
        user
        for user in User.objects.filter(role=Role.CLINICIAN, is_active=True).order_by("pk")
        if Patient.objects.filter(care.care_reach(user), pk=patient_id).exists()
    ]


def admin_addresses() -> list[str]:
    configured = config().get("ALERT_ADMIN_EMAIL") or ""
    if configured:
        return [configured]
    return alerts.admin_addresses()


def raise_flags(patient: Patient, flags: Iterable[Any], *, source: str) -> list[InboxItem]:
    """One item per flag (a flag already raised from the same source is not raised
    again); urgent ones are alerted once the transaction commits."""
    made = []
    now = timezone.now()
    for flag in flags:
        urgent = flag.severity == "urgent"
        item, created = InboxItem.objects.get_or_create(
            source=source,
            code=flag.code,
            defaults={
                "patient": patient,
                "kind": Kind.RED_FLAG if urgent else Kind.FLAG,
                "urgency": Urgency.URGENT if urgent else Urgency.NEXT_VISIT,
                "title": flag.code.replace("_", " ").capitalize(),
                "body": f"{flag.message}\n\nRule: {flag.source}",
                "ack_due_at": now + timedelta(minutes=ack_minutes()) if urgent else None,
            },
        )
        if created:
            made.append(item)
            if urgent:
                transaction.on_commit(partial(alert, item.pk))
    return made


def _link() -> str:
    return settings.SITE_URL + reverse("inbox:list")


def alert(item_id: int) -> list[str]:
    """Message the care team (clinic hours) or the on-call address; returns who."""
    from nervepath.inbox.tasks import schedule_escalation

    item = InboxItem.objects.select_related("patient").get(pk=item_id)
    now = timezone.now()
    team = [u.email for u in care_team(item.patient_id) if u.email]
    on_call = config().get("ON_CALL_EMAIL") or ""
    if in_clinic_hours(now) and team:
        to = team
    else:
        to = [on_call] if on_call else team
    clinic = config()["CLINIC_NAME"]
    subject = f"Urgent red flag for patient record {item.patient_id}"
    body = (
        f"A patient (record {item.patient_id}) reported an urgent red flag at "
        f"{timezone.localtime(item.created_at):%Y-%m-%d %H:%M} ({clinic}).\n\n"
        f"Read it and acknowledge it in the staff inbox: {_link()}\n"
        f"Unacknowledged after {ack_minutes()} minutes it is escalated to the clinic's "
        "administrator.\n"
    )
    try:
        send_message(to, subject, body)
    except Exception:
        logger.exception("Could not send the alert for inbox item %s", item.pk)
    InboxItem.objects.filter(pk=item.pk).update(
        alerted=f"{', '.join(to) or 'no address'} at {now:%Y-%m-%d %H:%M} UTC"
    )
    if item.ack_due_at is not None:
        schedule_escalation(item.ack_due_at)
    return to


def acknowledge(item: InboxItem, user: User) -> bool:
    """Record who acknowledged the item and when; False when it already was."""
    with transaction.atomic():
        locked = InboxItem.objects.select_for_update().get(pk=item.pk)
        if locked.acknowledged_at is not None:
            return False
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = user
        locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return True


def escalate_overdue(now: datetime | None = None) -> int:
    """Escalate every urgent item past its acknowledgement time, once; returns how many."""
    now = now or timezone.now()
    count = 0
    due = InboxItem.objects.filter(
        urgency=Urgency.URGENT,
        acknowledged_at__isnull=True,
        escalated_at__isnull=True,
        ack_due_at__lte=now,
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            item = (
                InboxItem.objects.select_for_update()
                .filter(pk=pk, acknowledged_at__isnull=True, escalated_at__isnull=True)
                .first()
            )
            if item is None:
                continue
            item.escalated_at = now
            item.save(update_fields=["escalated_at"])
        to = admin_addresses()
        try:
            send_message(
                to,
                f"Escalated: urgent red flag for record {item.patient_id} not acknowledged",
                f"An urgent red flag for patient record {item.patient_id}, raised at "
                f"{timezone.localtime(item.created_at):%Y-%m-%d %H:%M}, was not acknowledged "
                f"within {ack_minutes()} minutes.\n\nSee the staff inbox: {_link()}\n",
            )
        except Exception:
            logger.exception("Could not send the escalation of inbox item %s", item.pk)
        count += 1
    return count


def open_count(user: Any) -> int:
    """Open items the user may act on (the navigation badge; see ``work``)."""
    from nervepath.inbox import work

    return work.open_count(user)
