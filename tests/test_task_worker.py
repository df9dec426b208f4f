# SPDX-License-Identifier: AGPL-3.0-or-later
"""The task worker waits out a locked database (issue 17): it never exits because of a
lock, pauses 1, 2, 4 ... seconds between tries, and still records what each task did."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.utils import OperationalError
from django_tasks_db.management.commands import db_worker as library
from django_tasks_db.models import DBTaskResult

from nervepath.config.management.commands import db_worker
from nervepath.scheduling.tasks import send_reminder

pytestmark = pytest.mark.django_db

LOCKED = OperationalError("database is locked")


@pytest.fixture
def pauses(monkeypatch):
    """The pauses the worker takes, recorded instead of slept. The test database lives
    in memory: the connection the worker would close and reopen after a lock stays."""
    taken: list[float] = []
    monkeypatch.setattr(db_worker.time, "sleep", taken.append)
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(library, "close_old_connections", lambda: None)
    return taken


def _queued():
    # A reminder for a visit that does not exist: the task runs and answers False.
    return send_reminder.enqueue(999_999, "2030-01-01T00:00:00+00:00")


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def _fail_first(times: int, then):
    calls = {"n": 0}

    def call(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= times:
            raise LOCKED
        return then(*args, **kwargs)

    return call


def test_a_database_locked_while_claiming_a_task_is_waited_out(monkeypatch, pauses):
    queued = _queued()
    monkeypatch.setattr(
        library, "exclusive_transaction", _fail_first(4, library.exclusive_transaction)
    )
    _run_worker()
    assert pauses == [1.0, 2.0, 4.0, 8.0]
    result = DBTaskResult.objects.get(id=queued.id)
    assert result.status == "SUCCESSFUL" and result.return_value is False


def test_a_database_locked_while_recording_the_result_is_waited_out(monkeypatch, pauses):
    queued = _queued()
    monkeypatch.setattr(DBTaskResult, "set_successful", _fail_first(2, DBTaskResult.set_successful))
    _run_worker()
    assert pauses == [1.0, 2.0]
    assert DBTaskResult.objects.get(id=queued.id).status == "SUCCESSFUL"


def test_the_pause_stops_growing_at_a_minute(pauses):
    backoff = db_worker.Backoff()
    for _ in range(10):
        backoff.wait(LOCKED, "testing")
    assert pauses[:7] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0] and max(pauses) == 60.0


def test_any_other_database_error_still_ends_the_worker(monkeypatch, pauses):
    _queued()

    def broken(*args, **kwargs):
        raise OperationalError("no such table: django_tasks_db_dbtaskresult")

    monkeypatch.setattr(library, "exclusive_transaction", broken)
    with pytest.raises(OperationalError, match="no such table"):
        _run_worker()
    assert pauses == []
    # The library's own command is restored for whoever calls it next.
    assert library.Worker is not db_worker.Worker
