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

from nervepath.science.movement.errors import CorruptFileError, UnsupportedFormatError

__all__ = ["CwaChunk", "iter_cwa"]

BLOCK = 512


@dataclass
class CwaChunk:
    """Consecutive samples of a ``.cwa`` file.

    Parameters
    ----------
    time : ndarray, shape (N,)
        POSIX seconds of the device clock.
    accel : ndarray, shape (N, 3)
        Acceleration in g.
    fs : float
        Sampling rate declared by the blocks, Hz.
    bad_blocks : list of int
        Damaged blocks in this chunk (counted from the first data block of the file).
    block_samples : int
        Samples per good block (0 when the chunk has none).
    """

    time: np.ndarray
    accel: np.ndarray
    fs: float
    bad_blocks: list[int] = field(default_factory=list)
    block_samples: int = 0


def _packed_to_posix(v: np.ndarray) -> np.ndarray:
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


def _chunks(
    fh: BinaryIO, path: Path, header: int, n_blocks: int, chunk_blocks: int
) -> Iterator[CwaChunk]:
    """Read and decode ``chunk_blocks`` blocks at a time (plain reads: no file mapping,
    so resident memory stays at one chunk)."""
    fmt = None
    for first in range(0, n_blocks, chunk_blocks):
        stop = min(n_blocks, first + chunk_blocks)
        fh.seek(header + first * BLOCK)
        n_read = min(n_blocks, stop + 1) - first  # one block more, for its time stamp
        blocks = np.frombuffer(fh.read(n_read * BLOCK), dtype=np.uint8).reshape(-1, BLOCK)
        ok = (blocks.view("<u2").sum(axis=1, dtype=np.uint16) == 0) & (
            (blocks[:, 0] == ord("A")) & (blocks[:, 1] == ord("X"))
        )
        own = stop - first
        bad = [first + int(i) for i in np.flatnonzero(~ok[:own])]
        good = np.flatnonzero(ok)
        if good.size == 0 or good[0] >= own:
            if bad:
                yield CwaChunk(np.empty(0), np.empty((0, 3)), 0.0, bad)
            continue
        gb = blocks[good]
        if fmt is None:
            rate, axes_bps = int(gb[0, 24]), int(gb[0, 25])
            fs = 3200.0 / (1 << (15 - (rate & 15)))
            g_range = 16 >> (rate >> 6)
            n_axes = axes_bps >> 4
            packed = (axes_bps & 0xF) == 0
            fmt = (fs, n_axes, packed, g_range / 32768.0 if n_axes >= 6 else 1 / 256.0)
        fs, n_axes, packed, scale = fmt
        count = (gb[:, 28].astype(np.int64)) | (gb[:, 29].astype(np.int64) << 8)
        stamp = np.ascontiguousarray(gb[:, 14:18]).view("<u4").ravel()
        offset = np.ascontiguousarray(gb[:, 26:28]).view("<i2").ravel().astype(np.float64)
        start = _packed_to_posix(stamp) - offset / fs
        mine = good < own
        # Each block's samples span to the next good block's start when it follows
        # directly; otherwise they are spaced at the nominal rate.
        nxt = np.append(start[1:], np.nan)
        direct = np.append(np.diff(good) == 1, False)
        span = np.where(direct, nxt - start, count / fs)
        plausible = np.abs(span - count / fs) < 0.5 * count / fs
        step = np.where(plausible, span, count / fs) / count
        gb, start, step, count = gb[mine], start[mine], step[mine], count[mine]
        per = int(count[0])
        if not np.all(count == per):
            raise CorruptFileError(f"{path.name}: blocks with different sample counts.")
        accel = _decode(gb, n_axes, packed, scale)
        k = np.arange(per, dtype=np.float64)
        time = (start[:, None] + step[:, None] * k[None, :]).ravel()
        yield CwaChunk(time, accel, fs, bad, per)
