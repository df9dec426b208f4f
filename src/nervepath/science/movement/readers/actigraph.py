# SPDX-License-Identifier: AGPL-3.0-or-later
"""ActiGraph ``.gt3x`` files, decoded by pygt3x (ActiGraph's own reader, GPL-3.0).

pygt3x reads the whole file, including idle-sleep-mode stretches, which the device
does not record: the reader repeats the last sample for them and flags them. We keep
those samples (so the time axis stays even) and report every flagged stretch as
``"idle"``, so that no analysis mistakes them for stillness.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from nervepath.science.movement.errors import (
    CorruptFileError,
    OversizedArchiveError,
    UnsupportedFormatError,
)
from nervepath.science.movement.readers._util import (
    build_accel_recording,
    captured_messages,
)
from nervepath.science.movement.recording import AccelRecording

__all__ = ["MAX_GT3X_INFLATED_BYTES", "MAX_GT3X_RATIO", "check_archive", "read_gt3x"]

#: The most a .gt3x may inflate to: a 30-day 100 Hz recording's log.bin is about 1.2 GB.
MAX_GT3X_INFLATED_BYTES = 2 * 1024**3
#: The largest compression ratio accepted. ActiGraph packs 12-bit samples that barely
#: compress (the real files in ../shared/data/wearables inflate 1.0-2.0 x); deflate's
#: ceiling is about 1030 x, which only a file of repeated bytes (a zip bomb) reaches.
MAX_GT3X_RATIO = 50
#: Members this small are not judged by their ratio (a short info.txt compresses well).
_RATIO_FLOOR_BYTES = 1024 * 1024

#: Seconds between 0001-01-01 (.NET ticks epoch) and 1970-01-01.
_DOTNET_EPOCH_OFFSET_S = 62_135_596_800


def check_archive(
    path: str | Path,
    *,
    max_inflated_bytes: int = MAX_GT3X_INFLATED_BYTES,
    max_ratio: float = MAX_GT3X_RATIO,
) -> None:
    """Refuse a zip whose members would inflate past ``max_inflated_bytes`` in total, or
    whose members are packed tighter than ``max_ratio``, before anything is inflated.

    Only the archive's directory is read (``ZipInfo.file_size``/``compress_size``);
    a directory that lies about the sizes is caught by the zip reader's own CRC and
    length checks, which stop at the declared size.

    Raises
    ------
    OversizedArchiveError
        The archive would be too large once inflated, or is a zip bomb.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptFileError(
            f"{path.name}: the .gt3x archive is damaged or incomplete ({exc})."
        ) from exc
    total = sum(m.file_size for m in members)
    if total > max_inflated_bytes:
        raise OversizedArchiveError(
            f"{path.name} would unpack to {total / 1024**2:,.0f} MB, more than the "
            f"{max_inflated_bytes / 1024**2:,.0f} MB a recording can hold; it was not read."
        )
    for member in members:
        packed = max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR_BYTES and member.file_size / packed > max_ratio:
            raise OversizedArchiveError(
                f"{path.name} is compressed {member.file_size / packed:,.0f} times, far more "
                "than any device recording (a 'zip bomb'); it was not read."
            )


def read_gt3x(path: str | Path) -> AccelRecording:
    """Read an ActiGraph ``.gt3x`` file.

    Parameters
    ----------
    path : str or Path
        The ``.gt3x`` file (a zip archive with ``log.bin`` or ``activity.bin``).

    Returns
    -------
    AccelRecording
        Calibrated acceleration in g; idle-sleep stretches, gaps and non-wear are
        reported as stretches.

    Raises
    ------
    UnsupportedFormatError
        The file is not a ``.gt3x`` archive.
    CorruptFileError
        The archive is truncated or its data cannot be decoded.
    OversizedArchiveError
        The archive would inflate too far (:func:`check_archive`).

    References
    ----------
    ActiGraph. GT3X file format, https://github.com/actigraph/GT3X-File-Format
    """
    from pygt3x.reader import FileReader

    path = Path(path)
    if not zipfile.is_zipfile(path):
        raise UnsupportedFormatError(
            f"{path.name}: not a .gt3x file (a .gt3x file is a zip archive written by "
            "ActiLife or CentrePoint)."
        )
    check_archive(path)
    notes: list[str] = []
    try:
        with captured_messages(notes), FileReader(str(path)) as reader:
            data = reader.acceleration
            nhanes = bool(reader.nhanes)
            if data.shape[0] and not nhanes:
                xyz = reader.calibrate_acceleration(data[:, 1:4])
            else:
                xyz = data[:, 1:4]
            fs = float(reader.info.sample_rate)
            start_ticks = int(reader.info.start_date)
            device = f"ActiGraph {reader.info.device_type} (.gt3x)"
    except (zipfile.BadZipFile, KeyError, EOFError, ValueError, OSError) as exc:
        raise CorruptFileError(
            f"{path.name}: the .gt3x archive is damaged or incomplete ({exc}). Download "
            "the recording from the device again."
        ) from exc
    if data.shape[0] == 0:
        raise CorruptFileError(f"{path.name}: the .gt3x file holds no acceleration samples.")
    time = data[:, 0].astype(np.float64)
    if nhanes:
        # pygt3x counts the older NHANES layout from .NET ticks / 1e9; re-anchor the
        # (correct) sample spacing on the header's start date.
        time = time - time[0] + start_ticks / 1e7 - _DOTNET_EPOCH_OFFSET_S
    idle = data[:, 4] == 1
    if idle.any():
        notes.append(
            f"Idle-sleep mode: {int(idle.sum())} samples "
            f"({idle.sum() / fs / 3600:.2f} h) were not recorded by the device and were "
            "filled in with the last value; they are reported as idle stretches."
        )
    accel = np.ascontiguousarray(xyz, dtype=np.float64)
    return build_accel_recording(time, accel, fs, device, notes, idle_mask=idle)
