# SPDX-License-Identifier: AGPL-3.0-or-later
"""A worker killed mid-analysis (SIGKILL: no clean-up runs) leaves the analysis to be
picked up again once its lease has passed; a new worker finishes it with exactly one
set of nights, and nothing half-written is visible in between.

Real ``nervepath db_worker`` processes on this test's SQLite file; the analyzer is
slowed (``tests/wearables/slow.py``) so the kill lands inside the analysis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

import clock
from nervepath.wearables import services
from nervepath.wearables.models import Analysis, Night, State

# A whole-system check: `make test` runs it once, in its hard-moment pass (Makefile).
pytestmark = pytest.mark.once

REPO = Path(__file__).resolve().parents[2]
LEASE = 2


def _worker(tmp_path: Path, media: str, *, delay: float, batch: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.test_settings",
        "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}",
        "SQLITE_PATH": str(connection.settings_dict["NAME"]),
        "NERVEPATH_MEDIA_ROOT": media,
        "NERVEPATH_VAR_DIR": str(tmp_path / "var"),
        "NERVEPATH_ANALYSIS_LEASE_SECONDS": str(LEASE),
        "NERVEPATH_TEST_ANALYSIS_DELAY": str(delay),
        "NERVEPATH_TEST_STARTED_MARKER": str(tmp_path / "started"),
    }
    args = [sys.executable, "-m", "nervepath.cli", "db_worker", "--no-startup-delay"]
    args += ["--interval", "0.2"] + (["--batch"] if batch else [])
    log = open(tmp_path / f"worker-{time.monotonic_ns()}.log", "wb")
    return subprocess.Popen(args, env=clock.child_env(env), stdout=log, stderr=subprocess.STDOUT)


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_killed_worker_task_is_picked_up_again(alice, settings, tmp_path, real_file):
    settings.NERVEPATH = {**settings.NERVEPATH, "ANALYSIS_LEASE_SECONDS": LEASE}
    media = str(settings.MEDIA_ROOT)
    upload = SimpleUploadedFile("night.cwa", real_file("ax3_testfile.cwa"))
    recording, _ = services.add_recording(alice, upload, by=alice.user)
    analysis = Analysis.objects.get(recording=recording)
    assert analysis.state == State.QUEUED and analysis.task_id

    first = _worker(tmp_path, media, delay=120, batch=False)
    try:
        _wait(lambda: (tmp_path / "started").exists(), 90, "the first worker to start analysing")
        analysis.refresh_from_db()
        assert analysis.state == State.RUNNING and analysis.attempts == 1
        assert services.recover_stale() == 0  # the lease is being renewed
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    task = DBTaskResult.objects.get(id=analysis.task_id)
    assert task.status == TaskResultStatus.RUNNING  # what django-tasks-db leaves behind
    assert not Night.objects.exists()  # nothing half-written

    _wait(lambda: services.recover_stale() == 1, LEASE * 10, "the lease to expire")
    analysis.refresh_from_db()
    assert analysis.state == State.QUEUED and analysis.attempts == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    _wait(lambda: Analysis.objects.get(pk=analysis.pk).task_id != str(task.id), 10, "a new task")

    second = _worker(tmp_path, media, delay=0, batch=True)
    try:
        second.wait(120)
    finally:
        if second.poll() is None:
            second.kill()
    analysis.refresh_from_db()
    assert analysis.state == State.DONE, [p.read_text() for p in tmp_path.glob("worker-*.log")]
    assert analysis.attempts == 2
    assert Night.objects.filter(recording=recording).count() == 1
