# SPDX-License-Identifier: AGPL-3.0-or-later
"""The outbox: every message the clinic sends is a ``Message`` row written in the
transaction of the change that causes it, and the task worker sends it.

- ``queue_email`` / ``queue_text`` write the row and, in the same transaction, a task
  (``tasks.deliver_message``) due now; nothing is sent before the change commits and
  nothing is lost if the process dies after it.
- Right after the commit one attempt is made in the process that queued it, so a
  confirmation reaches the patient at once; it is skipped while the channel has
  messages failing (the provider is known to be down), so no request waits on a dead
  server. Either way the worker's task is there.
- ``deliver`` claims the row (queued or failing and due; or sending with a lapsed
  claim), sends it, and records the outcome: ``sent`` only after the provider accepted
  it; ``refused`` when the provider says the address or number will never work;
  otherwise ``failing`` with the next attempt after an exponential back-off, and
  ``failed`` for good after ``OUTBOX_MAX_ATTEMPTS`` attempts.
- A success pulls the channel's failing messages forward, so when a server returns
  the backlog goes out in minutes, not at each message's next back-off.

A message goes out once: the claim is one conditional UPDATE, so two workers (or the
worker and the first attempt) never both send it. The one exception is a worker that dies
after the provider accepted a message and before the row says so: after the claim lapses
(``OUTBOX_CLAIM_SECONDS``) the message is sent again (at least once rather than lost).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from nervepath.messaging import signals
from nervepath.messaging.models import GAVE_UP, Channel, Message, MessageStatus

log = logging.getLogger(__name__)


class Refused(Exception):
    """The provider will never take this message (a refused address or number): no retry."""


def _setting(name: str) -> int:
    value: object = dict(settings.NERVEPATH)[name]
    return int(str(value))


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: RETRY_SECONDS doubled each time,
    at most RETRY_MAX_SECONDS."""
    base = _setting("OUTBOX_RETRY_SECONDS")
    ceiling = _setting("OUTBOX_RETRY_MAX_SECONDS")
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), ceiling))


def queue_email(
    to: str,
    subject: str,
    body: str,
    *,
    kind: str,
    patient: Any = None,
    attachment: tuple[str, bytes, str] | None = None,
) -> Message:
    """Queue one e-mail (``attachment``: file name, bytes, MIME type)."""
    name, data, mime = attachment or ("", b"", "")
    return _queue(
        Message(
            channel=Channel.EMAIL,
            kind=kind,
            to=to,
            patient=patient,
            subject=subject[:255],
            body=body,
            attachment_name=name,
            attachment=data,
            attachment_type=mime,
        )
    )


def queue_text(to: str, body: str, *, kind: str, patient: Any = None) -> Message:
    """Queue one text message to an E.164 number."""
    return _queue(Message(channel=Channel.TEXT, kind=kind, to=to, patient=patient, body=body))


def _queue(message: Message) -> Message:
    from nervepath.messaging import tasks

    now = timezone.now()
    message.created_at = now
    message.next_attempt_at = now
    with transaction.atomic():
        message.save()
        tasks.deliver_message.using(run_after=now).enqueue(message.pk)
        if not channel_is_failing(message.channel):
            pk = message.pk
            transaction.on_commit(lambda: first_attempt(pk))
    return message


def channel_is_failing(channel: str) -> bool:
    return Message.objects.filter(channel=channel, status=MessageStatus.FAILING).exists()


def first_attempt(pk: int) -> None:
    """The attempt right after the commit: whatever goes wrong, the worker tries again, and
    the change that queued the message stands."""
    try:
        deliver(pk)
    except Exception:  # the database itself: the worker's task is still queued
        log.exception("First attempt at message %s failed; the worker will retry", pk)


def _claimable(now: datetime) -> Q:
    return Q(
        status__in=[MessageStatus.QUEUED, MessageStatus.FAILING], next_attempt_at__lte=now
    ) | Q(status=MessageStatus.SENDING, claimed_until__lt=now)


def deliver(pk: int) -> str | None:
    """Send message ``pk`` if it is due and nobody else is sending it; returns its new
    status, or None when there was nothing to do."""
    from nervepath.messaging import transports

    now = timezone.now()
    claimed = (
        Message.objects.filter(_claimable(now), pk=pk).update(
            status=MessageStatus.SENDING,
            claimed_until=now + timedelta(seconds=_setting("OUTBOX_CLAIM_SECONDS")),
            attempts=F("attempts") + 1,
        )
        if pk is not None
        else 0
    )
    if not claimed:
        return None
    message = Message.objects.get(pk=pk)
    try:
        provider_id = transports.send(message)
    except Refused as exc:
        return _finish(message, MessageStatus.REFUSED, error=_describe(exc))
    except Exception as exc:
        return _failed_attempt(message, exc)
    status = _finish(message, MessageStatus.SENT, provider_id=provider_id)
    _pull_forward(message.channel)
    if message.channel == Channel.EMAIL:
        from nervepath.messaging import bounces

        try:
            bounces.schedule()  # its bounce, if any, is read by the worker
        except DatabaseError:  # the message went out; the next send queues the read
            log.exception("Could not queue the bounce read after message %s", pk)
    return status


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]


def _finish(message: Message, status: str, *, error: str = "", provider_id: str = "") -> str:
    now = timezone.now()
    fields: dict[str, object] = {"status": status, "claimed_until": None}
    if status == MessageStatus.SENT:
        fields.update(sent_at=now, provider_id=provider_id[:100], last_error="")
    else:
        fields["last_error"] = error
    if Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(**fields):
        signals.announce(message.pk)
    if status != MessageStatus.SENT:
        log.warning("Message %s %s: %s", message.pk, status, error)
    return status


def send_again(message: Message, to: str = "") -> bool:
    """Queue a message that failed for good, was refused or bounced once more (to ``to``
    when staff corrected the address); False when it is not in one of those states. Its
    history of attempts starts again; the first attempt follows the commit."""
    fields: dict[str, object] = {
        "status": MessageStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": timezone.now(),
        "claimed_until": None,
        "provider_id": "",
        "bounced_at": None,
        "bounce_status": "",
    }
    if to:
        fields["to"] = to
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, status__in=GAVE_UP).update(**fields)
        if updated:
            pk = message.pk
            transaction.on_commit(lambda: first_attempt(pk))
            signals.announce(pk)
    return bool(updated)


def _failed_attempt(message: Message, exc: BaseException) -> str:
    from nervepath.messaging import tasks

    error = _describe(exc)
    if message.attempts >= _setting("OUTBOX_MAX_ATTEMPTS"):
        return _finish(message, MessageStatus.FAILED, error=error)
    when = timezone.now() + backoff(message.attempts)
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.FAILING, claimed_until=None, last_error=error, next_attempt_at=when
        )
        if updated:
            tasks.deliver_message.using(run_after=when).enqueue(message.pk)
    log.warning(
        "Message %s failed (attempt %s), next at %s: %s", message.pk, message.attempts, when, error
    )
    return MessageStatus.FAILING


def _pull_forward(channel: str) -> None:
    """The provider took a message: its failing ones are due now (deliver_due sends them)."""
    from nervepath.messaging import tasks
    from nervepath.taskqueue import enqueue_once

    now = timezone.now()
    with transaction.atomic():
        moved = Message.objects.filter(
            channel=channel, status=MessageStatus.FAILING, next_attempt_at__gt=now
        ).update(next_attempt_at=now)
        if moved:
            enqueue_once(tasks.deliver_due, now)


def due_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        Message.objects.filter(_claimable(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_due(limit: int = 500) -> dict[str, int]:
    """Send every message that is due (the worker's catch-up run and ``nervepath
    send_outbox``); returns how many ended in each status."""
    counts: dict[str, int] = {}
    for pk in due_ids(limit=limit):
        status = deliver(pk)
        if status is not None:
            counts[status] = counts.get(status, 0) + 1
    return counts
