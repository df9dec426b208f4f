# SPDX-License-Identifier: AGPL-3.0-or-later
"""What an upload's reader error shows: a short sentence, never raw bytes (issue 16)."""

from __future__ import annotations

from nervepath.science.movement.errors import CorruptFileError
from nervepath.wearables.engine import explain


def test_a_reader_error_quoting_raw_bytes_is_shown_as_a_short_sentence():
    quoted = bytes(range(256)) * 800  # what a broken zip made a library print
    code, message = explain(CorruptFileError(f"night.gt3x: bad member {quoted!r}"))
    assert code == "corrupt_file"
    assert message.startswith("The file is damaged or was cut short. night.gt3x: bad member")
    assert len(message) < 500
    assert message.isprintable()


def test_a_plain_reader_sentence_is_shown_whole():
    code, message = explain(CorruptFileError("night.bin: the GENEActiv file has no pages."))
    assert (code, message) == (
        "corrupt_file",
        "The file is damaged or was cut short. night.bin: the GENEActiv file has no pages.",
    )
