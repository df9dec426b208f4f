# SPDX-License-Identifier: AGPL-3.0-or-later
"""Why a booking operation was refused, in words a patient or the front desk can act on."""

from __future__ import annotations

from nervepath.scheduling.availability import Slot


class BookingError(Exception):
    """A booking, move or cancellation that was refused; nothing was changed."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SlotTaken(BookingError):
    """Someone else took the slot meanwhile; ``alternatives`` are the nearest free ones."""

    status = 409

    def __init__(self, message: str, alternatives: list[Slot]) -> None:
        super().__init__(message)
        self.alternatives = alternatives


class NotFound(BookingError):
    status = 404
