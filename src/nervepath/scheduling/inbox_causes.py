# SPDX-License-Identifier: AGPL-3.0-or-later
"""The front desk's kinds of work inbox items that scheduling owns (issue 18;
``inbox.work``):

- **waitlist offers pending**: a slot held for a waiting patient who has not answered
  yet; the desk may call them before the hold lapses. Closes itself when the patient
  accepts or declines, or the hold lapses.
- **messages that failed**: a message to a patient that failed for good, was refused by
  the provider or bounced. It links to the patient's messages, where staff send it
  again (to a corrected address); it closes itself once that sends, and stays open while
  the new attempt is pending (and if it fails again). Notices to no patient stay on the
  Messages page, for administrators.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from nervepath.inbox import work
from nervepath.inbox.models import Kind
from nervepath.messaging.models import GAVE_UP, PENDING


def waitlist_offers(only: Collection[int] | None) -> Iterator[work.Cause]:
    from nervepath.scheduling.models import Status, WaitlistEntry, WaitlistStatus

    rows = WaitlistEntry.objects.filter(
        status=WaitlistStatus.OFFERED, offered_appointment__status=Status.HELD
    ).select_related("offered_appointment__location", "appointment_type")
    if only is not None:
        rows = rows.filter(pk__in=only)
    for entry in rows:
        held = entry.offered_appointment
        assert held is not None
        tz = held.location.tz
        until = (
            f" The hold lapses at {held.hold_expires_at.astimezone(tz):%b %-d %-I:%M %p}."
            if held.hold_expires_at
            else ""
        )
        yield work.Cause(
            pk=entry.pk,
            patient_id=entry.patient_id,
            title=f"Waitlist offer not answered yet: {entry.appointment_type} on "
            f"{held.starts_at.astimezone(tz):%a %b %-d, %-I:%M %p}",
            body=f"The patient was offered this time and has not answered.{until}",
            link=reverse("scheduling:staff_appointment", args=[held.pk]),
        )


def failed_messages(only: Collection[int] | None) -> Iterator[work.Cause]:
    from nervepath.messaging.models import Message

    rows = Message.objects.filter(patient__isnull=False, status__in=[*GAVE_UP, *PENDING])
    if only is not None:
        rows = rows.filter(pk__in=only)
    else:
        # A pending message only keeps an item open (sent again); the sweep need not
        # read every queued message, only those that have an item.
        rows = rows.filter(status__in=GAVE_UP) | rows.filter(
            pk__in=_with_items(), status__in=PENDING
        )
    for message in rows.only(
        "pk", "patient_id", "channel", "kind", "status", "created_at", "last_error"
    ):
        assert message.patient_id is not None
        gave_up = message.status in GAVE_UP
        yield work.Cause(
            pk=message.pk,
            patient_id=message.patient_id,
            title=f"{message.get_channel_display()} ({message.kind.replace('_', ' ')}) of "
            f"{timezone.localtime(message.created_at):%b %-d} "
            + (message.get_status_display().lower() if gave_up else "sent again, pending"),
            body=message.last_error if gave_up else "",
            link=reverse("scheduling:outbox")
            + f"?patient={message.patient_id}#message-{message.pk}",
            new=gave_up,
        )


def _with_items() -> list[int]:
    from nervepath.inbox.models import InboxItem

    sources = InboxItem.objects.filter(
        kind=Kind.MESSAGE_FAILED, resolved_at__isnull=True
    ).values_list("source", flat=True)
    return [int(s.rsplit(":", 1)[1]) for s in sources]


def _messages_changed(sender: Any, message_ids: list[int], **kwargs: Any) -> None:
    work.refresh(Kind.MESSAGE_FAILED, message_ids)


def _appointment_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An offer is answered or lapses through its held visit (and the waitlist row is
    updated in bulk, without a signal of its own): look at the patient's entries."""
    if kwargs.get("raw") or instance.patient_id is None:
        return
    from nervepath.scheduling.models import WaitlistEntry

    ids = list(
        WaitlistEntry.objects.filter(patient_id=instance.patient_id).values_list("pk", flat=True)
    )
    work.refresh(Kind.WAITLIST_OFFER, ids)


def _entry_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        work.refresh(Kind.WAITLIST_OFFER, [instance.pk])


def connect() -> None:
    from nervepath.messaging.signals import status_changed
    from nervepath.scheduling.models import Appointment, WaitlistEntry

    work.register(Kind.WAITLIST_OFFER, "scheduling.WaitlistEntry", waitlist_offers)
    work.register(Kind.MESSAGE_FAILED, "messaging.Message", failed_messages)
    post_save.connect(_entry_saved, sender=WaitlistEntry, dispatch_uid="inbox_waitlist_entry")
    post_save.connect(_appointment_saved, sender=Appointment, dispatch_uid="inbox_waitlist_hold")
    status_changed.connect(_messages_changed, dispatch_uid="inbox_messages")
