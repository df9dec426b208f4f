# SPDX-License-Identifier: AGPL-3.0-or-later
"""Recover what a damaged or truncated ActiGraph ``.gt3x`` file still holds.

pygt3x reads ``log.bin`` record by record and cannot step over a damaged record, a
cut-short archive or a record whose time stamp is out of order (it stops, raises, or
writes the record over an earlier second). When the plain read shows damage, the
archive is read again here:

1. :func:`salvage_zip` walks the zip's local file headers (the central directory at
   the end may be missing) and inflates every member as far as its bytes allow.
2. :func:`clean_log` walks ``log.bin`` record by record, keeps a record only when its
   separator, type and checksum are right, steps over damaged bytes to the next valid
   record, and leaves out activity records whose time stamps are out of order with
   the records around them.
3. pygt3x then reads the cleaned ``log.bin`` from an archive rebuilt in memory.

References
----------
ActiGraph. GT3X file format, https://github.com/actigraph/GT3X-File-Format (log
records: separator 0x1E, type, 32-bit time stamp, 16-bit size, payload, checksum =
one's complement of the XOR of the header and payload bytes).
PKWARE. APPNOTE.TXT, .ZIP file format specification, section 4.3.7 (local file header).
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np

from nervepath.science.movement.readers._util import in_time_order

__all__ = [
    "CleanLog",
    "Salvage",
    "clean_log",
    "info_from_log",
    "log_in_order",
    "rebuild_zip",
    "salvage_zip",
]

_LOCAL = b"PK\x03\x04"
_ACTIVITY = (0x00, 0x1A, 0x1B)  # Activity, Activity2, Activity3
_KNOWN_TYPES = frozenset(range(0x00, 0x1F))
_SEPARATOR = 0x1E
#: Seconds between 0001-01-01 (.NET ticks epoch) and 1970-01-01.
_DOTNET_EPOCH_S = 62_135_596_800
#: Other records (capacitive sensing, battery, idle-sleep events) are written up to
#: 2 s after the activity record that follows them (seen on small.gt3x).
_EVENT_SLACK_S = 5.0


def log_in_order(log: bytes) -> bool:
    """Whether a ``log.bin`` reads as records back to back whose activity time stamps run
    forward and whose other records sit between them (headers only, no checksums)."""
    act: list[int] = []
    other: list[tuple[int, int]] = []
    at = 0
    n = len(log)
    while at + 9 <= n:
        if log[at] != _SEPARATOR:
            return False
        size = log[at + 6] | (log[at + 7] << 8)
        ts = int.from_bytes(log[at + 2 : at + 6], "little")
        if log[at + 1] in _ACTIVITY and size > 1:
            act.append(ts)
        else:
            other.append((len(act), ts))
        at += 9 + size
    a = np.asarray(act, dtype=np.int64)
    if a.size == 0 or np.any(np.diff(a) <= 0):
        return False
    if other:
        pos, ts_o = np.asarray(other, dtype=np.int64).T
        lo = np.where(pos > 0, a[np.maximum(pos - 1, 0)] - _EVENT_SLACK_S, -np.inf)
        hi = np.where(pos < a.size, a[np.minimum(pos, a.size - 1)] + _EVENT_SLACK_S, np.inf)
        if np.any((ts_o < lo) | (ts_o > hi)):
            return False
    return True


@dataclass
class Salvage:
    """Members recovered from a damaged zip.

    Parameters
    ----------
    members : dict of str to bytes
        Every member found, inflated as far as its bytes allow.
    damaged : dict of str to float
        Members that are incomplete or fail their CRC, with the share (0-1) of their
        compressed bytes that could be read.
    """

    members: dict[str, bytes] = field(default_factory=dict)
    damaged: dict[str, float] = field(default_factory=dict)


def salvage_zip(raw: bytes) -> Salvage:
    """Read every member of a zip as far as its bytes go: by the central directory when
    it is readable (a damaged local header is stepped over), else by local headers."""
    out = Salvage()
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            listed = sorted(archive.infolist(), key=lambda i: i.header_offset)
            directory = int(getattr(archive, "start_dir", len(raw)))
    except (zipfile.BadZipFile, OSError, ValueError):
        listed, directory = [], len(raw)
    ends = [i.header_offset for i in listed[1:]] + ([directory] if listed else [])
    for info, end in zip(listed, ends, strict=True):
        at = info.header_offset
        if at + 30 > len(raw):
            continue
        nlen, xlen = struct.unpack("<HH", raw[at + 26 : at + 30])
        begin = at + 30 + nlen + xlen
        if raw[at : at + 4] != _LOCAL or nlen != len(info.orig_filename.encode("utf-8")):
            # The local header is damaged: the data end where the next member starts
            # (after a 16-byte data descriptor when the flags say so).
            begin = end - info.compress_size - (16 if info.flag_bits & 8 else 0)
        body = raw[begin : begin + info.compress_size]
        data, used, complete = _inflate(body, info.compress_type)
        out.members[info.filename] = data
        if not complete or len(body) < info.compress_size or zlib.crc32(data) != info.CRC:
            out.damaged[info.filename] = min(1.0, used / max(info.compress_size, 1))
    at = raw.find(_LOCAL)
    while 0 <= at and at + 30 <= len(raw):
        (_, _, flags, method, _, _, crc, csize, _, nlen, xlen) = struct.unpack(
            "<IHHHHHIIIHH", raw[at : at + 30]
        )
        try:
            name = raw[at + 30 : at + 30 + nlen].decode("utf-8")
        except UnicodeDecodeError:
            at = raw.find(_LOCAL, at + 4)
            continue
        begin = at + 30 + nlen + xlen
        sized = not (flags & 8) or csize
        body = raw[begin : begin + csize] if sized else raw[begin:]
        data, used, complete = _inflate(body, method)
        if name and name not in out.members:
            out.members[name] = data
            declared = csize if sized else max(used, 1)
            if not complete or (sized and len(body) < csize) or zlib.crc32(data) != crc:
                out.damaged[name] = min(1.0, used / max(declared, 1))
        nxt = begin + (used if not sized else csize)
        at = raw.find(_LOCAL, max(nxt, at + 4))
    return out


def _inflate(body: bytes, method: int) -> tuple[bytes, int, bool]:
    """Inflate as far as possible: (data, compressed bytes used, reached the end)."""
    if method == 0:
        return body, len(body), True
    if method != 8:
        return b"", 0, False
    d = zlib.decompressobj(-15)
    parts: list[bytes] = []
    used = 0
    step = 1 << 16
    try:
        for i in range(0, len(body), step):
            parts.append(d.decompress(body[i : i + step]))
            used = min(len(body), i + step) - len(d.unused_data)
            if d.eof:
                break
    except zlib.error:
        return b"".join(parts), used, False
    return b"".join(parts), used, d.eof


@dataclass
class CleanLog:
    """A ``log.bin`` with only valid records in time order.

    Parameters
    ----------
    log : bytes
        The records kept.
    damaged_bytes : int
        Bytes stepped over between valid records.
    cut_bytes : int
        Bytes after the last valid record (a cut-short log ends in a partial record).
    prefix : int
        Length of ``log`` before the first record or bytes left out: what reads when
        the records after the damage cannot.
    out_of_time : int
        Activity records left out for a time stamp out of order.
    repeated : int
        Activity records left out because they repeat the record before them.
    corrupt : list of (float, float)
        POSIX seconds (device clock) between the activity records kept on either side
        of bytes or records left out.
    last_time : float
        Time stamp of the last activity record kept plus one second.
    """

    log: bytes
    damaged_bytes: int = 0
    cut_bytes: int = 0
    prefix: int = 0
    out_of_time: int = 0
    repeated: int = 0
    corrupt: list[tuple[float, float]] = field(default_factory=list)
    last_time: float = float("nan")


def _valid(log: bytes, at: int) -> int:
    """End of a valid record starting at ``at``, or -1."""
    if at + 9 > len(log) or log[at] != _SEPARATOR or log[at + 1] not in _KNOWN_TYPES:
        return -1
    size = log[at + 6] | (log[at + 7] << 8)
    end = at + 8 + size + 1
    if end > len(log) or (log[at + 1] == 0x1A and size > 1 and size % 6):
        return -1  # past the end, or Activity2 samples that are not whole int16 triples
    check = np.bitwise_xor.reduce(np.frombuffer(log, dtype=np.uint8, count=end - 1 - at, offset=at))
    return end if (~int(check)) & 0xFF == log[end - 1] else -1


def clean_log(log: bytes) -> CleanLog:
    """Keep the valid records of a ``log.bin``, in time order; see the module notes."""
    spans: list[tuple[int, int]] = []
    types: list[int] = []
    stamps: list[int] = []
    damaged_after: list[bool] = []  # damaged bytes come right before this record
    skipped = skipped_run = 0
    at = 0
    gap = False
    while at + 9 <= len(log):
        end = _valid(log, at)
        if end < 0:
            nxt = log.find(bytes((_SEPARATOR,)), at + 1)
            while 0 <= nxt and _valid(log, nxt) < 0:
                nxt = log.find(bytes((_SEPARATOR,)), nxt + 1)
            stop = len(log) if nxt < 0 else nxt
            skipped += stop - at
            skipped_run = stop - at
            gap = True
            at = stop
            continue
        spans.append((at, end))
        types.append(log[at + 1])
        stamps.append(int.from_bytes(log[at + 2 : at + 6], "little"))
        damaged_after.append(gap)
        gap = False
        at = end
    tail = len(log) - at
    if gap and spans:
        # Damaged bytes up to the end of the log: the log was cut short there.
        tail += skipped_run
        skipped -= skipped_run
    kind = np.asarray(types, dtype=np.int64)
    ts = np.asarray(stamps, dtype=np.float64)
    size = np.asarray([e - s for s, e in spans], dtype=np.int64) - 9
    act = np.flatnonzero(np.isin(kind, _ACTIVITY) & (size > 1))
    keep = np.ones(kind.size, dtype=bool)
    damaged = np.asarray(damaged_after, dtype=bool)
    if act.size:
        # Every activity record holds one second: the same size. pygt3x needs that, and
        # a record of another size passed its checksum by chance.
        sizes, counts = np.unique(size[act], return_counts=True)
        odd = act[size[act] != sizes[np.argmax(counts)]]
        keep[odd] = False
        damaged[odd] = True
        act = act[keep[act]]
    # A record written twice (the same bytes again) is a repeat, not lost data.
    repeat = [
        int(j)
        for i, j in itertools.pairwise(act)
        if log[spans[i][0] : spans[i][1]] == log[spans[j][0] : spans[j][1]]
    ]
    keep[repeat] = False
    act = act[keep[act]]
    in_time = in_time_order(ts[act], ts[act] + 1.0)
    keep[act[~in_time]] = False
    kept_act = act[in_time]
    # Other records (idle-sleep events, parameters) must sit between the activity
    # records kept around them: a stray time stamp would send pygt3x back in time.
    others = np.flatnonzero(~np.isin(np.arange(kind.size), act))
    if kept_act.size and others.size:
        pos = np.searchsorted(kept_act, others)
        lo = np.where(pos > 0, ts[kept_act[np.maximum(pos - 1, 0)]], -np.inf)
        hi = np.where(pos < kept_act.size, ts[kept_act[np.minimum(pos, kept_act.size - 1)]], np.inf)
        keep[others] = (ts[others] >= lo - _EVENT_SLACK_S) & (ts[others] <= hi + _EVENT_SLACK_S)
    # Only damaged bytes and activity records left out lose samples.
    lost = damaged
    lost[act[~in_time]] = True
    corrupt: list[tuple[float, float]] = []
    if kept_act.size:
        # Bytes or records left out between two activity records kept: that span is damaged.
        lost_before = np.cumsum(lost)
        for a, b in itertools.pairwise(kept_act):
            if lost_before[b] - lost_before[a] > 0 or lost[b]:
                if ts[b] > ts[a] + 1.0:
                    corrupt.append((float(ts[a] + 1.0), float(ts[b])))
    clean = b"".join(log[s:e] for (s, e), k in zip(spans, keep, strict=True) if k)
    first_lost = np.flatnonzero(lost | ~keep)
    cut = int(first_lost[0]) if first_lost.size else kind.size
    prefix = sum(e - s for (s, e), k in zip(spans[:cut], keep[:cut], strict=True) if k)
    return CleanLog(
        log=clean,
        damaged_bytes=skipped,
        cut_bytes=tail,
        prefix=prefix,
        out_of_time=int((~in_time).sum()),
        repeated=len(repeat),
        corrupt=corrupt,
        last_time=float(ts[kept_act[-1]] + 1.0) if kept_act.size else float("nan"),
    )


def rebuild_zip(members: dict[str, bytes]) -> io.BytesIO:
    """An in-memory zip (stored, not compressed) of the given members."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    buf.seek(0)
    return buf


def _ssp_float(value: int) -> float:
    """A PARAMETERS float: a 24-bit two's-complement fraction (/ 2**23) times 2**exponent,
    the exponent a signed byte on top (GT3X-File-Format, LogRecords/Parameters.md)."""
    exponent = (value >> 24) & 0xFF
    exponent -= 256 * (exponent > 127)
    fraction = value & 0xFFFFFF
    fraction -= (1 << 24) * (fraction >= 1 << 23)
    return fraction / float(1 << 23) * 2.0**exponent


def info_from_log(log: bytes) -> bytes | None:
    """An ``info.txt`` rebuilt from the log's PARAMETERS record, for an archive cut short
    before its own: sample rate (address 1, id 10), acceleration scale (address 0,
    id 55) and start (address 1, id 12, else the first activity record). None when the
    log has no such record or the values are not plausible."""
    at = 0
    params: dict[tuple[int, int], int] = {}
    first_activity = None
    while at + 9 <= len(log):
        size = log[at + 6] | (log[at + 7] << 8)
        kind = log[at + 1]
        if kind == 0x15 and not params:
            body = log[at + 8 : at + 8 + size]
            for i in range(0, len(body) - 7, 8):
                space, ident, value = struct.unpack("<HHI", body[i : i + 8])
                params[(space, ident)] = value
        if kind in _ACTIVITY and size > 1 and first_activity is None:
            first_activity = int.from_bytes(log[at + 2 : at + 6], "little")
        if params and first_activity is not None:
            break
        at += 9 + size
    rate = params.get((1, 10), 0)
    scale = _ssp_float(params[(0, 55)]) if (0, 55) in params else 0.0
    start = params.get((1, 12)) or first_activity
    if not (1 <= rate <= 1000 and 1.0 <= scale <= 100_000.0 and start):
        return None
    ticks = (int(start) + _DOTNET_EPOCH_S) * 10_000_000
    text = (
        f"Device Type: (info.txt lost)\r\nSample Rate: {rate}\r\n"
        f"Acceleration Scale: {scale:g}\r\nStart Date: {ticks}\r\n"
    )
    return text.encode("utf-8")
