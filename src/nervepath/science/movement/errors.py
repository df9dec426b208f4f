# SPDX-License-Identifier: AGPL-3.0-or-later
"""Typed errors raised for input the movement engine cannot use.

Every error subclasses :class:`MovementInputError` (itself a :class:`ValueError`) and
carries a message that tells a clinician what is wrong and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "MESSAGE_LIMIT",
    "CorruptFileError",
    "MissingChannelError",
    "MovementInputError",
    "OversizedArchiveError",
    "SamplingRateTooLowError",
    "UnsupportedFormatError",
    "plain_message",
]

#: The longest message shown to a person or written to a summary: a few sentences.
MESSAGE_LIMIT = 400


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


def plain_message(text: object, limit: int = MESSAGE_LIMIT) -> str:
    """A message fit to show: printable text on one line, at most ``limit`` characters.

    Library errors can quote the bytes of a damaged file (a broken zip quoted 212 KB);
    control characters and undecodable bytes are dropped, runs of white space become
    one space, and a long text is cut at a word with an ellipsis.

    Parameters
    ----------
    text : object
        The message (an exception or a string).
    limit : int, optional
        Most characters kept.

    Returns
    -------
    str
    """
    raw = str(text)
    kept = "".join(ch if ch.isprintable() else " " for ch in raw.replace("\ufffd", ""))
    one_line = " ".join(kept.split())
    if len(one_line) <= limit:
        return one_line
    cut = one_line[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:(") + "\u2026"
