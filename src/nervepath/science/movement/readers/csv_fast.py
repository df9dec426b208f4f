# SPDX-License-Identifier: AGPL-3.0-or-later
"""The plain CSV layout read with NumPy alone, block by block (issue 15 §5).

Most accelerometer CSV exports are one header line and then, on every line, the same
fields in the same format: an ISO 8601 date-time of fixed width (or seconds) and
decimal numbers with a fixed count of decimals. :func:`read_plain_csv` reads exactly
that layout, several times faster than pandas' parser and without importing pandas,
and gives the numbers pandas gives, bit for bit:

- a number is the integer of its digits (at most 15) divided by ``10**decimals``:
  both are exact doubles and IEEE division rounds once, so the result is the correctly
  rounded value of the decimal, which is what pandas' parser gives at these lengths;
- a date-time becomes integer nanoseconds since 1970 divided by ``1e9``, as the pandas
  path does after ``to_datetime``.

Anything else returns ``None`` and the caller reads the file with pandas: a comment, a
quote, a tab, a ``+`` sign, an exponent, a time zone, a field of another width or count
of decimals, an empty or non-numeric cell, a short or long line, a blank line, a byte
order mark, an impossible date, and so on. Every byte of every field is checked, so a
file this path accepts is one pandas reads to the same values.

How: the file is read in blocks of whole lines. Every byte below ``-`` (a comma, a line
end, a space, ...) is found with one comparison; on every line these must be the same
bytes as on the first data line. Each field is then read as 64-bit words taken at any
byte offset of the block (an unaligned view with a stride of one byte: one gather per
8 bytes), checked to be digits, and turned into integers eight digits at a time.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np

__all__ = ["BLOCK_BYTES", "PlainColumns", "read_plain_csv"]

#: Bytes read per block (whole lines): a block's arrays stay in the processor's cache.
BLOCK_BYTES = 1 << 20
#: Most threads that decode blocks (see :func:`_threads`).
THREADS = 2

_U = np.uint64
_ZEROS = _U(0x3030303030303030)
_PAD = 16  # bytes before a block, so that a word can start 16 bytes before any field end
_HEADER = re.compile(rb"[A-Za-z_][A-Za-z0-9_.]*(,[A-Za-z_][A-Za-z0-9_.]*)*(\r?\n)")
_ISO = re.compile(rb"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,8})?")
_NUM = re.compile(rb"-?(\d+)(\.(\d{1,6}))?")
_EPOCH = _dt.date(1970, 1, 1).toordinal()


class PlainColumns(NamedTuple):
    """What :func:`read_plain_csv` read."""

    #: Seconds as written, or POSIX seconds of wall time for date-times (float64).
    time: np.ndarray
    #: x, y, z (float64, shape (N, 3)).
    accel: np.ndarray


class _Layout(NamedTuple):
    iso: bool
    width: int  # iso: the field's width
    decimals: int  # iso: fraction digits; number: digits after the point
    min_width: int


def _mask(first: int, last: int) -> np.uint64:
    """A 64-bit mask of bytes ``first`` to ``last`` (byte 0 lowest, as in the file)."""
    return _U(((1 << (8 * (last - first + 1))) - 1) << (8 * first) if last >= first else 0)


_C76 = _U(0x7676767676767676)
_C80 = _U(0x8080808080808080)


def _swar8(d: np.ndarray) -> np.ndarray:
    """Words of eight digit values 0-9 (the first in the lowest byte) to their integer,
    in place."""
    t = d >> _U(8)
    d *= _U(10)
    d += t
    d &= _U(0x00FF00FF00FF00FF)
    np.right_shift(d, _U(16), out=t)
    d *= _U(100)
    d += t
    d &= _U(0x0000FFFF0000FFFF)
    np.right_shift(d, _U(32), out=t)
    d *= _U(10000)
    d += t
    d &= _U(0xFFFFFFFF)
    return d


def _digits(d: np.ndarray) -> bool:
    """Whether every byte of every word is a digit value 0-9 (ASCII xor '0').

    A byte of 10 or more has its top bit set in ``d + 0x76``, or in ``d`` itself when
    the addition carries out of it."""
    t = d + _C76
    t |= d
    t &= _C80
    return not t.any()


#: For a field of ``L`` bytes (0-16) ending at the end of a word: the bits below it.
_OUTSIDE = np.array([max(0, 8 - n) * 8 for n in range(17)], dtype=np.uint64)


def _field_digits(words: np.ndarray, at: np.ndarray, shift: np.ndarray | int) -> np.ndarray:
    """The 8 bytes from ``at`` xor ASCII '0' (a digit byte becomes its value), with the
    lowest ``shift`` bits (whole bytes, 0-56) set to 0."""
    d = words[at]
    d ^= _ZEROS
    if isinstance(shift, np.ndarray) or shift:
        d >>= shift
        d <<= shift
    return d


def _mantissa(
    words: np.ndarray, end: np.ndarray, length: np.ndarray | int, decimals: int
) -> np.ndarray | None:
    """The integer of the digits of ``\\d+(\\.\\d{decimals})?`` fields of ``length``
    bytes ending at ``end`` (uint64), or ``None`` when a field is of another form or has
    over 15 digits."""
    if end.size == 0:
        return np.empty(0, dtype=np.uint64)
    point = 1 if decimals else 0
    if isinstance(length, np.ndarray):
        shortest, longest = int(length.min()), int(length.max())
    else:
        shortest = longest = length
    if shortest < decimals + 1 + point or longest - point > 15:
        return None
    low_shift = _OUTSIDE[length] if isinstance(length, np.ndarray) else int(_OUTSIDE[length])
    low = _field_digits(words, end - 8, low_shift)
    last = 8
    if decimals:
        dot = 7 - decimals
        if not (low.view(np.uint8)[dot::8] == ord(".") ^ 0x30).all():
            return None
        # The point out: the digits before it move up one byte, a 0 comes in below.
        below = low & _mask(0, dot - 1)
        below <<= _U(8)
        low &= _mask(dot + 1, 7)
        low |= below
        last = 7
    if not _digits(low):
        return None
    mantissa = _swar8(low)
    if longest - point > last:
        more = length - point > last
        high = _field_digits(words, end - 16, _OUTSIDE[np.clip(length - 8, 1, 16)])
        if isinstance(more, np.ndarray):
            high[~more] = 0
        if not _digits(high):
            return None
        high = _swar8(high)
        high *= _U(10**last)
        mantissa += high
    return mantissa


def _number(
    words: np.ndarray, buf: np.ndarray, start: np.ndarray, end: np.ndarray, decimals: int
) -> np.ndarray | None:
    """Fields ``buf[start:end]`` of the form ``-?\\d+(\\.\\d{decimals})?`` as float64."""
    neg = buf[start] == 45
    length = end - start
    length -= neg
    mantissa = _mantissa(words, end, length, decimals)
    if mantissa is None:
        return None
    value = mantissa.astype(np.float64)
    if decimals:
        value /= 10.0**decimals
    # The sign bit from the '-': "-0.0" is -0.0 as pandas reads it, but a column of
    # whole numbers is read as integers by pandas, where "-0" is 0.
    if not decimals:
        neg &= mantissa != 0
    sign = neg.view(np.uint8).astype(np.uint64)
    sign <<= _U(63)
    value.view(np.uint64)[...] |= sign
    return value


def _datetime_ns(
    words: np.ndarray, buf: np.ndarray, start: np.ndarray, layout: _Layout, sep: int
) -> np.ndarray | None:
    """Fixed-width ``YYYY-MM-DD?HH:MM:SS[.f]`` fields starting at ``start``, as int64
    nanoseconds since 1970 (``None`` for anything else or an impossible date-time).

    The first 16 bytes (date, hour, minute) change once a minute: they are read once
    per run of equal bytes. The seconds and their fraction are read on every line."""
    w0, w1 = words[start], words[start + 8]
    change = np.flatnonzero((w0[1:] != w0[:-1]) | (w1[1:] != w1[:-1])) + 1
    firsts = np.concatenate(([0], change))
    minute_ns = _minutes_ns(w0[firsts], w1[firsts], sep)
    if minute_ns is None or not (buf[start + 16] == 58).all():
        return None
    frac = layout.decimals
    sec = _mantissa(words, start + layout.width, layout.width - 17, frac)
    if sec is None or (sec >= _U(60 * 10**frac)).any():
        return None
    ns = sec.astype(np.int64)
    ns *= 10 ** (9 - frac)
    ns += np.repeat(minute_ns, np.diff(np.append(firsts, start.size)))
    return ns


def _minutes_ns(w0: np.ndarray, w1: np.ndarray, sep: int) -> np.ndarray | None:
    """``YYYY-MM-`` and ``DD?HH:MM`` words to nanoseconds since 1970."""
    punct0 = _mask(4, 4) | _mask(7, 7)
    punct1 = _mask(2, 2) | _mask(5, 5)
    if not (
        ((w0 & punct0) == _U(ord("-") << 32 | ord("-") << 56)).all()
        and ((w1 & punct1) == _U(sep << 16 | ord(":") << 40)).all()
    ):
        return None
    d0 = (w0 & ~punct0) ^ (_ZEROS & ~punct0)  # YYYY0MM0 as digit values
    d1 = (w1 & ~punct1) ^ (_ZEROS & ~punct1)  # DD0HH0MM
    if not (_digits(d0) and _digits(d1)):
        return None
    out = np.empty(w0.size, dtype=np.int64)
    for i, (ym, dhm) in enumerate(zip(_swar8(d0).tolist(), _swar8(d1).tolist(), strict=True)):
        year, month = ym // 10**4, ym // 10 % 100
        day, hour, minute = dhm // 10**6, dhm // 1000 % 100, dhm % 100
        if not 1678 <= year <= 2261 or hour > 23 or minute > 59:  # pandas' ns range
            return None
        try:
            days = _dt.date(year, month, day).toordinal() - _EPOCH
        except ValueError:
            return None
        out[i] = ((days * 24 + hour) * 60 + minute) * 60 * 10**9
    return out


def _layout(field: bytes) -> _Layout | None:
    iso = _ISO.fullmatch(field)
    if iso:
        frac = len(iso.group(1) or b"") - 1 if iso.group(1) else 0
        return _Layout(True, len(field), frac, len(field))
    num = _NUM.fullmatch(field)
    if num:
        decimals = len(num.group(3) or b"")
        return _Layout(False, 0, decimals, decimals + 2 if decimals else 1)
    return None


Pick = Callable[[list[str]], "tuple[int, list[int]] | None"]


def read_plain_csv(
    path: str | Path, pick: Pick, *, block_bytes: int = BLOCK_BYTES
) -> PlainColumns | None:
    """Read a CSV file of the plain layout (see the module), or ``None``.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    pick : callable
        Given the header's names, the index of the time column and of the x, y and z
        columns, or ``None`` (then this path reads nothing).
    block_bytes : int, optional
        Bytes read at a time.

    Returns
    -------
    PlainColumns or None
        ``None`` when the file is not of the plain layout, holds another set of
        columns, or fewer than two data lines: the caller then reads it with pandas,
        which also gives the errors.
    """
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(min(size, 1 << 16))
        header = _HEADER.match(head)
        if header is None:
            return None
        names = [n.decode() for n in header.group(0).rstrip(b"\r\n").split(b",")]
        if len(set(names)) != len(names) or len(names) != 4:
            return None
        picked = pick(names)
        if picked is None:
            return None
        time_col, axis_cols = picked
        eol = header.group(2)
        body = head[header.end() :]
        first_end = body.find(b"\n")
        if first_end < 0:
            return None
        first = body[: first_end + 1]
        if not first.endswith(eol):
            return None
        fields = first[: -len(eol)].split(b",")
        if len(fields) != len(names):
            return None
        layouts = [_layout(f) for f in fields]
        cols: list[_Layout] = [lay for lay in layouts if lay is not None]
        if len(cols) != len(fields) or any(cols[a].iso for a in axis_cols):
            return None
        pattern = np.frombuffer(bytes(c for c in first if c < 45), dtype=np.uint8)
        iso_sep = fields[time_col][10] if cols[time_col].iso else ord("T")
        # Every line has at least this many bytes: an upper bound on the line count.
        min_line = sum(c.min_width for c in cols) + len(cols) - 1 + len(eol)
        capacity = (size - header.end()) // min_line + 1
        time = np.empty(capacity)
        accel = np.empty((capacity, 3))
        targets: list[np.ndarray] = [time] * len(cols)
        for k, a in enumerate(axis_cols):
            targets[a] = accel[:, k]
        # Where, among a line's separators, each field ends.
        enders = [i for i, c in enumerate(pattern.tolist()) if c in (44, 10, 13)]
        if eol == b"\r\n":
            enders = enders[:-1]
        if len(enders) != len(cols):
            return None
        together = None
        a0 = axis_cols[0]
        if axis_cols == [a0, a0 + 1, a0 + 2] and len({cols[a].decimals for a in axis_cols}) == 1:
            together = (a0, cols[a0].decimals)
        decode = _decoder(pattern, cols, enders, targets, accel, together, iso_sep)
        n = _read_blocks(fh, header.end(), block_bytes, eol, decode, capacity)
    if n is None or n < 2:
        return None
    return PlainColumns(time[:n], accel[:n])


def _read_blocks(
    fh: BinaryIO,
    offset: int,
    block_bytes: int,
    eol: bytes,
    decode: Callable[[bytearray, int, int, int], bool],
    capacity: int,
) -> int | None:
    """Read whole lines block by block and decode each block in a thread pool (NumPy
    lets go of the GIL inside its loops); the line count, or ``None``."""
    fh.seek(offset)
    n = 0
    carry = b""
    threads = _threads()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        running: deque[Future[bool]] = deque()
        while True:
            chunk = fh.read(block_bytes)
            at_end = not chunk
            if at_end:
                if not carry:
                    break
                # The last line has no line end: pandas reads it all the same.
                chunk = eol
            buf = bytearray(_PAD)
            buf += carry
            buf += chunk
            line_end = buf.rfind(b"\n") + 1
            if line_end == 0:
                if len(buf) > 4 * block_bytes:
                    return None  # a line longer than a block
                carry = bytes(buf[_PAD:])
                continue
            carry = bytes(buf[line_end:])
            m = buf.count(b"\n", _PAD, line_end)
            if n + m > capacity:
                return None
            buf += bytes(8)
            running.append(pool.submit(decode, buf, line_end, n, m))
            n += m
            while running and (running[0].done() or len(running) > 2 * threads):
                if not running.popleft().result():
                    return None
            if at_end:
                break
        if not all(f.result() for f in running):
            return None
    return n


def _threads() -> int:
    """Two decoding threads when a processor is idle, else one: on a busy machine a
    second thread only adds switching (measured: about 10 % more CPU time, no less
    wall time, at a load average of 6 on 2 processors)."""
    cores = os.cpu_count() or 1
    try:
        idle = cores - os.getloadavg()[0]
    except OSError:
        idle = 0.0
    return max(1, min(THREADS, cores, 1 + int(idle >= 1.0)))


def _decoder(
    pattern: np.ndarray,
    cols: list[_Layout],
    enders: list[int],
    targets: list[np.ndarray],
    accel: np.ndarray,
    together: tuple[int, int] | None,
    iso_sep: int,
) -> Callable[[bytearray, int, int, int], bool]:
    """A function that decodes one block of ``m`` whole lines into rows ``n`` onwards."""
    k = pattern.size

    def decode(buf: bytearray, line_end: int, n: int, m: int) -> bool:
        arr = np.frombuffer(buf, dtype=np.uint8, count=line_end)
        found = np.flatnonzero(arr[_PAD:] < 45) + _PAD
        if found.size != m * k:
            return False
        hits = found.reshape(m, k)
        if not (arr[hits] == pattern).all():
            return False
        words = np.ndarray(shape=(line_end - 7,), dtype="<u8", buffer=buf, strides=(1,))
        # Field by field (one row per column), each row contiguous.
        ends = hits.T[enders]
        begins = np.empty_like(ends)
        begins[0, 0] = _PAD
        np.add(hits[:-1, -1], 1, out=begins[0, 1:])
        np.add(ends[:-1], 1, out=begins[1:])
        if together is not None:
            # The three axes in file order with one count of decimals: one pass.
            a, decimals = together
            axes = _number(words, arr, begins[a : a + 3].ravel(), ends[a : a + 3].ravel(), decimals)
            if axes is None:
                return False
            accel[n : n + m] = axes.reshape(3, m).T
        for j, (col, target) in enumerate(zip(cols, targets, strict=True)):
            got: np.ndarray | None
            if col.iso:
                if not (ends[j] - begins[j] == col.width).all():
                    return False
                ns = _datetime_ns(words, arr, begins[j], col, iso_sep)
                got = None if ns is None else ns / 1e9
            elif together is not None and together[0] <= j < together[0] + 3:
                continue
            else:
                got = _number(words, arr, begins[j], ends[j], col.decimals)
            if got is None:
                return False
            target[n : n + m] = got
        return True

    return decode
