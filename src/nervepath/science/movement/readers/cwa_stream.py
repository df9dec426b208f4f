# SPDX-License-Identifier: AGPL-3.0-or-later
"""Chunked decoding of Axivity ``.cwa`` files, for recordings too long to hold in memory.

scikit-digital-health decodes a whole file at once (memory grows with the recording:
a 7-day 100 Hz file is 1.5 GB as float64 samples) and stops at a damaged block. This
decoder walks the memory-mapped file a fixed number of blocks at a time and skips
damaged blocks. It gives the same samples as scikit-digital-health on every real
.cwa file (AX3 packed, AX6 unpacked), and on the file with damaged blocks the same
samples as scikit-digital-health gives for those blocks of the intact file (see
``tests/science/movement/readers``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nervepath.science.movement.errors import UnsupportedFormatError
from nervepath.science.movement.readers._util import in_time_order

__all__ = ["CwaChunk", "damage_notes", "iter_cwa"]

BLOCK = 512


@dataclass
class CwaChunk:
    """Consecutive samples of a ``.cwa`` file.

    Parameters
    ----------
    time : ndarray, shape (N,)
        POSIX seconds of the device clock, strictly increasing across chunks.
    accel : ndarray, shape (N, 3)
        Acceleration in g.
    fs : float
        Sampling rate declared by the blocks, Hz.
    bad_blocks : list of int
        Damaged blocks in this chunk (counted from the first data block of the file).
    block_samples : int
        Samples per good block (0 when the chunk has none).
    repeated : list of int
        Blocks left out because they repeat a sequence number already read.
    out_of_time : list of int
        Blocks left out because their time stamp is out of order with the blocks
        around them.
    reordered : bool
        Whether blocks of this chunk were stored out of sequence order (put back).
    corrupt : list of (float, float)
        POSIX seconds between the blocks kept on either side of blocks left out: from
        the end of the earlier block's samples, spaced at the rate measured from the
        blocks before it, to the time stamp of the later block.
    """

    time: np.ndarray
    accel: np.ndarray
    fs: float
    bad_blocks: list[int] = field(default_factory=list)
    block_samples: int = 0
    repeated: list[int] = field(default_factory=list)
    out_of_time: list[int] = field(default_factory=list)
    reordered: bool = False
    corrupt: list[tuple[float, float]] = field(default_factory=list)


def _blocks(numbers: list[int], limit: int = 8) -> str:
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in runs[:limit]]
    more = f" and {len(runs) - limit} more" if len(runs) > limit else ""
    return ", ".join(parts) + more


def damage_notes(chunks: list[CwaChunk]) -> list[str]:
    """One sentence per kind of damage the chunks of a file met."""
    bad = [b for c in chunks for b in c.bad_blocks]
    repeated = [b for c in chunks for b in c.repeated]
    late = [b for c in chunks for b in c.out_of_time]
    notes = []
    if bad:
        notes.append(f"{len(bad)} damaged data block(s) skipped (block numbers {_blocks(bad)}).")
    if any(c.reordered for c in chunks):
        notes.append("Data blocks stored out of order were put back in sequence order.")
    if repeated:
        notes.append(
            f"{len(repeated)} data block(s) repeating an earlier block were left out "
            f"(block numbers {_blocks(repeated)})."
        )
    if late:
        notes.append(
            f"{len(late)} data block(s) with a time stamp out of order with the blocks "
            f"around them were left out (block numbers {_blocks(late)})."
        )
    return notes


def packed_to_posix(v: np.ndarray) -> np.ndarray:
    """POSIX seconds of packed .cwa date-times (days-from-civil, vectorised)."""
    v = v.astype(np.int64)
    year = 2000 + (v >> 26)
    month = (v >> 22) & 0xF
    day = (v >> 17) & 0x1F
    secs = ((v >> 12) & 0x1F) * 3600 + ((v >> 6) & 0x3F) * 60 + (v & 0x3F)
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return (days * 86400 + secs).astype(np.float64)


def _decode(blocks: np.ndarray, n_axes: int, packed: bool, scale: float) -> np.ndarray:
    count = int(blocks[0, 28]) | (int(blocks[0, 29]) << 8)
    if packed:
        v = np.ascontiguousarray(blocks[:, 30 : 30 + 4 * count]).view("<u4").ravel()
        e = (v >> 30).astype(np.int16)
        out = np.empty((v.size, 3), dtype=np.float64)
        for k, shift in enumerate((0, 10, 20)):
            word = (((v >> shift) << 6) & 0xFFC0).astype(np.uint16).view(np.int16)
            out[:, k] = (word >> (6 - e)) / 256.0
        return out
    raw = np.ascontiguousarray(blocks[:, 30 : 30 + 2 * n_axes * count]).view("<i2")
    raw = raw.reshape(-1, n_axes)
    first = 3 if n_axes >= 6 else 0  # AX6: gyroscope first, then accelerometer
    return raw[:, first : first + 3] * scale


def iter_cwa(path: str | Path, *, chunk_blocks: int = 3000) -> Iterator[CwaChunk]:
    """Decode a ``.cwa`` file a fixed number of blocks at a time.

    Parameters
    ----------
    path : str or Path
        The ``.cwa`` file.
    chunk_blocks : int, optional
        Data blocks per chunk (3000 blocks of 120 samples = 1 h at 100 Hz, about
        9 MB of float64 samples).

    Yields
    ------
    CwaChunk
        Samples of the good blocks of each chunk; damaged blocks are listed.

    Raises
    ------
    UnsupportedFormatError
        Not a ``.cwa`` file.
    CorruptFileError
        No readable data block.

    References
    ----------
    Open Movement, AX3 data format (``cwa.h``): 512-byte blocks, packed 3x10-bit
    samples with a shared 2-bit exponent (1/256 g), or 16-bit samples; block start
    time = packed time stamp - timestampOffset / rate.
    """
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(4)
        if size < 2 * BLOCK or head[:2] != b"MD":
            raise UnsupportedFormatError(f"{path.name}: not an Axivity .cwa recording.")
        header = head[2] + (head[3] << 8) + 4
        n_blocks = (size - header) // BLOCK
        yield from _chunks(fh, path, header, n_blocks, chunk_blocks)


@dataclass
class _State:
    """What one chunk hands the next: the format and the last block kept."""

    fmt: tuple[float, int, bool, float, int, int, int] | None = None
    last_seq: int = -1
    last_start: float = -np.inf
    last_end: float = -np.inf
    last_step: float = 0.0
    last_pos: int = -1


def _chunks(
    fh: BinaryIO, path: Path, header: int, n_blocks: int, chunk_blocks: int
) -> Iterator[CwaChunk]:
    """Read and decode ``chunk_blocks`` blocks at a time (plain reads: no file mapping,
    so resident memory stays at one chunk)."""
    state = _State()
    for first in range(0, n_blocks, chunk_blocks):
        stop = min(n_blocks, first + chunk_blocks)
        fh.seek(header + first * BLOCK)
        n_read = min(n_blocks, stop + 1) - first  # one block more, for its time stamp
        blocks = np.frombuffer(fh.read(n_read * BLOCK), dtype=np.uint8).reshape(-1, BLOCK)
        ok = (blocks.view("<u2").sum(axis=1, dtype=np.uint16) == 0) & (
            (blocks[:, 0] == ord("A")) & (blocks[:, 1] == ord("X"))
        )
        if state.fmt is None and ok[: stop - first].any():
            b0 = blocks[np.flatnonzero(ok)[0]]
            rate, axes_bps = int(b0[24]), int(b0[25])
            fs0 = 3200.0 / (1 << (15 - (rate & 15)))
            g_range = 16 >> (rate >> 6)
            n_axes = axes_bps >> 4
            packed = (axes_bps & 0xF) == 0
            scale = g_range / 32768.0 if n_axes >= 6 else 1 / 256.0
            per0 = int(b0[28]) | (int(b0[29]) << 8)
            state.fmt = (fs0, n_axes, packed, scale, per0, rate, axes_bps)
        if state.fmt is not None:
            # A block that passes its checksum but declares another format is damaged.
            count_all = blocks[:, 28].astype(np.int64) | (blocks[:, 29].astype(np.int64) << 8)
            ok &= (count_all == state.fmt[4]) & (blocks[:, 24] == state.fmt[5])
            ok &= blocks[:, 25] == state.fmt[6]
        own = stop - first
        chunk = _decode_chunk(blocks, ok, own, first, state)
        if chunk is not None:
            yield chunk
    trailing = n_blocks - 1 - state.last_pos
    if state.last_pos >= 0 and trailing > 0 and state.fmt is not None:
        # Blocks after the last one kept: their stretch follows on at the measured rate.
        end = state.last_end + trailing * state.fmt[4] * state.last_step
        yield CwaChunk(np.empty(0), np.empty((0, 3)), state.fmt[0], corrupt=[(state.last_end, end)])


def _decode_chunk(
    blocks: np.ndarray, ok: np.ndarray, own: int, first: int, state: _State
) -> CwaChunk | None:
    bad = [first + int(i) for i in np.flatnonzero(~ok[:own])]
    if state.fmt is None or not ok.any():
        return CwaChunk(np.empty(0), np.empty((0, 3)), 0.0, bad) if bad else None
    fs, n_axes, packed, scale, per = state.fmt[:5]
    good = np.flatnonzero(ok)
    seq = np.ascontiguousarray(blocks[good, 10:14]).view("<u4").ravel().astype(np.int64)
    stamp = np.ascontiguousarray(blocks[good, 14:18]).view("<u4").ravel()
    offset = np.ascontiguousarray(blocks[good, 26:28]).view("<i2").ravel().astype(np.float64)
    start = packed_to_posix(stamp) - offset / fs
    # Sequence order; the look-ahead block (index ``own``) only helps place the last one.
    order = np.argsort(seq, kind="stable")
    reordered = bool(np.any(np.diff(seq[good < own]) < 0))
    good, seq, start = good[order], seq[order], start[order]
    repeated_mask = (seq == state.last_seq) | np.concatenate(([False], np.diff(seq) == 0))
    # A block whose sequence id is below one already placed (swapped across a chunk
    # edge) cannot be put back: it is left out like a block out of time.
    behind = seq < state.last_seq
    repeated = [first + int(i) for i in good[repeated_mask & (good < own)]]
    behind_blocks = [first + int(i) for i in good[behind & ~repeated_mask & (good < own)]]
    drop = repeated_mask | behind
    good, seq, start = good[~drop], seq[~drop], start[~drop]
    in_time = in_time_order(start, start + per / fs, last_end=state.last_end)
    late = behind_blocks + [first + int(i) for i in good[~in_time & (good < own)]]
    good, seq, start = good[in_time], seq[in_time], start[in_time]
    mine = good < own
    if not mine.any():
        return CwaChunk(np.empty(0), np.empty((0, 3)), 0.0, bad, 0, repeated, late, reordered)
    # Each block's samples span to the next block's start when that block follows in
    # sequence; otherwise they are spaced at the rate measured from the blocks before.
    nominal = per / fs
    nxt = np.append(start[1:], np.nan)
    direct = np.append(np.diff(seq) == 1, False)
    span = np.where(direct, nxt - start, np.nan)
    measured = np.abs(span - nominal) < 0.5 * nominal
    span = np.where(measured, span, np.nan)
    # Carry the last measured span forward (the first blocks use the one before them).
    carried = np.where(measured, np.arange(span.size), -1)
    carried = np.maximum.accumulate(carried)
    before = state.last_step * per if state.last_step else nominal
    span = np.where(carried >= 0, span[np.maximum(carried, 0)], before)
    corrupt: list[tuple[float, float]] = []
    prev_seq, prev_end = state.last_seq, state.last_end
    for i in np.flatnonzero(mine):
        if prev_seq >= 0 and seq[i] - prev_seq > 1 and start[i] > prev_end:
            corrupt.append((float(prev_end), float(start[i])))
        prev_seq, prev_end = int(seq[i]), float(start[i] + span[i])
    g, start, span, seq = good[mine], start[mine], span[mine], seq[mine]
    accel = _decode(blocks[g], n_axes, packed, scale)
    k = np.arange(per, dtype=np.float64) / per
    time = (start[:, None] + span[:, None] * k[None, :]).ravel()
    state.last_seq, state.last_start = int(seq[-1]), float(start[-1])
    state.last_end = float(start[-1] + span[-1])
    state.last_step = float(span[-1] / per)
    state.last_pos = first + int(g.max())
    return CwaChunk(time, accel, fs, bad, per, repeated, late, reordered, corrupt)
