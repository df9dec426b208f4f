# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers shared by the device readers."""

from __future__ import annotations

import contextlib
import io
import logging
import threading
import warnings
from collections.abc import Iterator

import numpy as np

from nervepath.science.movement.errors import CorruptFileError, plain_message
from nervepath.science.movement.readers.nonwear import detect_nonwear
from nervepath.science.movement.recording import (
    AccelRecording,
    Stretch,
    gap_stretches,
    stretches_from_mask,
)

__all__ = ["build_accel_recording", "captured_messages", "in_time_order", "plural"]


def plural(n: int, word: str) -> str:
    """``"1 page"``, ``"3 pages"``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def in_time_order(start: np.ndarray, end: np.ndarray, *, last_end: float = -np.inf) -> np.ndarray:
    """Which units (blocks, pages) keep the time axis running forward.

    Units come in recording order (by sequence number where the format has one). A
    unit is left out when it starts before the end of the last unit kept (its time
    stamp went back, or it repeats one), or when it starts after the next unit while
    that next unit follows on from the last one kept (its time stamp jumped ahead and
    the recording came back). A lasting jump ahead is kept: it is a gap.

    Parameters
    ----------
    start, end : ndarray, shape (N,)
        Seconds (any origin) at which each unit's samples start and end.
    last_end : float, optional
        End of the last unit kept before these (for chunked reading).

    Returns
    -------
    ndarray of bool, shape (N,)
        True for the units to keep.
    """
    n = start.size
    keep = np.ones(n, dtype=bool)
    if n == 0:
        return keep
    tol = 0.5 * float(np.median(end - start))
    if start[0] >= last_end - tol and np.all(start[1:] >= end[:-1] - tol):
        return keep
    for i in range(n):
        if start[i] < last_end - tol:
            keep[i] = False
            continue
        if i + 1 < n and start[i + 1] >= last_end - tol and start[i + 1] < end[i] - tol:
            keep[i] = False
            continue
        last_end = float(end[i])
    return keep


# The root logger's handlers as they were before the first of the reads now running
# silenced them: one read inside another, or two in threads, each save what the other
# set; only the last to end puts the levels back, so none is left silenced for good.
_QUIET_LOCK = threading.Lock()
_quiet_depth = 0
_quiet_saved: list[tuple[logging.Handler, int]] = []


def _quiet_root_handlers(on: bool) -> None:
    global _quiet_depth
    with _QUIET_LOCK:
        if on:
            if _quiet_depth == 0:
                _quiet_saved[:] = [(h, h.level) for h in logging.getLogger().handlers]
                for h, _ in _quiet_saved:
                    h.setLevel(logging.CRITICAL + 1)
            _quiet_depth += 1
            return
        _quiet_depth -= 1
        if _quiet_depth == 0:
            for h, level in _quiet_saved:
                h.setLevel(level)
            _quiet_saved.clear()


@contextlib.contextmanager
def captured_messages(notes: list[str]) -> Iterator[None]:
    """Collect warnings and stdout/stderr chatter of a reader library into ``notes``."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    root = logging.getLogger()
    _quiet_root_handlers(True)
    root.addHandler(handler)
    try:
        with (
            warnings.catch_warnings(record=True) as caught,
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(out),
        ):
            warnings.simplefilter("always")
            yield
    finally:
        root.removeHandler(handler)
        _quiet_root_handlers(False)
    for w in caught:
        text = plain_message(w.message)
        lowered = text.lower()
        if text and "deprecat" not in lowered and "naive" not in lowered and text not in notes:
            notes.append(text)
    for line in out.getvalue().splitlines():
        line = plain_message(line)
        if line and not line.startswith("[INFO]") and "Entering" not in line and line not in notes:
            notes.append(line)


def build_accel_recording(
    time_posix: np.ndarray,
    accel: np.ndarray,
    fs: float,
    device: str,
    notes: list[str],
    *,
    idle_mask: np.ndarray | None = None,
    corrupt: list[Stretch] | None = None,
) -> AccelRecording:
    """Assemble an :class:`AccelRecording` with its gap, idle and non-wear stretches."""
    if time_posix.size == 0:
        raise CorruptFileError("The file holds no accelerometer samples.")
    # t[i+1] > t[i], as diff > 0 without a float array of steps.
    order_ok = bool(np.all(time_posix[1:] > time_posix[:-1]))
    if not order_ok:
        # Each sample must come after every sample before it.
        before = np.concatenate(([-np.inf], np.maximum.accumulate(time_posix)[:-1]))
        keep = time_posix > before
        dropped = int((~keep).sum())
        notes.append(
            f"{plural(dropped, 'sample')} with repeated or backward time stamps were left out."
        )
        time_posix, accel = time_posix[keep], accel[keep]
        if idle_mask is not None:
            idle_mask = idle_mask[keep]
    start = float(time_posix[0])
    time = time_posix - start
    stretches: list[Stretch] = list(corrupt or [])
    gaps = gap_stretches(time, fs)
    if corrupt:
        # A gap that starts where damage starts is that damage.
        gaps = [g for g in gaps if not any(c.start - 1.5 / fs <= g.start < c.end for c in corrupt)]
    stretches += gaps
    if idle_mask is not None:
        stretches += stretches_from_mask(idle_mask, time, fs, "idle")
    stretches += detect_nonwear(accel, fs)
    stretches.sort(key=lambda s: (s.start, s.kind))
    return AccelRecording(
        time=time,
        accel=accel,
        fs=fs,
        start=start,
        device=device,
        stretches=stretches,
        notes=notes,
    )
