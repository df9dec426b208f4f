# SPDX-License-Identifier: AGPL-3.0-or-later
"""Run one analysis in a child process under a wall-clock and a memory limit.

A night file the device reader chokes on (a zip bomb, a damaged header that sends a
reader into a loop or a huge allocation) must not hold the worker: the engine runs in
a forked child. The parent waits at most ``timeout_s`` seconds for its answer and
watches the memory the child writes meanwhile (its private dirty pages, every 50 ms:
see :func:`_written`); past the allowance, or past
the time, it kills the child. The child's address space is capped too, at four times the
allowance (``RLIMIT_AS``), as a net for a single huge allocation between two looks:
readers reserve more than they touch (scikit-digital-health sizes its GENEActiv arrays
from the header, about 3 GB of address space for a 272 MB night), so the cap on address
space cannot be the allowance itself. The worker process itself
(its database connections, its heartbeat) never runs device code, so it always lives
to record why the analysis failed and to take the next one from the queue.

No Django here: the caller passes the limits (settings ``NERVEPATH_ANALYSIS_TIMEOUT_SECONDS``
and ``NERVEPATH_ANALYSIS_MEMORY_MB`` in ``wearables.services``).
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")

#: Exit code of a child that ran out of its memory allowance (nothing else uses it).
_OUT_OF_MEMORY = 86
#: Address space allowed to the child, as a multiple of the resident allowance.
_ADDRESS_SPACE_FACTOR = 4
#: Seconds between two looks at the child's resident memory.
_WATCH_EVERY = 0.05


class LimitExceeded(Exception):
    """The analysis was stopped; ``code`` names why and the message says it plainly."""

    code = "limit"


class TookTooLong(LimitExceeded):
    code = "analysis_timeout"


class NeededTooMuchMemory(LimitExceeded):
    code = "analysis_memory"


class ChildCrashed(LimitExceeded):
    code = "analysis_crashed"


def _minutes(seconds: float) -> str:
    if seconds < 120:
        return "1 second" if seconds == 1 else f"{seconds:g} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def _statm(pid: int | str = "self", field: int = 0) -> int:
    """Bytes from ``/proc/<pid>/statm``: field 0 the address space (VmSize), 1 the
    resident memory (VmRSS); 0 where there is no /proc."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _address_space() -> int:
    """Bytes of address space this process holds now (VmSize)."""
    return _statm("self", 0)


def _anonymous(pid: int | str = "self") -> int:
    """Bytes of anonymous resident memory (RssAnon) of a process."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _written(pid: int) -> int | None:
    """Bytes the child has written itself: its private dirty pages (``Private_Dirty`` in
    ``/proc/<pid>/smaps_rollup``, Linux 4.14 and later), or None where that is missing.

    A forked child shares the worker's pages until it writes to them. Its resident
    total (RssAnon) is a poor measure of what it added: in a long-lived worker, memory
    the worker freed stays resident in its heap, and a child that allocates reuses those
    pages, so its RssAnon hardly grows while it copies (and so adds) every page it
    writes. Private dirty pages count exactly what it added, new or copied."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Private_Dirty:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _over(pid: int, memory_mb: int, resident_limit: int) -> bool:
    """Has the child gone past its allowance of ``memory_mb`` MB?

    What the child wrote (and its anonymous memory) is part of its resident memory, which
    ``statm`` gives at once: while that is within the allowance the answer is no, without
    reading ``smaps_rollup``, which walks every page of the child (about 20 ms for a forked
    process of a few hundred MB, and it holds up the child's own memory calls meanwhile)."""
    resident = _statm(pid, 1)
    if 0 < resident <= memory_mb * 1024 * 1024:
        return False
    written = _written(pid)
    if written is not None:
        return written > memory_mb * 1024 * 1024
    return _anonymous(pid) > resident_limit


def _die_with_parent() -> None:
    """Linux: the child is killed if the worker dies (no orphan keeps the CPU)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(
    conn: Connection,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    memory_mb: int,
) -> None:  # pragma: no cover - runs in the child (its outcome is tested through run)
    _die_with_parent()
    # The worker's objects are left to the worker: a collection in the child would write
    # to every one of them and so copy (and count against the allowance) their pages.
    gc.freeze()
    if memory_mb:
        # The allowance is on top of what the forked worker already maps (its libraries
        # and imported modules), so it means the same on any machine.
        limit = _address_space() + _ADDRESS_SPACE_FACTOR * memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result = func(*args, **kwargs)
        conn.send(("ok", result))
    except MemoryError:
        os._exit(_OUT_OF_MEMORY)  # reporting it could need memory itself
    except BaseException as exc:
        try:
            conn.send(("raised", exc))
        except MemoryError:
            os._exit(_OUT_OF_MEMORY)
        except Exception:  # an exception that does not pickle: its text will do
            conn.send(("error", "".join(traceback.format_exception(exc))))
    finally:
        conn.close()


def _watch(
    parent: Connection, pid: int | None, timeout_s: float, memory_mb: int, resident_limit: int
) -> tuple[bool, bool]:
    """Wait for the child's answer: (answered, stopped for its resident memory)."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False, False
        if parent.poll(min(_WATCH_EVERY, left)):
            return True, False
        if memory_mb and pid is not None and _over(pid, memory_mb, resident_limit):
            return False, True


def run(
    func: Callable[..., T],
    *args: Any,
    timeout_s: float,
    memory_mb: int,
    **kwargs: Any,
) -> T:
    """``func(*args, **kwargs)`` in a forked child; its return value, or its exception
    raised again here.

    Raises
    ------
    TookTooLong
        No answer within ``timeout_s`` seconds (the child is killed).
    NeededTooMuchMemory
        The child ran out of its ``memory_mb`` allowance.
    ChildCrashed
        The child died without answering (a crash in native code).
    """
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(child, func, args, kwargs, memory_mb), name="nervepath-analysis"
    )
    resident_limit = _anonymous() + memory_mb * 1024 * 1024 if memory_mb else 0
    process.start()
    child.close()
    too_big = False
    try:
        answered, too_big = _watch(parent, process.pid, timeout_s, memory_mb, resident_limit)
        message = parent.recv() if answered else None
    except EOFError:  # the child died before answering
        message = None
        answered = True
    finally:
        if not answered:
            process.kill()
        process.join()
        parent.close()
    if too_big:
        raise NeededTooMuchMemory(
            f"The analysis needed more than {memory_mb} MB of memory and was stopped. "
            "The file is kept; it is probably damaged or far longer than a night."
        )
    if not answered:
        raise TookTooLong(
            f"The analysis took longer than {_minutes(timeout_s)} and was stopped, so the "
            "queue could move on. The file is kept; it is probably damaged or far longer "
            "than a night."
        )
    if message is None:
        if process.exitcode == _OUT_OF_MEMORY:
            raise NeededTooMuchMemory(
                f"The analysis needed more than {memory_mb} MB of memory and was stopped. "
                "The file is kept; it is probably damaged or far longer than a night."
            )
        raise ChildCrashed(
            f"The analysis stopped unexpectedly (exit code {process.exitcode}): the file is "
            "probably damaged in a way the device reader cannot handle. The file is kept; "
            "export it from the device software again and upload it."
        )
    kind, value = message
    if kind == "ok":
        return value
    if kind == "raised":
        raise value
    raise RuntimeError(f"The analysis failed in its child process:\n{value}")
