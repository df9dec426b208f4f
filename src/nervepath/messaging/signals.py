# SPDX-License-Identifier: AGPL-3.0-or-later
"""``status_changed``: sent (with ``message_ids``) when messages reach an end state
(sent, failed for good, refused, bounced) or are queued again. The outbox writes its
rows with queryset updates, which Django's ``post_save`` does not see; apps above
(the work inbox's failed-message items) listen to this instead."""

from __future__ import annotations

from django.dispatch import Signal

status_changed = Signal()


def announce(*message_ids: int) -> None:
    if message_ids:
        status_changed.send(sender=None, message_ids=list(message_ids))
