# SPDX-License-Identifier: AGPL-3.0-or-later
"""GENEActiv and original GENEA ``.bin`` files.

GENEActiv files are decoded page by page by :func:`read_geneactiv_pages`, which
checks every page and reports and leaves out the damaged ones; on intact pages it
gives the same samples as scikit-digital-health (tested). scikit-digital-health
itself is not used to read: it stops at the first truncated page (the real test file
ends in one) and cannot say which page of a file is damaged. The original GENEA
(2010) binary layout is read by :func:`read_genea`: no maintained Python library
reads it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from nervepath.science.movement.errors import CorruptFileError, UnsupportedFormatError
from nervepath.science.movement.readers._util import build_accel_recording, in_time_order
from nervepath.science.movement.recording import AccelRecording, Stretch

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
        Acceleration in g with gaps, damaged pages and non-wear as stretches.

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
    time, accel, fs, corrupt = read_geneactiv_pages(path, notes)
    start = float(time[0])
    stretches = [Stretch(a - start, b - start, "corrupt") for a, b in corrupt]
    return build_accel_recording(time, accel, fs, "GENEActiv (.bin)", notes, corrupt=stretches)


_HEX_PAGE = re.compile(rb"[0-9A-Fa-f]{3600}")


def _page_list(numbers: list[int], limit: int = 8) -> str:
    """``"page 4"``, ``"pages 4, 7-9"``; long lists end in "and N more"."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in runs[:limit]]
    more = f" and {len(runs) - limit} more" if len(runs) > limit else ""
    word = "page" if len(numbers) == 1 else "pages"
    return f"{word} {', '.join(parts)}{more}"


def read_geneactiv_pages(
    path: str | Path, notes: list[str]
) -> tuple[np.ndarray, np.ndarray, float, list[tuple[float, float]]]:
    """Decode a GENEActiv ``.bin`` file page by page, leaving damaged pages out.

    Each page is a text block (``Recorded Data``, ``Sequence Number``, ``Page Time``,
    ..., ``Measurement Frequency``) followed by 3600 hexadecimal characters: 300
    samples of 48 bits (x, y, z as 12-bit two's complement, light, button).
    Acceleration in g is ``(raw * 100 - offset) / gain`` with the header's
    calibration. Pages are put in sequence-number order; a page is left out, and named
    by its sequence number in a note, when it is incomplete, holds a character that is
    not hexadecimal, holds only zeros (erased memory), repeats a sequence number, or
    has a time stamp out of order with its neighbours. Pages whose sequence numbers
    are missing are named too. The time between the pages kept on either side of a
    page left out is returned as a damaged stretch. On intact pages the samples are
    scikit-digital-health's (tested).

    Parameters
    ----------
    path : str or Path
        The ``.bin`` file.
    notes : list of str
        Receives one sentence per kind of damage found.

    Returns
    -------
    time : ndarray, shape (N,)
        POSIX seconds of the device clock, strictly increasing.
    accel : ndarray, shape (N, 3)
        Acceleration in g.
    fs : float
        Sampling rate in Hz.
    corrupt : list of (float, float)
        POSIX seconds spanned by pages left out between pages kept.

    Raises
    ------
    CorruptFileError
        The calibration header is missing, the file has no pages, or no page is
        readable.

    References
    ----------
    Activinsights. GENEActiv instructions for use, binary file format (pages of 300
    samples in hexadecimal, 12-bit signed axes, header gains and offsets).
    """
    path = Path(path)
    blob = path.read_bytes()
    first = blob.find(b"Recorded Data")
    header = (blob if first < 0 else blob[:first]).decode("latin-1")
    head: dict[str, str] = {}
    for line in header.splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            head.setdefault(key.strip().lower(), value.strip())
    try:
        gain = np.array([float(head[f"{a} gain"]) for a in "xyz"])
        offset = np.array([float(head[f"{a} offset"]) for a in "xyz"])
        fs = float(head["measurement frequency"].split()[0])
        if not (np.all(gain > 0) and 0 < fs < 10_000):
            raise ValueError("gain or rate out of range")
    except (KeyError, ValueError, IndexError) as exc:
        raise CorruptFileError(
            f"{path.name}: the GENEActiv header has no usable calibration or sampling "
            "rate; the file is damaged. Download it from the device again."
        ) from exc
    if first < 0:
        raise CorruptFileError(
            f"{path.name}: the GENEActiv file has a header but no recorded pages. The "
            "device recorded nothing, or the download stopped before the data."
        )
    segments = blob[first:].split(b"Recorded Data")[1:]
    seqs: list[int] = []
    starts: list[float] = []
    payloads: list[bytes] = []
    damaged: list[int] = []
    previous = -1
    for segment in segments:
        lines = segment.split(b"\n", 10)
        fields: dict[str, str] = {}
        for field_line in lines[1:9]:
            key, _, value = field_line.decode("latin-1").partition(":")
            fields[key.strip().lower()] = value.strip()
        try:
            seq = int(fields["sequence number"])
        except (KeyError, ValueError):
            seq = previous + 1
        previous = seq
        payload = lines[9].strip() if len(lines) > 9 else b""
        stamp = fields.get("page time", "")
        try:
            if not _HEX_PAGE.fullmatch(payload):
                raise ValueError("not 3600 hexadecimal characters")
            seconds = datetime.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")
            millis = float(stamp[20:]) / 1000 if len(stamp) > 20 else 0.0
        except ValueError:
            damaged.append(seq)
            continue
        seqs.append(seq)
        payloads.append(payload)
        starts.append(seconds.replace(tzinfo=UTC).timestamp() + millis)
    if damaged and damaged[-1] == previous and len(segments[-1]) < 3700:
        notes.append(
            f"The GENEActiv file ends part-way through page {damaged.pop()} (the download "
            "was cut short); that page was left out."
        )
    if damaged:
        notes.append(
            f"{_page_list(damaged).capitalize()} of the GENEActiv file "
            f"{'is' if len(damaged) == 1 else 'are'} damaged or incomplete and "
            f"{'was' if len(damaged) == 1 else 'were'} left out."
        )
    if not payloads:
        raise CorruptFileError(f"{path.name}: no readable page in the GENEActiv file.")
    raw = np.frombuffer(bytes.fromhex(b"".join(payloads).decode("ascii")), dtype=np.uint8)
    b = raw.reshape(-1, 6).astype(np.int32)
    xyz = np.empty((b.shape[0], 3), dtype=np.int32)
    xyz[:, 0] = (b[:, 0] << 4) | (b[:, 1] >> 4)
    xyz[:, 1] = ((b[:, 1] & 15) << 8) | b[:, 2]
    xyz[:, 2] = (b[:, 3] << 4) | (b[:, 4] >> 4)
    xyz -= 4096 * (xyz > 2047)
    pages = xyz.reshape(-1, 300, 3)
    seq_a = np.asarray(seqs)
    start_a = np.asarray(starts)
    keep = np.ones(seq_a.size, dtype=bool)
    zero = ~pages.any(axis=(1, 2))
    if zero.any():
        notes.append(
            f"{_page_list(seq_a[zero].tolist()).capitalize()} of the GENEActiv file "
            "held only zeros (erased memory, not a measurement) and "
            f"{'was' if zero.sum() == 1 else 'were'} left out."
        )
        keep &= ~zero
    order = np.argsort(seq_a, kind="stable")
    if np.any(np.diff(seq_a) < 0):
        notes.append("GENEActiv pages stored out of order were put back in sequence order.")
    order = order[keep[order]]
    repeat = np.concatenate(([False], np.diff(seq_a[order]) == 0))
    if repeat.any():
        notes.append(
            f"{_page_list(seq_a[order][repeat].tolist()).capitalize()} of the GENEActiv "
            "file appeared twice; the copy was left out."
        )
        order = order[~repeat]
    in_time = in_time_order(start_a[order], start_a[order] + 300 / fs)
    if not in_time.all():
        bad = order[~in_time]
        when = datetime.fromtimestamp(float(start_a[bad[0]]), tz=UTC)
        notes.append(
            f"{_page_list(seq_a[bad].tolist()).capitalize()} of the GENEActiv file "
            f"{'has a time stamp' if bad.size == 1 else 'have time stamps'} out of "
            f"order with the pages around (first: {when:%Y-%m-%d %H:%M:%S}) and "
            f"{'was' if bad.size == 1 else 'were'} left out."
        )
        order = order[in_time]
    kept_seq = seq_a[order]
    all_seq = set(seqs) | set(damaged)
    missing = sorted(set(range(min(all_seq), max(all_seq) + 1)) - all_seq)
    if missing:
        notes.append(
            f"{_page_list(missing).capitalize()} of the GENEActiv file "
            f"{'is' if len(missing) == 1 else 'are'} missing (unreadable bytes)."
        )
    kept_start = start_a[order]
    corrupt = [
        (float(kept_start[i] + 300 / fs), float(kept_start[i + 1]))
        for i in np.flatnonzero(np.diff(kept_seq) > 1)
        if kept_start[i + 1] > kept_start[i] + 300 / fs
    ]
    accel = (pages[order].reshape(-1, 3) * 100.0 - offset) / gain
    k = np.arange(300) / fs
    time = (kept_start[:, None] + k[None, :]).ravel()
    return time, accel, fs, corrupt


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
        raise CorruptFileError(
            f"{path.name}: the GENEA file has a header but no data pages. The device "
            "recorded nothing, or the download stopped before the data."
        )
    notes = [f"Original GENEA file, serial {fields.get('Serial-Number', '?').strip()}."]
    if body.size % _GENEA_PAGE:
        notes.append(
            f"The GENEA file ends part-way through page {n_pages} (counted from 0; the "
            "download was cut short); that part was left out."
        )
    pages = body[: n_pages * _GENEA_PAGE].reshape(n_pages, _GENEA_PAGE)
    time, accel, corrupt = _genea_pages(pages, offsets, gains, fs, notes)
    if time.size == 0:
        raise CorruptFileError(f"{path.name}: no readable page in the GENEA file.")
    start = float(time[0])
    stretches = [Stretch(a - start, b - start, "corrupt") for a, b in corrupt]
    return build_accel_recording(time, accel, fs, "GENEA (.bin)", notes, corrupt=stretches)


def _genea_pages(
    pages: np.ndarray, offsets: np.ndarray, gains: np.ndarray, fs: float, notes: list[str]
) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """Decode GENEA pages, leaving out erased, garbled and out-of-time pages.

    Returns sample times (POSIX seconds), acceleration in g, and the POSIX spans of
    pages left out between pages kept. Pages are numbered from 0 in the notes.
    """
    n_pages = pages.shape[0]
    chunks = pages[:, : _GENEA_CHUNKS * 6].reshape(n_pages, _GENEA_CHUNKS, 6)
    kind = chunks[:, :, 1] >> 4
    erased = ~pages.any(axis=1) | (pages == 0xFF).all(axis=1)
    garbled = ~erased & ~np.isin(kind, (0, 2, 4)).all(axis=1)
    is_acc = kind == 0
    is_ts = kind == 2
    stamps_of = chunks.astype(np.int64)
    stamp = (
        (stamps_of[:, :, 2] << 24)
        + (stamps_of[:, :, 3] << 16)
        + (stamps_of[:, :, 4] << 8)
        + stamps_of[:, :, 5]
    )
    # Samples written before each chunk of its page.
    before = np.cumsum(is_acc, axis=1) - is_acc
    n_acc = is_acc.sum(axis=1)
    # The page's clock origin by each of its stamps: all agree within a second.
    origin = np.where(is_ts, stamp - before / fs, np.nan)
    with np.errstate(all="ignore"):
        first = np.nanmin(np.where(is_ts, origin, np.inf), axis=1)
        last = np.nanmax(np.where(is_ts, origin, -np.inf), axis=1)
    no_stamp = ~is_ts.any(axis=1)
    garbled |= ~erased & ~no_stamp & (last - first > 2.0)
    usable = ~erased & ~garbled & (n_acc > 0) & ~no_stamp
    start = np.where(usable, first, np.nan)
    end = start + n_acc / fs
    idx = np.flatnonzero(usable)
    in_time = in_time_order(start[idx], end[idx])
    late = idx[~in_time]
    keep = np.zeros(n_pages, dtype=bool)
    keep[idx[in_time]] = True
    for mask, what in (
        (erased, "held only erased bytes (zeros or ones), not a measurement"),
        (
            garbled | (~erased & no_stamp),
            "held unknown chunks, no time stamp or time stamps that disagree",
        ),
    ):
        if mask.any():
            n = int(mask.sum())
            notes.append(
                f"GENEA {_page_list(np.flatnonzero(mask).tolist())} (counted from 0) {what} "
                f"and {'was' if n == 1 else 'were'} left out."
            )
    if late.size:
        notes.append(
            f"GENEA {_page_list(late.tolist())} (counted from 0) "
            f"{'has' if late.size == 1 else 'have'} time stamps out of order with the "
            f"pages around (the device clock jumped) and {'was' if late.size == 1 else 'were'} "
            "left out."
        )
    times: list[np.ndarray] = []
    accels: list[np.ndarray] = []
    corrupt: list[tuple[float, float]] = []
    # A run is pages next to each other in the file whose clocks follow on; its sample
    # times are interpolated between its own stamps only.
    kept = np.flatnonzero(keep)
    follows = (np.diff(kept) == 1) & (np.abs(start[kept[1:]] - end[kept[:-1]]) < 0.5)
    runs = np.split(kept, np.flatnonzero(~follows) + 1)
    for run in runs:
        if run.size == 0:
            continue
        acc = is_acc[run].ravel()
        ts = is_ts[run].ravel()
        flat = chunks[run].reshape(-1, 6)
        at = np.cumsum(acc)[ts]  # index of the sample each stamp was written before
        st = stamp[run].ravel()[ts].astype(np.float64)
        ok = np.concatenate(([True], np.diff(st) > 0))
        st, at = st[ok], at[ok]
        i = np.arange(int(acc.sum()))
        t = np.interp(i, at, st)
        t[i < at[0]] = st[0] - (at[0] - i[i < at[0]]) / fs
        t[i > at[-1]] = st[-1] + (i[i > at[-1]] - at[-1]) / fs
        d = flat[acc].astype(np.int32)
        xyz = np.empty((d.shape[0], 3), dtype=np.int32)
        xyz[:, 0] = d[:, 2] + ((d[:, 1] & 15) << 8)
        xyz[:, 1] = (d[:, 3] << 4) + (d[:, 4] >> 4)
        xyz[:, 2] = ((d[:, 4] & 15) << 8) + d[:, 5]
        xyz -= 4096 * (xyz > 2047)
        xyz[:, [0, 2]] *= -1
        if times and t[0] > times[-1][-1] + 1.0 / fs:
            corrupt.append((float(times[-1][-1] + 1.0 / fs), float(t[0])))
        times.append(t)
        accels.append(np.round((xyz + offsets) * gains / 8192) / 340.0)
    if not times:
        return np.empty(0), np.empty((0, 3)), []
    return np.concatenate(times), np.concatenate(accels), corrupt
