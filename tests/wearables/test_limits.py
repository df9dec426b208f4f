# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 22, finding 4: a night file cannot hold the worker. A .gt3x zip bomb is refused
before it is inflated; an analysis that runs too long or needs too much memory is
stopped in its child process, the night says why, and the next analysis runs."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from helpers import login
from nervepath.documents import storage
from nervepath.science.movement.errors import OversizedArchiveError
from nervepath.science.movement.readers.actigraph import check_archive, read_gt3x
from nervepath.wearables import services
from nervepath.wearables.models import Analysis, Night, Recording, State

pytestmark = pytest.mark.django_db


def sleep_past_the_limit(path, **kwargs):
    time.sleep(30)
    raise AssertionError("the analysis was not stopped")


def allocate_past_the_limit(path, **kwargs):
    # 768 MB of address space (calloc: no page is touched, so cheap without a limit).
    hog = bytearray(768 * 1024 * 1024)
    raise AssertionError(f"the analysis was not stopped ({len(hog)} bytes)")


def use_memory_past_the_limit(path, **kwargs):
    # 200 MB written a page at a time: under the address-space net (4 x 64 MB), so only
    # the watch on resident memory stops it.
    held = []
    for _ in range(200):
        held.append(b"x" * (1024 * 1024))
        time.sleep(0.01)
    time.sleep(30)
    raise AssertionError(f"the analysis was not stopped ({len(held)} MB)")


def _zip_bomb() -> bytes:
    """A .gt3x-shaped archive: a small info.txt and 64 MiB of zeros as log.bin."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("info.txt", "Serial Number: MOS2E00000000\r\nSample Rate: 30\r\n")
        archive.writestr("log.bin", bytes(64 * 1024 * 1024))
    return buf.getvalue()


def _analyse_upload(client, patient, name: str, data: bytes) -> Analysis:
    recording, _ = services.add_recording(
        patient, SimpleUploadedFile(name, data), by=patient.user, queue=False
    )
    services.run_analysis(recording.analysis.pk)
    return Analysis.objects.get(pk=recording.analysis.pk)


def test_zip_bomb_gt3x_is_refused_quickly_with_a_sentence(client, alice, tmp_path):
    bomb = _zip_bomb()
    assert len(bomb) < 200_000  # small on disk, 64 MiB inflated
    login(client, alice.user)
    # Refused before inflating: the error names the archive's size, not a read failure.
    analysis = _analyse_upload(client, alice, "night.gt3x", bomb)
    assert analysis.state == State.FAILED
    assert analysis.error_code == "archive_too_large"
    assert "zip bomb" in analysis.error_message and "not read" in analysis.error_message
    assert not Night.objects.exists()
    page = client.get(reverse("wearables:mine")).content.decode()
    assert "far more data than a night recording holds" in page

    # The science layer's own check, with its limits as plain arguments.
    path = tmp_path / "bomb.gt3x"
    path.write_bytes(bomb)
    with pytest.raises(OversizedArchiveError, match="zip bomb"):
        read_gt3x(path)
    with pytest.raises(OversizedArchiveError, match="would unpack to 64 MB"):
        check_archive(path, max_inflated_bytes=32 * 1024 * 1024, max_ratio=10_000)


def test_real_gt3x_files_pass_the_archive_check(real_file, tmp_path):
    for name in ("ggir_actigraph_testfile.gt3x", "small.gt3x", "neo.gt3x", "ISM_Enabled.gt3x"):
        path = tmp_path / name
        path.write_bytes(real_file(name))
        check_archive(path)  # no error


def test_an_analysis_past_the_time_limit_is_stopped_and_the_queue_moves_on(
    client, alice, bob, settings, real_file
):
    settings.NERVEPATH = {**settings.NERVEPATH, "ANALYSIS_TIMEOUT_SECONDS": 1}
    settings.WEARABLES_ANALYZER = "tests.wearables.test_limits.sleep_past_the_limit"
    login(client, alice.user)
    # The analyser sleeps 30 s and then fails with another error: the timeout code
    # shows the worker stopped it at the limit (speed belongs in benchmarks, not here).
    analysis = _analyse_upload(client, alice, "night.cwa", real_file("ax3_testfile.cwa"))
    assert analysis.state == State.FAILED
    assert analysis.error_code == "analysis_timeout"
    assert "took longer than 1 second" in analysis.error_message
    assert "took longer than 1 second" in client.get(reverse("wearables:mine")).content.decode()

    # The worker is free: the next patient's night is analysed normally.
    settings.NERVEPATH = {**settings.NERVEPATH, "ANALYSIS_TIMEOUT_SECONDS": 300}
    del settings.WEARABLES_ANALYZER
    following = _analyse_upload(client, bob, "night.cwa", real_file("ax3_testfile.cwa"))
    assert following.state == State.DONE
    assert Night.objects.filter(patient=bob).count() == 1


def test_an_analysis_past_the_memory_limit_is_stopped(client, alice, settings, real_file):
    settings.NERVEPATH = {**settings.NERVEPATH, "ANALYSIS_MEMORY_MB": 64}
    settings.WEARABLES_ANALYZER = "tests.wearables.test_limits.allocate_past_the_limit"
    login(client, alice.user)
    analysis = _analyse_upload(client, alice, "night.cwa", real_file("ax3_testfile.cwa"))
    assert analysis.state == State.FAILED
    assert analysis.error_code == "analysis_memory"
    assert "needed more than 64 MB" in analysis.error_message
    assert "needed more than 64 MB" in client.get(reverse("wearables:mine")).content.decode()


def test_an_analysis_using_memory_past_the_limit_is_stopped(client, alice, settings, real_file):
    # A time limit far past the analyser's 32 s: the memory code shows the watch on
    # resident memory stopped it while it grew, not the clock.
    settings.NERVEPATH = {
        **settings.NERVEPATH,
        "ANALYSIS_MEMORY_MB": 64,
        "ANALYSIS_TIMEOUT_SECONDS": 600,
    }
    settings.WEARABLES_ANALYZER = "tests.wearables.test_limits.use_memory_past_the_limit"
    login(client, alice.user)
    analysis = _analyse_upload(client, alice, "night.cwa", real_file("ax3_testfile.cwa"))
    assert analysis.state == State.FAILED
    assert analysis.error_code == "analysis_memory"
    assert "needed more than 64 MB" in analysis.error_message


def test_a_reader_that_reserves_more_than_it_uses_is_not_stopped(alice, bob, real_file):
    """scikit-digital-health reserves about 3 GB of address space for the GENEActiv test
    night and touches 272 MB: a cap on address space alone stopped it (3072 MB default)."""
    analysis = _analyse_upload(None, bob, "night.bin", real_file("GENEActiv_testfile.bin"))
    assert analysis.state == State.DONE, analysis.error_message


# Finding 7: night-file bytes per patient per day (NERVEPATH_UPLOAD_BYTES_PER_PATIENT_PER_DAY).


def test_upload_bytes_per_patient_per_day(client, alice, bob, frontdesk, settings, real_file):
    first, second = real_file("ax3_testfile.cwa"), real_file("GENEActiv_testfile.bin")
    settings.NERVEPATH = {
        **settings.NERVEPATH,
        "UPLOAD_BYTES_PER_PATIENT_PER_DAY": len(first) + len(second) - 1,
    }
    login(client, alice.user)
    ok = client.post(
        reverse("wearables:mine"),
        {"file": SimpleUploadedFile("a.cwa", first), "body_location": "ankle"},
    )
    assert ok.status_code == 302
    stored = sorted(p.name for p in (Path(settings.MEDIA_ROOT) / "recordings").rglob("*"))

    refused = client.post(
        reverse("wearables:mine"),
        {"file": SimpleUploadedFile("b.bin", second), "body_location": "ankle"},
    )
    assert refused.status_code == 400
    assert "Night files for one patient are limited to" in refused.content.decode()
    assert Recording.objects.filter(patient=alice).count() == 1
    assert sorted(p.name for p in (Path(settings.MEDIA_ROOT) / "recordings").rglob("*")) == stored
    # Staff uploading for the patient are held to the same day's total ...
    with pytest.raises(storage.UploadRefused, match="limited to"):
        services.add_recording(alice, SimpleUploadedFile("b.bin", second), by=frontdesk)
    # ... which is per patient: another patient's upload goes through.
    recording, created = services.add_recording(
        bob, SimpleUploadedFile("b.bin", second), by=frontdesk, queue=False
    )
    assert created and recording.patient == bob
    # Uploads older than a day no longer count.
    Recording.objects.filter(patient=alice).update(
        uploaded_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    again = client.post(
        reverse("wearables:mine"),
        {"file": SimpleUploadedFile("b.bin", second), "body_location": "ankle"},
    )
    assert again.status_code == 302
