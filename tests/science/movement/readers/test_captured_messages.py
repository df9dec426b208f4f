# SPDX-License-Identifier: AGPL-3.0-or-later
"""A reader's chatter is kept out of the application's log while it reads, and the log's
handlers get their levels back afterwards, whatever the order the reads end in."""

from __future__ import annotations

import logging

from nervepath.science.movement.readers._util import captured_messages


def test_reads_ending_out_of_order_leave_no_handler_silenced():
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        first_notes: list[str] = []
        first, second = captured_messages(first_notes), captured_messages([])
        first.__enter__()
        assert handler.level > logging.CRITICAL  # silenced while a library reads
        second.__enter__()
        logging.getLogger("a.reader.library").warning("Low battery")
        first.__exit__(None, None, None)  # the first read ends before the second
        assert handler.level > logging.CRITICAL  # the second is still reading
        second.__exit__(None, None, None)
        assert handler.level == logging.INFO
        assert first_notes == ["Low battery"]
    finally:
        root.removeHandler(handler)
