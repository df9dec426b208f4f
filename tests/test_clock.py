# SPDX-License-Identifier: AGPL-3.0-or-later
"""The session's clock (tests/clock.py): ``NERVEPATH_TEST_NOW`` moves this process, the
live server's threads in it and the child processes the tests start, together."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

import clock

REPO = Path(__file__).resolve().parents[1]
# A session at a travelled moment is well under this long.
SESSION = timedelta(hours=3)


def _expected(now: datetime) -> datetime:
    """Where the clock should be: the travelled instant plus the session's time so far,
    or the machine's own time when the session does not travel."""
    instant = clock.target()
    if instant is None:
        return datetime.fromtimestamp(clock.real_time(), UTC)
    assert instant <= now < instant + SESSION
    elapsed = clock.real_time() - float(os.environ[clock.ANCHOR_ENV])
    return instant + timedelta(seconds=elapsed)


def test_now_is_the_sessions_moment(now: datetime) -> None:
    assert abs(now - _expected(now)) < timedelta(seconds=60)
    assert timezone.localdate() == now.astimezone(clock.CLINIC_ZONE).date()


def test_a_thread_sees_the_same_clock(now: datetime) -> None:
    seen: list[datetime] = []
    thread = threading.Thread(target=lambda: seen.append(timezone.now()))
    thread.start()
    thread.join()
    assert abs(seen[0] - now) < timedelta(seconds=60)


def test_a_child_process_sees_the_same_clock(now: datetime) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    run = subprocess.run(
        [sys.executable, "-c", "import datetime; print(datetime.datetime.now(datetime.UTC))"],
        env=clock.child_env(env),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    child = datetime.fromisoformat(run.stdout.strip())
    assert abs(child - _expected(child)) < timedelta(seconds=60)
    assert child >= now - timedelta(seconds=1)


@pytest.mark.parametrize("value", ["2027-01-10T14:00:00-07:00", "2027-01-10T21:00:00Z"])
def test_an_instant_with_an_offset_is_read_as_given(monkeypatch, value: str) -> None:
    monkeypatch.setenv(clock.ENV, value)
    assert clock.target() == datetime(2027, 1, 10, 21, tzinfo=UTC)


def test_an_instant_without_an_offset_is_the_clinics_wall_time(monkeypatch) -> None:
    monkeypatch.setenv(clock.ENV, "2027-07-04T09:30")
    assert clock.target() == datetime(2027, 7, 4, 15, 30, tzinfo=UTC)  # MDT, UTC-6


def test_a_malformed_instant_stops_the_session_with_a_sentence(monkeypatch) -> None:
    monkeypatch.setenv(clock.ENV, "next sunday")
    with pytest.raises(SystemExit, match="is not an ISO 8601 instant"):
        clock.target()
