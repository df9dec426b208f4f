# SPDX-License-Identifier: AGPL-3.0-or-later
"""Typed errors raised for input the movement engine cannot use.

Every error subclasses :class:`MovementInputError` (itself a :class:`ValueError`) and
carries a message that tells a clinician what is wrong and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "CorruptFileError",
    "MissingChannelError",
    "MovementInputError",
    "OversizedArchiveError",
    "SamplingRateTooLowError",
    "UnsupportedFormatError",
]


class MovementInputError(ValueError):
    """A night file or signal that the movement engine cannot analyse."""


class UnsupportedFormatError(MovementInputError):
    """The file is not one of the supported device or sleep-study formats."""


class CorruptFileError(MovementInputError):
    """The file is truncated or damaged beyond what the reader can recover."""


class MissingChannelError(MovementInputError):
    """A channel the method needs (e.g. a tibialis anterior EMG) is not in the file."""


class SamplingRateTooLowError(MovementInputError):
    """The signal was sampled too slowly for the detection method."""


class OversizedArchiveError(CorruptFileError):
    """A compressed file (a ``.gt3x`` zip) would inflate beyond what a night can hold,
    or is packed far tighter than any device recording: a zip bomb, refused unread."""
