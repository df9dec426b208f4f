# SPDX-License-Identifier: AGPL-3.0-or-later
"""Write long Axivity .cwa files (tests and benchmark) by re-stamping real AX3 blocks.

The data blocks of the real ``ax3_testfile.cwa`` (100 Hz, packed 3x10-bit samples,
120 per block) are repeated in a cycle; each copy gets a new sequence number, a new
time stamp (whole second plus the sample offset at which that second starts, so the
block starts exactly 1.2 s after the previous one) and a recomputed checksum. The
result is a valid AX3 file that any .cwa reader decodes to the real samples, repeated.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

BLOCK = 512


def pack_cwa_time(t: dt.datetime) -> int:
    """The 32-bit packed date-time of a .cwa block (year-2000, month, day, h, m, s)."""
    return (
        ((t.year - 2000) & 0x3F) << 26
        | (t.month & 0x0F) << 22
        | (t.day & 0x1F) << 17
        | (t.hour & 0x1F) << 12
        | (t.minute & 0x3F) << 6
        | (t.second & 0x3F)
    )


def write_cwa_night(
    template: Path,
    out: Path,
    *,
    hours: float,
    start: dt.datetime = dt.datetime(2024, 3, 1, 22, 0, 0),
    chunk_blocks: int = 20_000,
    location: str = "right ankle",
) -> int:
    """Write ``hours`` of 100 Hz AX3 data to ``out``; returns the number of samples.

    The header's metadata text (bytes 64-511) is replaced by ``_p=<location>``, the
    body location OMGUI writes, so a written night is an ankle night by default (the
    template, the real AX3 test file, was worn at the right wrist)."""
    raw = np.fromfile(template, dtype=np.uint8)
    header_len = int(raw[2]) + (int(raw[3]) << 8) + 4
    body = raw[header_len:]
    blocks = body[: body.size // BLOCK * BLOCK].reshape(-1, BLOCK)
    words = blocks.view("<u2")
    good = (words.sum(axis=1, dtype=np.uint16) == 0) & (blocks[:, 0] == ord("A"))
    blocks = blocks[good].copy()
    per_block = int(blocks[0, 28]) | (int(blocks[0, 29]) << 8)
    rate = 100
    n_blocks = int(np.ceil(hours * 3600 * rate / per_block))
    with open(out, "wb") as fh:
        header = raw[:header_len].copy()
        meta = ("_p=" + location.replace(" ", "+")).encode("ascii")
        header[64:512] = np.frombuffer(meta.ljust(448, b" "), dtype=np.uint8)
        fh.write(header.tobytes())
        for first in range(0, n_blocks, chunk_blocks):
            idx = np.arange(first, min(n_blocks, first + chunk_blocks))
            chunk = blocks[idx % len(blocks)].copy()
            starts_cs = idx * per_block  # block start in 1/100 s from the night start
            whole = (starts_cs + rate - 1) // rate  # first whole second at or after start
            offset = whole * rate - starts_cs  # samples from block start to that second
            chunk[:, 4:6] = 0  # no fractional time stamp
            chunk[:, 10:14] = idx.astype("<u4").view(np.uint8).reshape(-1, 4)
            stamps = np.array(
                [pack_cwa_time(start + dt.timedelta(seconds=int(w))) for w in whole],
                dtype="<u4",
            )
            chunk[:, 14:18] = stamps.view(np.uint8).reshape(-1, 4)
            chunk[:, 26:28] = offset.astype("<i2").view(np.uint8).reshape(-1, 2)
            chunk[:, 510:512] = 0
            total = chunk.view("<u2").sum(axis=1, dtype=np.uint16)
            chunk[:, 510:512] = (-total).astype("<u2").view(np.uint8).reshape(-1, 2)
            fh.write(chunk.tobytes())
    return n_blocks * per_block
