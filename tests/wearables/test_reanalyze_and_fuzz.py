# SPDX-License-Identifier: AGPL-3.0-or-later
"""The batch re-analysis command, and corrupted copies of the real device files pushed
through the real upload endpoint and the task: each ends done or failed with a reason."""

from __future__ import annotations

import faulthandler
import io
import os
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from helpers import login
from nervepath.wearables import engine, services
from nervepath.wearables.models import Analysis, Night, State

# A whole-system check (every damaged variant through the worker): `make test` runs it
# once, in its hard-moment pass (Makefile).
pytestmark = [pytest.mark.django_db, pytest.mark.once]


def test_reanalyze_nights_replaces_without_duplicates(alice, bob, real_file):
    made = []
    for patient, name in [(alice, "ax3_testfile.cwa"), (bob, "GENEActiv_testfile.bin")]:
        upload = SimpleUploadedFile(name, real_file(name))
        recording, _ = services.add_recording(patient, upload, by=patient.user)
        services.run_analysis(recording.analysis.pk)
        made.append(recording)
    before = {n.recording_id: (n.pk, n.plms_index) for n in Night.objects.all()}
    out, err = io.StringIO(), io.StringIO()
    call_command("reanalyze_nights", "--workers", "1", stdout=out, stderr=err)
    assert "Re-analysed 2 file(s); 0 failed." in out.getvalue()
    assert "2/2" in err.getvalue()  # the progress bar
    after = {n.recording_id: (n.pk, n.plms_index) for n in Night.objects.all()}
    assert set(after) == set(before) and len(after) == 2
    for rid, (pk, plms) in after.items():
        assert pk != before[rid][0]  # replaced
        assert plms == pytest.approx(before[rid][1])
    call_command("reanalyze_nights", "--patient", str(alice.pk), "--workers", "1", stdout=out)
    assert Night.objects.count() == 2


SOURCES = ["ax3_testfile.cwa", "GENEActiv_testfile.bin", "ggir_actigraph_testfile.gt3x"]


def _corruptions(data: bytes, name: str):
    rng = np.random.default_rng(20260301)  # derandomised: the same cases every run
    stem, ext = name.rsplit(".", 1)
    for fraction in (0.001, 0.05, 0.3, 0.6, 0.95):
        yield f"truncated {fraction}", f"{stem}.{ext}", data[: max(1, int(len(data) * fraction))]
    for count in (1, 50, 2000):
        flipped = bytearray(data)
        for pos in rng.integers(0, len(data), count):
            flipped[pos] ^= 0xFF
        yield f"{count} flipped bytes", f"{stem}.{ext}", bytes(flipped)
    other = {"cwa": "bin", "bin": "gt3x", "gt3x": "cwa"}[ext]
    yield "wrong extension", f"{stem}.{other}", data
    yield "wrong extension csv", f"{stem}.csv", data


def _run_in_child(pk: int) -> int:
    """Run the task in a forked worker process, as db_worker would: a device reader that
    crashes the process (scikit-digital-health segfaults on some damaged .bin files)
    kills only the child. Returns the child's exit code.

    Like a worker that has analysed before, this process has the engine's libraries
    imported before it forks (``engine.preload``), so no child imports them again."""
    engine.preload()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        # A crash here is expected and judged by the parent: no crash report on stderr.
        faulthandler.disable()
        # The parent's database connections are not the child's: drop them WITHOUT
        # closing (closing would end the parent's PostgreSQL session on the shared socket)
        # and keep them referenced so no garbage collection closes them either.
        inherited = []
        for conn in connections.all(initialized_only=True):
            inherited.append(conn.connection)
            conn.connection = None
        try:
            services.run_analysis(pk)
        finally:
            os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("source", SOURCES)
def test_fuzzed_uploads_end_in_a_clear_state(
    client, alice, real_file, source, django_capture_on_commit_callbacks
):
    login(client, alice.user)
    data = real_file(source)
    for case, name, blob in _corruptions(data, source):
        response = client.post(
            reverse("wearables:mine"),
            {"file": SimpleUploadedFile(name, blob), "body_location": "ankle"},
        )
        assert response.status_code in (302, 400), case
        if response.status_code == 400:
            assert 'class="error"' in response.content.decode(), case
            continue
        latest = Analysis.objects.latest("pk")
        while latest.state in (State.QUEUED, State.RUNNING):
            if latest.state == State.QUEUED:
                _run_in_child(latest.pk)
            else:  # the worker died: let the lease pass
                Analysis.objects.filter(pk=latest.pk).update(
                    heartbeat_at=timezone.now() - timedelta(hours=1)
                )
                services.recover_stale()
            latest.refresh_from_db()
        latest = Analysis.objects.latest("pk")
        assert latest.state in (State.DONE, State.FAILED), case
        if latest.state == State.FAILED:
            assert latest.error_message and latest.error_code != "internal", (
                case,
                latest.error_message,
            )
    assert not Analysis.objects.filter(state__in=[State.QUEUED, State.RUNNING]).exists()
    page = client.get(reverse("wearables:mine"))
    assert page.status_code == 200
