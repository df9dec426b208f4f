# SPDX-License-Identifier: AGPL-3.0-or-later
"""Axivity AX3/AX6 ``.cwa`` files.

Samples are decoded by scikit-digital-health's compiled reader. Before that, every
512-byte block's checksum is verified (a cheap NumPy pass), so damaged blocks are
reported by index. scikit-digital-health stops with an error on a damaged block, so
a file with damaged blocks is decoded by nervepath's own block decoder
(:mod:`.cwa_stream`), which skips them; on intact files that decoder gives exactly
scikit-digital-health's samples (tested on every real .cwa file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nervepath.science.movement.errors import CorruptFileError, UnsupportedFormatError
from nervepath.science.movement.readers._util import build_accel_recording, captured_messages
from nervepath.science.movement.readers.cwa_stream import damage_notes, iter_cwa, packed_to_posix
from nervepath.science.movement.recording import AccelRecording, Stretch

__all__ = ["corrupt_cwa_blocks", "read_cwa"]

BLOCK = 512


def corrupt_cwa_blocks(raw: np.ndarray) -> tuple[int, np.ndarray]:
    """Indices of the data blocks of a ``.cwa`` file that fail their checksum.

    Parameters
    ----------
    raw : ndarray of uint8
        The whole file.

    Returns
    -------
    header_bytes : int
        Length of the metadata header before the first data block.
    bad : ndarray of int
        Zero-based indices (counted from the first data block) of blocks whose 16-bit
        word sum is not zero or whose header is not ``AX``.

    References
    ----------
    Open Movement AX3 data format, ``cwa.h`` (Newcastle University), data block
    checksum: the 16-bit sum of the 256 little-endian words of a block is zero.
    """
    if raw.size < 2 * BLOCK or bytes(raw[:2]) != b"MD":
        raise UnsupportedFormatError(
            "The file does not start with an Axivity 'MD' header: it is not a .cwa "
            "recording (or its first block is damaged)."
        )
    header_bytes = int(raw[2]) + (int(raw[3]) << 8) + 4
    body = raw[header_bytes:]
    n_blocks = body.size // BLOCK
    blocks = body[: n_blocks * BLOCK].reshape(n_blocks, BLOCK)
    words = blocks.view("<u2")
    checksum_ok = words.sum(axis=1, dtype=np.uint16) == 0
    is_ax = (blocks[:, 0] == ord("A")) & (blocks[:, 1] == ord("X"))
    return header_bytes, np.flatnonzero(~(checksum_ok & is_ax))


def read_cwa(path: str | Path) -> AccelRecording:
    """Read an Axivity ``.cwa`` file.

    Parameters
    ----------
    path : str or Path
        The ``.cwa`` file.

    Returns
    -------
    AccelRecording
        Acceleration in g, with damaged blocks, gaps and non-wear as stretches.

    Raises
    ------
    UnsupportedFormatError
        The file is not a ``.cwa`` recording.
    CorruptFileError
        The file is truncated or too damaged to read.
    """
    path = Path(path)
    raw = np.fromfile(path, dtype=np.uint8)
    header_bytes, bad = corrupt_cwa_blocks(raw)
    n_blocks = (raw.size - header_bytes) // BLOCK
    notes: list[str] = []
    if (raw.size - header_bytes) % BLOCK:
        notes.append("The file ends with a partial block (truncated); it was ignored.")
    if n_blocks == 0:
        raise CorruptFileError(f"{path.name}: the .cwa file has a header but no data blocks.")
    device = "Axivity AX6 (.cwa)" if _has_gyro(raw, header_bytes, bad) else "Axivity AX3 (.cwa)"
    if bad.size == n_blocks:
        raise CorruptFileError(f"{path.name}: every data block of the .cwa file is damaged.")
    if bad.size == 0 and _in_order(raw, header_bytes, n_blocks):
        try:
            time, accel, fs = _read_skdh(path, notes)
        except CorruptFileError:
            # The library also reads the metadata header; the blocks do not need it.
            notes.append(
                "The file's metadata header is damaged; the data blocks were read one by one."
            )
        else:
            return build_accel_recording(time, accel, fs, device, notes)
    chunks = list(iter_cwa(path))
    notes += damage_notes(chunks)
    kept = [c for c in chunks if c.time.size]
    if not kept:
        raise CorruptFileError(
            f"{path.name}: no data block of the .cwa file could be placed in time."
        )
    time = np.concatenate([c.time for c in kept])
    accel = np.concatenate([c.accel for c in kept])
    fs = kept[0].fs
    t0 = float(time[0])
    corrupt = [Stretch(a - t0, b - t0, "corrupt") for c in chunks for a, b in c.corrupt]
    return build_accel_recording(time, accel, fs, device, notes, corrupt=corrupt)


def _in_order(raw: np.ndarray, header_bytes: int, n_blocks: int) -> bool:
    """Whether the blocks' sequence numbers count up by one and their time stamps (whole
    seconds) never go back and never jump by more than a block's length plus a second."""
    blocks = raw[header_bytes : header_bytes + n_blocks * BLOCK].reshape(n_blocks, BLOCK)
    seq = np.ascontiguousarray(blocks[:, 10:14]).view("<u4").ravel().astype(np.int64)
    stamp = packed_to_posix(np.ascontiguousarray(blocks[:, 14:18]).view("<u4").ravel())
    rate = 3200.0 / (1 << (15 - (int(blocks[0, 24]) & 15)))
    count = blocks[:, 28].astype(np.int64) | (blocks[:, 29].astype(np.int64) << 8)
    steps = np.diff(stamp)
    return bool(
        np.all(np.diff(seq) == 1)
        and np.all(steps >= 0)
        and np.all(steps <= count[:-1] / rate + 1.0)
    )


def _has_gyro(raw: np.ndarray, header_bytes: int, bad: np.ndarray) -> bool:
    """Whether the first good data block declares six axes (AX6 with gyroscope)."""
    n_blocks = (raw.size - header_bytes) // BLOCK
    for i in range(n_blocks):
        if i not in bad:
            channels = raw[header_bytes + i * BLOCK + 25] >> 4
            return int(channels) >= 6
    return False


def _read_skdh(path: Path, notes: list[str]) -> tuple[np.ndarray, np.ndarray, float]:
    from skdh.io import ReadCwa

    try:
        with captured_messages(notes):
            data = ReadCwa().predict(file=str(path))
    except (RuntimeError, ValueError, OSError, KeyError) as exc:  # damaged data
        raise CorruptFileError(
            f"{path.name}: the .cwa file could not be decoded ({exc}). Re-export it "
            "from the device software or upload another night."
        ) from exc
    return (
        np.asarray(data["time"], dtype=np.float64),
        np.asarray(data["accel"], dtype=np.float64),
        float(data["fs"]),
    )
