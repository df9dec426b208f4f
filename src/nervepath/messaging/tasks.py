# SPDX-License-Identifier: AGPL-3.0-or-later
"""The outbox's runs on the task worker (``nervepath db_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_message(message_id: int) -> str | None:
    from nervepath.messaging.outbox import deliver

    return deliver(message_id)


@task()
def deliver_due() -> dict[str, int]:
    from nervepath.messaging.outbox import deliver_due as run

    return run()


@task()
def read_bounces() -> dict[str, int]:
    """Read the delivery reports that came back (bounces.py); queues the next read."""
    from nervepath.messaging import bounces

    try:
        return bounces.read_all()
    finally:  # a failure now must not end the chain of reads
        bounces.schedule()
