# SPDX-License-Identifier: AGPL-3.0-or-later
"""Damaged copies of the real device files, made deterministically (tests and benchmark).

Every variant is built from the bytes of a real file in ``../shared/data/wearables``:
truncation at several points, flipped header bytes, zeroed, swapped and duplicated
blocks (``.cwa`` data blocks, GENEActiv and GENEA pages, ``.gt3x`` log records), and
time stamps jumping forward and back. :func:`check_outcome` states what every variant
must end in: a typed error with a sentence, or a reading in which the damaged stretch
is marked and left out and every sample kept is the intact file's sample at that time.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nervepath.science.movement.errors import MovementInputError
from nervepath.science.movement.readers import read_night
from nervepath.science.movement.recording import AccelRecording

CWA_BLOCK = 512
GENEA_PAGE = 2048


@dataclass(frozen=True)
class Variant:
    """One damaged copy of a real file."""

    source: str
    kind: str
    data: bytes

    @property
    def name(self) -> str:
        return f"{self.source}:{self.kind}"


# --- .cwa --------------------------------------------------------------------------


def _cwa_parts(raw: bytes) -> tuple[int, list[bytearray]]:
    header = raw[2] + (raw[3] << 8) + 4
    body = raw[header:]
    n = len(body) // CWA_BLOCK
    return header, [bytearray(body[i * CWA_BLOCK : (i + 1) * CWA_BLOCK]) for i in range(n)]


def _cwa_fix_checksum(block: bytearray) -> None:
    block[510:512] = b"\0\0"
    total = int(np.frombuffer(bytes(block), dtype="<u2").sum(dtype=np.uint64)) & 0xFFFF
    block[510:512] = ((-total) & 0xFFFF).to_bytes(2, "little")


def _cwa_shift_time(block: bytearray, seconds: int) -> None:
    from datetime import datetime, timedelta

    v = int.from_bytes(block[14:18], "little")
    t = datetime(
        2000 + (v >> 26),
        (v >> 22) & 0xF,
        (v >> 17) & 0x1F,
        (v >> 12) & 0x1F,
        (v >> 6) & 0x3F,
        v & 0x3F,
    ) + timedelta(seconds=seconds)
    packed = (
        (t.year - 2000) << 26
        | t.month << 22
        | t.day << 17
        | t.hour << 12
        | t.minute << 6
        | t.second
    )
    block[14:18] = packed.to_bytes(4, "little")
    _cwa_fix_checksum(block)


def cwa_variants(source: str, raw: bytes) -> Iterator[Variant]:
    header, blocks = _cwa_parts(raw)
    n = len(blocks)
    head = raw[:header]

    def join(bs: list[bytearray]) -> bytes:
        return head + b"".join(bytes(b) for b in bs)

    for frac in (0.25, 0.5, 0.9):
        yield Variant(source, f"truncated at {frac:.0%}", raw[: int(len(raw) * frac) + 100])
    yield Variant(source, "truncated to the header", raw[: header + 10])
    flipped = bytearray(raw)
    flipped[0] ^= 0xFF
    yield Variant(source, "flipped magic bytes", bytes(flipped))
    flipped = bytearray(raw)
    for i in range(8, 40):
        flipped[i] ^= 0x5A
    yield Variant(source, "flipped metadata bytes", bytes(flipped))
    k = n // 3
    bs = [b[:] for b in blocks]
    bs[k][10:30] = bytes(x ^ 0xFF for x in bs[k][10:30])
    yield Variant(source, "flipped block header bytes", join(bs))
    bs = [b[:] for b in blocks]
    bs[k] = bytearray(CWA_BLOCK)
    yield Variant(source, "zeroed block", join(bs))
    bs = [b[:] for b in blocks]
    bs[k], bs[k + 1] = bs[k + 1], bs[k]
    yield Variant(source, "swapped blocks", join(bs))
    bs = [b[:] for b in blocks]
    bs.insert(k + 1, bs[k][:])
    yield Variant(source, "duplicated block", join(bs))
    bs = [b[:] for b in blocks]
    _cwa_shift_time(bs[k], 86_400)
    yield Variant(source, "time stamp one day ahead", join(bs))
    bs = [b[:] for b in blocks]
    _cwa_shift_time(bs[k], -3600)
    yield Variant(source, "time stamp an hour back", join(bs))
    bs = [b[:] for b in blocks]
    for b in bs[k:]:
        if b[:2] == b"AX" and not np.frombuffer(bytes(b), "<u2").sum(dtype=np.uint16):
            _cwa_shift_time(b, -86_400)
    yield Variant(source, "clock set back a day from a block on", join(bs))


# --- GENEActiv .bin ------------------------------------------------------------------


def _geneactiv_parts(raw: bytes) -> tuple[bytes, list[bytes]]:
    starts = [m.start() for m in re.finditer(b"Recorded Data", raw)]
    pages = [raw[a:b] for a, b in zip(starts, [*starts[1:], len(raw)], strict=True)]
    return raw[: starts[0]], pages


def _geneactiv_set_time(page: bytes, stamp: bytes) -> bytes:
    return re.sub(rb"Page Time:[^\r\n]*", b"Page Time:" + stamp, page, count=1)


def geneactiv_variants(source: str, raw: bytes) -> Iterator[Variant]:
    head, pages = _geneactiv_parts(raw)
    n = len(pages)
    k = n // 3
    for frac in (0.25, 0.5, 0.9):
        yield Variant(source, f"truncated at {frac:.0%}", raw[: int(len(raw) * frac)])
    yield Variant(source, "header only", head)
    flipped = bytearray(raw)
    flipped[0] ^= 0xFF
    yield Variant(source, "flipped magic bytes", bytes(flipped))
    gain = raw.find(b"x gain:") + 7
    flipped = bytearray(raw)
    flipped[gain : gain + 3] = b"#?!"
    yield Variant(source, "flipped calibration bytes", bytes(flipped))
    ps = list(pages)
    ps[k] = b"\0" * len(ps[k])
    yield Variant(source, "zeroed page", head + b"".join(ps))
    ps = list(pages)
    data_at = ps[k].rfind(b"\r\n", 0, len(ps[k]) - 2) + 2
    ps[k] = ps[k][:data_at] + b"0" * 3600 + ps[k][data_at + 3600 :]
    yield Variant(source, "page of zero samples", head + b"".join(ps))
    ps = list(pages)
    ps[k], ps[k + 1] = ps[k + 1], ps[k]
    yield Variant(source, "swapped pages", head + b"".join(ps))
    ps = list(pages)
    ps.insert(k + 1, ps[k])
    yield Variant(source, "duplicated page", head + b"".join(ps))
    ps = list(pages)
    ps[k] = _geneactiv_set_time(ps[k], b"2099-01-01 00:00:00:000")
    yield Variant(source, "page dated 2099", head + b"".join(ps))
    ps = list(pages)
    ps[k] = _geneactiv_set_time(ps[k], b"2013-05-29 10:13:20:000")
    yield Variant(source, "page time a day back", head + b"".join(ps))
    ps = list(pages)
    ps[k] = ps[k][: data_at + 100] + b"G" + ps[k][data_at + 101 :]
    yield Variant(source, "non-hex character", head + b"".join(ps))


# --- original GENEA .bin ---------------------------------------------------------------


def _genea_parts(raw: bytes) -> tuple[bytes, list[bytearray]]:
    end = raw.find(b"\r\n\r\n") + 4
    body = raw[end:]
    n = len(body) // GENEA_PAGE
    return raw[:end], [bytearray(body[i * GENEA_PAGE : (i + 1) * GENEA_PAGE]) for i in range(n)]


def _genea_shift_stamps(page: bytearray, seconds: int, *, only_first: bool = False) -> None:
    chunks = np.frombuffer(bytes(page[: 341 * 6]), dtype=np.uint8).reshape(-1, 6)
    stamps = np.flatnonzero(chunks[:, 1] >> 4 == 2)
    for i in stamps[:1] if only_first else stamps:
        o = int(i) * 6 + 2
        page[o : o + 4] = (int.from_bytes(page[o : o + 4], "big") + seconds).to_bytes(4, "big")


def genea_variants(source: str, raw: bytes) -> Iterator[Variant]:
    head, pages = _genea_parts(raw)
    n = len(pages)
    k = n // 3

    def join(ps: list[bytearray]) -> bytes:
        return head + b"".join(bytes(p) for p in ps)

    for frac in (0.25, 0.5, 0.9):
        yield Variant(source, f"truncated at {frac:.0%}", raw[: int(len(raw) * frac) + 77])
    yield Variant(source, "header only", head)
    rate = raw.find(b"Sample-Rate:") + 12
    flipped = bytearray(raw)
    flipped[rate : rate + 2] = b"??"
    yield Variant(source, "flipped sample-rate bytes", bytes(flipped))
    ps = [p[:] for p in pages]
    ps[k] = bytearray(GENEA_PAGE)
    yield Variant(source, "zeroed page", join(ps))
    ps = [p[:] for p in pages]
    ps[k], ps[k + 1] = ps[k + 1], ps[k]
    yield Variant(source, "swapped pages", join(ps))
    ps = [p[:] for p in pages]
    ps.insert(k + 1, ps[k][:])
    yield Variant(source, "duplicated page", join(ps))
    ps = [p[:] for p in pages]
    _genea_shift_stamps(ps[k], 86_400)
    yield Variant(source, "stamps a day ahead", join(ps))
    ps = [p[:] for p in pages]
    _genea_shift_stamps(ps[k], -86_400)
    yield Variant(source, "stamps a day back", join(ps))
    ps = [p[:] for p in pages]
    _genea_shift_stamps(ps[k], 86_400, only_first=True)
    yield Variant(source, "one stamp a day off", join(ps))


# --- ActiGraph .gt3x ------------------------------------------------------------------


def _gt3x_records(log: bytes) -> list[bytes]:
    out, p = [], 0
    while p + 8 <= len(log):
        size = int.from_bytes(log[p + 6 : p + 8], "little")
        out.append(log[p : p + 9 + size])
        p += 9 + size
    return out


def _gt3x_checksum(record: bytearray) -> None:
    c = 0
    for b in record[:-1]:
        c ^= b
    record[-1] = ~c & 0xFF


def _gt3x_shift(record: bytes, seconds: int) -> bytes:
    r = bytearray(record)
    r[2:6] = (int.from_bytes(r[2:6], "little") + seconds).to_bytes(4, "little")
    _gt3x_checksum(r)
    return bytes(r)


def _rezip(raw: bytes, log: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = log if info.filename == "log.bin" else src.read(info.filename)
            dst.writestr(info, body, compress_type=info.compress_type)
    return out.getvalue()


def gt3x_variants(source: str, raw: bytes) -> Iterator[Variant]:
    for frac in (0.3, 0.6, 0.95):
        yield Variant(source, f"truncated at {frac:.0%}", raw[: int(len(raw) * frac)])
    flipped = bytearray(raw)
    flipped[0] ^= 0xFF
    yield Variant(source, "flipped magic bytes", bytes(flipped))
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        names = z.namelist()
        log = z.read("log.bin") if "log.bin" in names else None
        where = z.getinfo("log.bin" if log is not None else "activity.bin").header_offset
    mid = where + 30 + (len(raw) - where) // 2
    zeroed = bytearray(raw)
    zeroed[mid : mid + 4096] = bytes(4096)
    yield Variant(source, "zeroed bytes in the compressed data", bytes(zeroed))
    yield Variant(source, "zip directory missing", raw[: raw.rfind(b"PK\x01\x02")])
    if log is None:
        return
    recs = _gt3x_records(log)
    acts = [i for i, r in enumerate(recs) if r[1] in (0x00, 0x1A, 0x1B) and len(r) > 20]
    k = acts[len(acts) // 3]
    rs = list(recs)
    rs[k] = bytes(len(rs[k]))
    yield Variant(source, "zeroed log record", _rezip(raw, b"".join(rs)))
    rs = list(recs)
    r = bytearray(rs[k])
    r[6:8] = b"\xff\x7f"
    rs[k] = bytes(r)
    yield Variant(source, "damaged record header", _rezip(raw, b"".join(rs)))
    k2 = acts[len(acts) // 3 + 1]
    rs = list(recs)
    rs[k], rs[k2] = rs[k2], rs[k]
    yield Variant(source, "swapped records", _rezip(raw, b"".join(rs)))
    rs = list(recs)
    rs.insert(k + 1, rs[k])
    yield Variant(source, "duplicated record", _rezip(raw, b"".join(rs)))
    rs = list(recs)
    rs[k] = _gt3x_shift(rs[k], 86_400)
    yield Variant(source, "time stamp one day ahead", _rezip(raw, b"".join(rs)))
    rs = list(recs)
    rs[k] = _gt3x_shift(rs[k], -3600)
    yield Variant(source, "time stamp an hour back", _rezip(raw, b"".join(rs)))


def variants_of(path: Path) -> Iterator[Variant]:
    """Every damaged copy of one real file."""
    raw = path.read_bytes()
    name = path.name
    if name.endswith(".cwa"):
        yield from cwa_variants(name, raw)
    elif name.endswith(".gt3x"):
        yield from gt3x_variants(name, raw)
    elif raw.startswith(b"GENEA/"):
        yield from genea_variants(name, raw)
    else:
        yield from geneactiv_variants(name, raw)


# --- what every variant must end in ----------------------------------------------------


def check_sentence(message: str) -> None:
    """A user-facing message: one or two short sentences of printable text."""
    assert 10 < len(message) < 400, message[:500]
    assert message.isprintable(), message[:500]
    assert "\\x" not in message and "b'" not in message, message[:500]
    assert message.rstrip().endswith((".", ")")), message


def check_outcome(
    variant: Variant,
    intact: AccelRecording,
    tmp: Path,
    read: Callable[[Path], object] = read_night,
) -> str:
    """Read a variant; assert it ends as issue 16 asks; return ``"refused"``/``"read"``."""
    suffix = ".cwa" if variant.source.endswith(".cwa") else Path(variant.source).suffix
    path = tmp / f"damaged{suffix}"
    path.write_bytes(variant.data)
    try:
        rec = read(path)
    except MovementInputError as exc:
        check_sentence(str(exc))
        return "refused"
    assert isinstance(rec, AccelRecording)
    for note in rec.notes:
        check_sentence(note)
    assert np.all(np.diff(rec.time) > 0), "time runs backwards"
    # A reading that ends early or starts late says so.
    if (
        rec.start + rec.time[-1] < intact.start + intact.time[-1] - 30.0
        or rec.start > intact.start + 30.0
    ):
        assert rec.notes != intact.notes, "the reading lost its end or start without a note"
    assert np.all(np.isfinite(rec.accel))
    fs = intact.fs
    # Absolute times of both readings, matched sample by sample.
    t_i = intact.time + intact.start
    t_d = rec.time + rec.start
    idx = np.clip(np.searchsorted(t_i, t_d), 0, t_i.size - 1)
    near = np.abs(t_i[idx] - t_d) <= 3.0 / fs
    if np.any(idx > 0):
        prev = np.clip(idx - 1, 0, None)
        near |= np.abs(t_i[prev] - t_d) <= 3.0 / fs
    assert near.all(), f"{(~near).sum()} samples at times the intact file does not have"
    same = np.zeros(t_d.size, dtype=bool)
    for off in range(-4, 5):
        j = np.clip(idx + off, 0, t_i.size - 1)
        close = np.abs(t_i[j] - t_d) <= 3.0 / fs
        same |= close & np.all(intact.accel[j] == rec.accel, axis=1)
    assert same.all(), f"{(~same).sum()} samples differ from the intact file at the same time"
    # Intact samples inside the damaged reading's span that are missing must lie in a
    # reported stretch (corrupt or gap), and something must be said about them.
    lo, hi = t_d[0], t_d[-1]
    inside = t_i[(t_i > lo) & (t_i < hi)]
    pos = np.searchsorted(t_d, inside)
    pos = np.clip(pos, 1, t_d.size - 1)
    missing = np.minimum(np.abs(t_d[pos] - inside), np.abs(t_d[pos - 1] - inside)) > 3.0 / fs
    if missing.any():
        marked = [s for s in rec.stretches if s.kind in ("corrupt", "gap")]
        rel = inside[missing] - rec.start
        covered = np.zeros(rel.size, dtype=bool)
        for s in marked:
            covered |= (rel >= s.start - 3.0 / fs) & (rel <= s.end + 3.0 / fs)
        assert covered.all(), f"{(~covered).sum()} samples left out without a marked stretch"
        assert rec.notes, "samples were left out without a note"
    return "read"
