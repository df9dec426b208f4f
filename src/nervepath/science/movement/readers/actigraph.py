# SPDX-License-Identifier: AGPL-3.0-or-later
"""ActiGraph ``.gt3x`` files, decoded by pygt3x (ActiGraph's own reader, GPL-3.0).

pygt3x reads the whole file, including idle-sleep-mode stretches, which the device
does not record: the reader repeats the last sample for them and flags them. We keep
those samples (so the time axis stays even) and report every flagged stretch as
``"idle"``, so that no analysis mistakes them for stillness.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime
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
from nervepath.science.movement.readers.gt3x_repair import (
    clean_log,
    info_from_log,
    log_in_order,
    rebuild_zip,
    salvage_zip,
)
from nervepath.science.movement.recording import AccelRecording, Stretch

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
            f"{path.name}: the .gt3x archive is damaged or incomplete (its table of "
            "contents cannot be read)."
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
    path = Path(path)
    if not zipfile.is_zipfile(path) and _LOCAL_HEADER not in path.read_bytes()[:4096]:
        raise UnsupportedFormatError(
            f"{path.name}: not a .gt3x file (a .gt3x file is a zip archive written by "
            "ActiLife or CentrePoint)."
        )
    notes: list[str] = []
    corrupt: list[tuple[float, float]] = []
    try:
        check_archive(path)
        data, xyz, nhanes, fs, start_ticks, device, last_ticks = _read_pygt3x(str(path), notes)
        damaged = _looks_damaged(data, nhanes, notes, start_ticks, last_ticks)
        if not damaged and not nhanes:
            # pygt3x sorts records by time stamp: a stamp sent back into an idle-sleep
            # stretch would pass unseen. The record order tells.
            with zipfile.ZipFile(path) as archive:
                damaged = not log_in_order(archive.read("log.bin"))
    except OversizedArchiveError:
        raise
    except _READ_ERRORS:
        damaged = True
    if damaged:
        notes = []
        data, xyz, nhanes, fs, start_ticks, device, corrupt = _repair(path, notes)
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
    t0 = float(time[0])
    stretches = [Stretch(a - t0, b - t0, "corrupt") for a, b in corrupt if b > t0]
    return build_accel_recording(time, accel, fs, device, notes, idle_mask=idle, corrupt=stretches)


#: pygt3x's warnings that mean the log holds damaged, repeated or unknown records.
_DAMAGE_WORDS = ("checksum", "duplicate", "unsupported event", "time drift")


def _looks_damaged(
    data: np.ndarray, nhanes: bool, notes: list[str], start_ticks: int, last_ticks: int
) -> bool:
    """Whether pygt3x's reading shows damage: its warnings, a time axis that does not run
    forward, or samples outside the recording's start and last-sample times."""
    if any(word in n.lower() for n in notes for word in _DAMAGE_WORDS):
        return True
    if nhanes or data.shape[0] == 0:
        return False
    t = data[:, 0]
    if np.any(np.diff(t) <= 0):
        return True
    if start_ticks and t[0] < _ticks_to_posix(start_ticks) - 1.0:
        return True
    if last_ticks and t[-1] > _ticks_to_posix(last_ticks) + 1.0:
        return True
    # Reading stopped well before the last sample the device wrote.
    return bool(last_ticks and t[-1] < _ticks_to_posix(last_ticks) - 30.0)


_LOCAL_HEADER = b"PK\x03\x04"
_READ_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    EOFError,
    ValueError,
    OSError,
    IndexError,
    struct.error,
    zlib.error,
    CorruptFileError,
)


def _read_pygt3x(
    source: str | io.BytesIO, notes: list[str]
) -> tuple[np.ndarray, np.ndarray, bool, float, int, str, int]:
    from pygt3x.reader import FileReader

    with captured_messages(notes), FileReader(source) as reader:
        data = reader.acceleration
        nhanes = bool(reader.nhanes)
        if data.shape[0] and not nhanes:
            xyz = reader.calibrate_acceleration(data[:, 1:4])
        else:
            xyz = data[:, 1:4]
        fs = float(reader.info.sample_rate)
        start_ticks = int(reader.info.start_date)
        device = f"ActiGraph {reader.info.device_type} (.gt3x)"
        last_ticks = int(reader.info.last_sample_time or 0)
    return data, xyz, nhanes, fs, start_ticks, device, last_ticks


def _ticks_to_posix(ticks: int) -> float:
    return ticks / 1e7 - _DOTNET_EPOCH_OFFSET_S


def _repair(
    path: Path, notes: list[str]
) -> tuple[np.ndarray, np.ndarray, bool, float, int, str, list[tuple[float, float]]]:
    """Read what a damaged archive still holds (:mod:`.gt3x_repair`), saying what is lost."""
    raw = path.read_bytes()
    got = salvage_zip(raw)
    info = got.members.get("info.txt")
    log = got.members.get("log.bin")
    rebuilt_info = False
    if (info is None or "info.txt" in got.damaged or not info.strip()) and log is not None:
        # Cut short before info.txt (its last member in ActiLife exports): the device
        # wrote the rate and scale into the log too.
        info = info_from_log(clean_log(log).log)
        rebuilt_info = info is not None
    if info is None or ("info.txt" in got.damaged and not rebuilt_info) or not info.strip():
        logged = got.damaged.get("log.bin", 1.0 if "log.bin" in got.members else 0.0)
        raise CorruptFileError(
            f"{path.name}: the .gt3x archive is damaged or cut short and its info.txt "
            "(sample rate, start time, device) is lost, so no sample can be placed "
            f"({logged:.0%} of the recording data was still there). Download the "
            "recording from the device again."
        )
    if log is None:
        raise CorruptFileError(
            f"{path.name}: the .gt3x archive is damaged or cut short and its "
            f"{'activity.bin' if 'activity.bin' in got.members else 'log.bin'} cannot be "
            "read. Download the recording from the device again."
        )
    fields = dict(
        (k.strip(), v.strip())
        for k, _, v in (
            line.partition(":") for line in info.decode("utf-8-sig", "replace").splitlines()
        )
    )
    clean = clean_log(log)
    if not clean.log:
        raise CorruptFileError(
            f"{path.name}: the .gt3x archive is damaged from its first record on; no "
            "sample can be read. Download the recording from the device again."
        )
    members = {"info.txt": info, "log.bin": clean.log}
    for extra in ("calibration.json", "temperature_calibration.json"):
        if extra in got.members and extra not in got.damaged:
            members[extra] = got.members[extra]
    corrupt = clean.corrupt
    try:
        try:
            data, xyz, nhanes, fs, start_ticks, device, _ = _read_pygt3x(rebuild_zip(members), [])
        except _READ_ERRORS:
            # Records after the damage still confuse the decoder: keep what precedes it.
            if not 0 < clean.prefix < len(clean.log):
                raise
            members["log.bin"] = clean.log[: clean.prefix]
            clean.damaged_bytes = clean.out_of_time = 0
            corrupt = []
            data, xyz, nhanes, fs, start_ticks, device, _ = _read_pygt3x(rebuild_zip(members), [])
    except _READ_ERRORS as exc:
        raise CorruptFileError(
            f"{path.name}: the .gt3x archive is damaged beyond repair. Download the "
            "recording from the device again."
        ) from exc
    if data.shape[0] == 0:
        raise CorruptFileError(
            f"{path.name}: the .gt3x archive is damaged and holds no readable sample. "
            "Download the recording from the device again."
        )
    share = got.damaged.get("log.bin", 1.0)
    if rebuilt_info:
        notes.append(
            "The .gt3x archive was cut short before its info.txt; the sample rate, "
            "scale and start were taken from the device's parameters record in the log, "
            "and how much of the recording's end is lost cannot be told."
        )
    if share < 1.0:
        notes.append(
            f"The .gt3x archive is cut short or damaged after {share:.0%} of its "
            "recording data; the records before that point were recovered."
        )
    if clean.damaged_bytes:
        notes.append(
            f"{clean.damaged_bytes:,} damaged bytes of the ActiGraph log were stepped over; "
            "the records after them were recovered."
        )
    if clean.repeated:
        notes.append(f"{clean.repeated} ActiGraph record(s) written twice were read once.")
    if clean.out_of_time:
        notes.append(
            f"{clean.out_of_time} second(s) of ActiGraph records with time stamps out of "
            "order with the records around them were left out."
        )
    expected = _ticks_to_posix(int(fields.get("Last Sample Time", "0") or 0))
    first = float(data[0, 0])
    got_to = float(data[-1, 0]) + 1.0 / fs
    if not nhanes and expected > got_to + 30.0 and expected > first:
        lost = expected - got_to
        whole = expected - first
        when = datetime.fromtimestamp(got_to, tz=UTC)
        notes.append(
            f"The recording is lost from {when:%Y-%m-%d %H:%M:%S} (device clock) to its "
            f"end: {_span(lost)}, {lost / whole:.0%} of the recording, could not be "
            "recovered."
        )
    began = _ticks_to_posix(start_ticks)
    if not nhanes and first > began + 30.0 and first < got_to:
        lost = first - began
        notes.append(
            f"The start of the recording is lost: {_span(lost)}, "
            f"{lost / max(got_to - began, 1.0):.0%} of the recording, could not be "
            f"recovered; the reading starts at "
            f"{datetime.fromtimestamp(first, tz=UTC):%Y-%m-%d %H:%M:%S} (device clock)."
        )
    return data, xyz, nhanes, fs, start_ticks, device, corrupt


def _span(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"
