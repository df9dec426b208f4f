# SPDX-License-Identifier: AGPL-3.0-or-later
"""The test session's clock.

``NERVEPATH_TEST_NOW=<ISO instant>`` runs a whole test session at that moment: the pytest
processes (xdist workers included), the live server's threads in them, and every child
process the tests start (task workers, gunicorn, ``nervepath`` commands), which get
:func:`child_env`. An instant without an offset is read in America/Denver, the demo
clinic's zone. The clock ticks: it starts at the instant and moves on in real time.

All processes agree on the clock. The first one to travel notes the real time at which
the session was "at" the instant (``NERVEPATH_TEST_NOW_ANCHOR``); its children inherit
that anchor, so one started five minutes later starts five minutes after the instant.

What travels is Python's clock (``datetime``, ``date.today``, ``time.time``; freezegun
with ``tick=True``). The application never asks the database for the time (no
``now()``/``CURRENT_TIMESTAMP`` in queries, defaults or triggers), so PostgreSQL's own
``now()`` is left alone; a test that compares with the database's time passes Python's
``timezone.now()`` as a parameter instead of calling ``now()`` in SQL.

Code that must keep real time is ignored by the travel: gunicorn's arbiter compares
heartbeat files' real change times with ``time.time()``, and asyncio's event loop (the
browser driver's) keeps the real monotonic clock.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ENV = "NERVEPATH_TEST_NOW"
ANCHOR_ENV = "NERVEPATH_TEST_NOW_ANCHOR"
CLINIC_ZONE = ZoneInfo("America/Denver")
# Child processes import ``sitecustomize`` from here, which starts the same travel.
HOOK_DIR = Path(__file__).resolve().parent / "clockhook"
# Modules whose calls keep the real time.
REAL_TIME_MODULES = ["gunicorn"]
# Compiled (Cython) modules that read datetime's C layout when first imported: they must
# be imported before the travel starts, or they meet freezegun's classes and crash.
COMPILED_FIRST = ["pandas", "psycopg"]

_freezer = None
# Taken before any travel starts (this module is imported first), and kept in a tuple:
# freezegun replaces the real clock functions it finds as module attributes.
_REAL = (time.time,)


def target() -> datetime | None:
    """The instant named by ``NERVEPATH_TEST_NOW``, aware, or None when it is not set."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SystemExit(f"{ENV}={value!r} is not an ISO 8601 instant") from exc
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=CLINIC_ZONE)
    return instant


def travel_from_env() -> datetime | None:
    """Start this process's travel to ``NERVEPATH_TEST_NOW`` (once); the instant, or None."""
    global _freezer
    instant = target()
    if instant is None or _freezer is not None:
        return instant
    from freezegun import api, freeze_time

    for name in COMPILED_FIRST:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    anchor = float(os.environ.setdefault(ANCHOR_ENV, repr(time.time())))
    _freezer = freeze_time(instant, tick=True, real_asyncio=True, ignore=REAL_TIME_MODULES)
    _freezer.start()
    # Back to real time before the interpreter tears its modules down (garbage-collection
    # hooks that read the clock then would find freezegun half gone).
    atexit.register(_stop)
    # freezegun ticks by the local wall clock, which jumps when Django sets the process's
    # TZ after this; tick by the epoch clock from the shared anchor instead.
    # freezegun types its factories as its own class; ours is called the same way.
    api.freeze_factories[-1] = _SessionClock(instant, anchor)  # type: ignore[call-overload]
    return instant


def _stop() -> None:
    with contextlib.suppress(Exception):
        if _freezer is not None:
            _freezer.stop()


def real_time() -> float:
    """The machine's own epoch clock, also while the session travels."""
    return _REAL[0]()


class _SessionClock:
    """The travelling clock: the instant, plus the real seconds since the anchor."""

    def __init__(self, instant: datetime, anchor: float) -> None:
        self.time_to_freeze = instant.astimezone(UTC).replace(tzinfo=None)
        self.anchor = anchor

    def __call__(self) -> datetime:
        return self.time_to_freeze + timedelta(seconds=real_time() - self.anchor)


def child_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` for a child process, travelling with this session when it travels."""
    if target() is None:
        return env
    path = [str(HOOK_DIR), str(HOOK_DIR.parent)]
    if env.get("PYTHONPATH"):
        path.append(env["PYTHONPATH"])
    return {
        **env,
        ENV: os.environ[ENV],
        ANCHOR_ENV: os.environ[ANCHOR_ENV],
        "PYTHONPATH": os.pathsep.join(path),
    }
