# SPDX-License-Identifier: AGPL-3.0-or-later
"""Why a booking operation was refused, in words a patient or the front desk can act on."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from django.utils.functional import Promise

from nervepath.scheduling.availability import Slot


class BookingError(Exception):
    """A booking, move or cancellation that was refused; nothing was changed."""

    status = 400

    def __init__(self, message: str | Promise) -> None:
        # A lazy translation is read now, in the language of whoever is refused.
        super().__init__(str(message))
        self.message = str(message)


class SlotTaken(BookingError):
    """Someone else took the slot meanwhile; ``alternatives`` are the nearest free ones.

    They are searched when first read, which callers do after their transaction has
    ended, so the search never runs while the booking locks are still held.
    """

    status = 409

    def __init__(self, message: str | Promise, find_alternatives: Callable[[], list[Slot]]) -> None:
        super().__init__(message)
        self._find_alternatives = find_alternatives

    @cached_property
    def alternatives(self) -> list[Slot]:
        return self._find_alternatives()


class NotFound(BookingError):
    status = 404
