# SPDX-License-Identifier: AGPL-3.0-or-later
"""GENEActiv and original GENEA ``.bin`` files.

GENEActiv files are decoded by scikit-digital-health. Files it rejects (a truncated
or damaged page stops it) are decoded page by page by :func:`read_geneactiv_pages`,
which skips and reports the bad pages; on intact files it gives the same samples as
scikit-digital-health (tested). The original GENEA (2010) binary layout is read by
:func:`read_genea`: no maintained Python library reads it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from nervepath.science.movement.errors import CorruptFileError, UnsupportedFormatError
from nervepath.science.movement.readers._util import build_accel_recording, captured_messages
from nervepath.science.movement.recording import AccelRecording

__all__ = ["read_bin", "read_genea", "read_geneactiv_pages"]

_GENEA_PAGE = 2048
_GENEA_CHUNKS = 341  # 6-byte chunks per page, 2 padding bytes


def read_bin(path: str | Path) -> AccelRecording:
    """Read a GENEActiv or original GENEA ``.bin`` file.

    Parameters
    ----------
    path : str or Path
        The ``.bin`` file.

    Returns
    -------
    AccelRecording
        Acceleration in g with gaps and non-wear as stretches.

    Raises
    ------
    UnsupportedFormatError
        The file is neither a GENEActiv nor a GENEA file.
    CorruptFileError
        The file cannot be decoded.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(64)
    if head.startswith(b"GENEA/"):
        return read_genea(path)
    if b"Device Identity" not in head:
        raise UnsupportedFormatError(
            f"{path.name}: not a GENEActiv .bin file (no 'Device Identity' header)."
        )
    notes: list[str] = []
    from skdh.io import ReadBin
    from skdh.utility.exceptions import FileSizeError

    try:
        with captured_messages(notes):
            data = ReadBin().predict(file=str(path))
        time = np.asarray(data["time"], dtype=np.float64)
        accel = np.asarray(data["accel"], dtype=np.float64)
        fs = float(data["fs"])
    except (
        RuntimeError,
        ValueError,
        OSError,
        KeyError,
        FileSizeError,  # under 1 kB (found by the upload fuzz test)
    ) as exc:  # short or damaged files
        notes.append(f"scikit-digital-health could not decode the file ({exc}); read page by page.")
        time, accel, fs = read_geneactiv_pages(path, notes)
    return build_accel_recording(time, accel, fs, "GENEActiv (.bin)", notes)


def read_geneactiv_pages(
    path: str | Path, notes: list[str]
) -> tuple[np.ndarray, np.ndarray, float]:
    """Decode a GENEActiv ``.bin`` file page by page, skipping damaged pages.

    Each page is a text block (``Recorded Data``, ``Page Time``, ...,
    ``Measurement Frequency``) followed by 3600 hexadecimal characters: 300 samples
    of 48 bits (x, y, z as 12-bit two's complement, light, button). Acceleration in g
    is ``(raw * 100 - offset) / gain`` with the header's calibration.

    Parameters
    ----------
    path : str or Path
        The ``.bin`` file.
    notes : list of str
        Receives a note for every skipped page.

    Returns
    -------
    time : ndarray, shape (N,)
        POSIX seconds of the device clock.
    accel : ndarray, shape (N, 3)
        Acceleration in g.
    fs : float
        Sampling rate in Hz.

    Raises
    ------
    CorruptFileError
        The calibration header is missing or no page is readable.

    References
    ----------
    Activinsights. GENEActiv instructions for use, binary file format (pages of 300
    samples in hexadecimal, 12-bit signed axes, header gains and offsets).
    """
    path = Path(path)
    text = Path(path).read_bytes().decode("latin-1")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    head: dict[str, str] = {}
    for line in lines:
        if line.startswith("Recorded Data"):
            break
        if ":" in line:
            key, value = line.split(":", 1)
            head.setdefault(key.strip().lower(), value.strip())
    try:
        gain = np.array([float(head[f"{a} gain"]) for a in "xyz"])
        offset = np.array([float(head[f"{a} offset"]) for a in "xyz"])
        fs = float(head["measurement frequency"].split()[0])
    except (KeyError, ValueError, IndexError) as exc:
        raise CorruptFileError(
            f"{path.name}: the GENEActiv header has no calibration ({exc})."
        ) from exc
    starts = [i for i, line in enumerate(lines) if line.startswith("Recorded Data")]
    hex_pages, page_times, skipped = [], [], []
    for number, i in enumerate(starts):
        fields = {}
        for line in lines[i + 1 : i + 9]:
            if ":" in line:
                key, value = line.split(":", 1)
                fields[key.strip().lower()] = value.strip()
        payload = lines[i + 9] if i + 9 < len(lines) else ""
        stamp = fields.get("page time", "")
        if len(payload) != 3600 or len(stamp) < 19:
            skipped.append(number)
            continue
        try:
            bytes.fromhex(payload[:12])
            seconds = datetime.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")
            millis = float(stamp[20:]) / 1000 if len(stamp) > 20 else 0.0
        except ValueError:
            skipped.append(number)
            continue
        hex_pages.append(payload)
        page_times.append(seconds.replace(tzinfo=UTC).timestamp() + millis)
    if skipped:
        notes.append(
            f"{len(skipped)} damaged or incomplete page(s) skipped "
            f"(page numbers {', '.join(map(str, skipped))})."
        )
    if not hex_pages:
        raise CorruptFileError(f"{path.name}: no readable page in the GENEActiv file.")
    try:
        raw = np.frombuffer(bytes.fromhex("".join(hex_pages)), dtype=np.uint8)
    except ValueError as exc:
        raise CorruptFileError(f"{path.name}: a page holds non-hexadecimal data.") from exc
    b = raw.reshape(-1, 6).astype(np.int32)
    xyz = np.empty((b.shape[0], 3), dtype=np.int32)
    xyz[:, 0] = (b[:, 0] << 4) | (b[:, 1] >> 4)
    xyz[:, 1] = ((b[:, 1] & 15) << 8) | b[:, 2]
    xyz[:, 2] = (b[:, 3] << 4) | (b[:, 4] >> 4)
    xyz -= 4096 * (xyz > 2047)
    accel = (xyz * 100.0 - offset) / gain
    k = np.arange(300) / fs
    time = (np.asarray(page_times)[:, None] + k[None, :]).ravel()
    return time, accel, fs


def read_genea(path: str | Path) -> AccelRecording:
    """Read an original GENEA (2010, ``GENEA/1.00`` header) ``.bin`` file.

    After a CR-LF text header ending in a blank line come 2048-byte pages of 341
    six-byte chunks. The high nibble of a chunk's second byte is its type: 0 holds one
    triaxial sample as three 12-bit two's-complement values, 2 a 32-bit POSIX time
    stamp, 4 a battery reading. Samples are calibrated with the header's
    ``Accel-Offsets`` and ``Accel-Gains`` (gain 8192 = unity) at 340 counts per g;
    x and z are inverted, as in the manufacturer's MATLAB reader.

    Parameters
    ----------
    path : str or Path
        The ``.bin`` file.

    Returns
    -------
    AccelRecording
        Acceleration in g; sample times interpolated between the per-second stamps.

    Raises
    ------
    CorruptFileError
        The header is incomplete or the file holds no samples or time stamps.

    References
    ----------
    Migueles JH, Rowlands AV, et al. GGIR: a research community-driven open source R
    package for generating physical activity and sleep outcomes from multi-day raw
    accelerometer data. J Meas Phys Behav 2019;2:188-196. doi:10.1123/jmpb.2018-0063
    (``readGenea`` in GGIRread documents the layout).
    """
    path = Path(path)
    raw = np.fromfile(path, dtype=np.uint8)
    blob = raw.tobytes()
    end = blob.find(b"\r\n\r\n")
    if end < 0:
        raise CorruptFileError(f"{path.name}: the GENEA header has no end; the file is damaged.")
    header = blob[:end].decode("latin-1")
    fields = dict(line.split(":", 1) for line in header.splitlines()[1:] if ":" in line)
    fs_match = re.match(r"\s*([\d.]+)", fields.get("Sample-Rate", ""))
    if fs_match is None:
        raise CorruptFileError(f"{path.name}: the GENEA header has no Sample-Rate.")
    fs = float(fs_match.group(1))
    offsets = np.array(fields.get("Accel-Offsets", "0 0 0").split(), dtype=np.int32)
    gains = np.array(fields.get("Accel-Gains", "8192 8192 8192").split(), dtype=np.int32)
    body = raw[end + 4 :]
    n_pages = body.size // _GENEA_PAGE
    if n_pages == 0:
        raise CorruptFileError(f"{path.name}: the GENEA file holds no data pages.")
    chunks = body[: n_pages * _GENEA_PAGE].reshape(n_pages, _GENEA_PAGE)
    chunks = chunks[:, : _GENEA_CHUNKS * 6].reshape(-1, 6)
    kind = chunks[:, 1] >> 4
    is_acc = kind == 0
    is_ts = kind == 2
    if not is_ts.any() or not is_acc.any():
        raise CorruptFileError(f"{path.name}: no samples or time stamps in the GENEA data.")
    d = chunks[is_acc].astype(np.int32)
    xyz = np.empty((d.shape[0], 3), dtype=np.int32)
    xyz[:, 0] = d[:, 2] + ((d[:, 1] & 15) << 8)
    xyz[:, 1] = (d[:, 3] << 4) + (d[:, 4] >> 4)
    xyz[:, 2] = ((d[:, 4] & 15) << 8) + d[:, 5]
    xyz -= 4096 * (xyz > 2047)
    xyz[:, [0, 2]] *= -1
    xyz = np.round((xyz + offsets) * gains / 8192)
    accel = xyz / 340.0
    t = chunks[is_ts].astype(np.int64)
    stamps = (t[:, 2] << 24) + (t[:, 3] << 16) + (t[:, 4] << 8) + t[:, 5]
    # Sample index at which each time stamp was written.
    stamp_at = np.cumsum(is_acc)[is_ts]
    keep = np.concatenate(([True], np.diff(stamps) > 0))
    stamps, stamp_at = stamps[keep], stamp_at[keep]
    idx = np.arange(accel.shape[0])
    if stamps.size >= 2:
        time = np.interp(idx, stamp_at, stamps.astype(np.float64), left=np.nan, right=np.nan)
        before = idx < stamp_at[0]
        after = idx > stamp_at[-1]
        time[before] = stamps[0] - (stamp_at[0] - idx[before]) / fs
        time[after] = stamps[-1] + (idx[after] - stamp_at[-1]) / fs
    else:
        time = stamps[0] + (idx - stamp_at[0]) / fs
    notes = [f"Original GENEA file, serial {fields.get('Serial-Number', '?').strip()}."]
    return build_accel_recording(time, accel, fs, "GENEA (.bin)", notes)
