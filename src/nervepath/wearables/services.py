# SPDX-License-Identifier: AGPL-3.0-or-later
"""Uploads, the analysis lifecycle and the atomic write of its nights.

- An upload is streamed into storage (``documents.storage.store``: generated name,
  SHA-256, size limit while streaming); the same bytes for the same patient point to
  the first recording and are not analysed again.
- The analysis runs in a worker. While it runs, a thread beats ``heartbeat_at`` every
  quarter lease; a worker that dies stops beating, and :func:`recover_stale` (called by
  every status poll and night list, and by ``nervepath recover_nights``) queues the
  analysis again once the lease has passed.
- Results are computed whole, their files written under new names, and then the
  recording's nights are replaced in ONE transaction that also marks the analysis done,
  but only if this attempt still holds the lease. A crash before that commit leaves the
  previous state visible (queued or running), never half a result.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.module_loading import import_string

from nervepath.accounts.models import Patient, User
from nervepath.documents import storage
from nervepath.science.movement import MovementInputError
from nervepath.wearables import engine, formats, sandbox
from nervepath.wearables.models import Analysis, Night, Recording, State

log = logging.getLogger(__name__)


def max_bytes() -> int:
    return int(settings.NERVEPATH["MAX_RECORDING_MB"]) * 1024 * 1024


def lease() -> timedelta:
    return timedelta(seconds=int(settings.NERVEPATH["ANALYSIS_LEASE_SECONDS"]))


def analysis_limits() -> tuple[float, int]:
    """(seconds, MB) one analysis may take: ``NERVEPATH_ANALYSIS_TIMEOUT_SECONDS`` and
    ``NERVEPATH_ANALYSIS_MEMORY_MB`` (see ``sandbox``)."""
    return (
        float(settings.NERVEPATH["ANALYSIS_TIMEOUT_SECONDS"]),
        int(settings.NERVEPATH["ANALYSIS_MEMORY_MB"]),
    )


# --- upload ---------------------------------------------------------------------------


def daily_upload_bytes() -> int:
    return int(settings.NERVEPATH["UPLOAD_BYTES_PER_PATIENT_PER_DAY"])


def _size_text(count: int) -> str:
    if count >= 1024**3:
        return f"{count / 1024**3:.1f} GB"
    return f"{max(1, round(count / 1024**2))} MB"


def check_daily_upload(patient: Patient, size: int) -> None:
    """Refuse ``size`` more bytes of night files for ``patient`` when the last 24 hours'
    uploads (by the patient or by staff for them) would pass
    ``NERVEPATH_UPLOAD_BYTES_PER_PATIENT_PER_DAY``."""
    limit = daily_upload_bytes()
    since = timezone.now() - timedelta(days=1)
    used = (
        Recording.objects.filter(patient=patient, uploaded_at__gt=since).aggregate(
            total=Sum("size")
        )["total"]
        or 0
    )
    if used + size > limit:
        raise storage.UploadRefused(
            f"Night files for one patient are limited to {_size_text(limit)} a day, and "
            f"{_size_text(used)} came in during the last 24 hours. Please upload this file "
            "tomorrow, or ask the clinic."
        )


def add_recording(
    patient: Patient,
    upload: UploadedFile,
    *,
    by: User,
    body_location: str = "",
    queue: bool = True,
) -> tuple[Recording, bool]:
    """Store an uploaded night file and queue its analysis.

    Returns (recording, created); created is False when the patient already has these
    exact bytes (the stored copy of the new upload is removed again). Raises
    ``storage.UploadRefused`` with a plain reason for a file the engine cannot read.
    ``queue=False`` leaves the analysis queued without sending a task, for a caller that
    runs :func:`run_analysis` itself (the demo seed). ``body_location`` is where the
    monitor was worn, as given at upload (a ``BodySite`` value).
    """
    name = upload.name or "night"
    head = upload.read(16)
    upload.seek(0)
    try:
        suffix = formats.check(name, head)
    except ValueError as exc:
        raise storage.UploadRefused(str(exc)) from None
    check_daily_upload(patient, upload.size or 0)  # before anything is stored
    stored = storage.store(upload, prefix=f"recordings/{patient.pk}", max_bytes=max_bytes())
    existing = Recording.objects.filter(patient=patient, sha256=stored.sha256).first()
    if existing is not None:
        default_storage.delete(stored.name)
        return existing, False
    try:
        with transaction.atomic():
            # Uploads for one patient in parallel: checked again under the patient's lock.
            Patient.objects.select_for_update().filter(pk=patient.pk).first()
            check_daily_upload(patient, stored.size)
            recording = Recording.objects.create(
                patient=patient,
                uploaded_by=by,
                original_name=storage.safe_display_name(name),
                storage_name=stored.name,
                size=stored.size,
                sha256=stored.sha256,
                file_format=suffix,
                body_location=body_location,
            )
            analysis = Analysis.objects.create(recording=recording, queued_at=timezone.now())
            if queue:
                _enqueue(analysis)
    except IntegrityError:
        # The same bytes arrived twice at once: the other upload won.
        default_storage.delete(stored.name)
        return Recording.objects.get(patient=patient, sha256=stored.sha256), False
    except Exception:
        default_storage.delete(stored.name)
        raise
    return recording, True


def _enqueue(analysis: Analysis) -> None:
    """Queue (again); call inside a transaction holding the analysis row."""
    from nervepath.wearables.tasks import analyze_recording

    analysis.state = State.QUEUED
    analysis.queued_at = timezone.now()
    analysis.heartbeat_at = None
    analysis.save(update_fields=["state", "queued_at", "heartbeat_at"])
    pk = analysis.pk

    def send() -> None:
        result = analyze_recording.enqueue(pk)
        Analysis.objects.filter(pk=pk).update(task_id=str(result.id))

    transaction.on_commit(send)


def rerun(analysis: Analysis) -> bool:
    """Queue a finished (done or failed) analysis again; False if it is still going."""
    with transaction.atomic():
        fresh = Analysis.objects.select_for_update().get(pk=analysis.pk)
        if fresh.state not in (State.DONE, State.FAILED):
            return False
        fresh.error_code = fresh.error_message = ""
        fresh.save(update_fields=["error_code", "error_message"])
        _enqueue(fresh)
    return True


# --- the lease ------------------------------------------------------------------------


def _mark_task_dead(task_id: str) -> None:
    """The task row of a worker that died stays RUNNING in django-tasks-db; close it."""
    if not task_id or "DatabaseBackend" not in settings.TASKS["default"]["BACKEND"]:
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now()
    )


#: A file that kills the worker every time (a device reader crashing on damaged bytes)
#: is not retried for ever: after this many attempts the analysis fails with a reason.
MAX_ATTEMPTS = 3


def recover_stale(analyses: Iterable[Analysis] | None = None) -> int:
    """Queue again every running analysis whose worker stopped beating for a lease.

    Returns how many were queued again."""
    cutoff = timezone.now() - lease()
    stale = Analysis.objects.filter(state=State.RUNNING, heartbeat_at__lt=cutoff)
    if analyses is not None:
        stale = stale.filter(pk__in=[a.pk for a in analyses])
    count = 0
    for pk in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            row = Analysis.objects.select_for_update().get(pk=pk)
            if row.state != State.RUNNING or row.heartbeat_at is None or row.heartbeat_at >= cutoff:
                continue
            _mark_task_dead(row.task_id)
            if row.attempts >= MAX_ATTEMPTS:
                log.error("Analysis %s stopped its worker %s times; failed", pk, row.attempts)
                row.state = State.FAILED
                row.error_code = "worker_crashed"
                row.error_message = (
                    f"The analysis stopped the background worker {row.attempts} times: the "
                    "file is probably damaged in a way the device reader cannot handle. The "
                    "file is kept; export it from the device software again and upload it."
                )
                row.finished_at = timezone.now()
                row.save()
            else:
                log.warning(
                    "Analysis %s lost its worker (attempt %s); queued again", pk, row.attempts
                )
                _enqueue(row)
            count += 1
    return count


class _Heartbeat(threading.Thread):
    """Renews the lease of one attempt until stopped."""

    def __init__(self, analysis_id: int, attempt: int) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{analysis_id}")
        self.analysis_id, self.attempt = analysis_id, attempt
        self.stopped = threading.Event()

    def run(self) -> None:
        every = max(0.5, lease().total_seconds() / 4)
        try:
            while not self.stopped.wait(every):
                Analysis.objects.filter(
                    pk=self.analysis_id, state=State.RUNNING, attempts=self.attempt
                ).update(heartbeat_at=timezone.now())
        finally:
            close_old_connections()


# --- running --------------------------------------------------------------------------


def _claim(analysis_id: int) -> Analysis | None:
    """Take the analysis for this worker: queued, or running with an expired lease."""
    now = timezone.now()
    with transaction.atomic():
        row = Analysis.objects.select_for_update().filter(pk=analysis_id).first()
        if row is None or row.state in (State.DONE, State.FAILED):
            return None
        if row.state == State.RUNNING and row.heartbeat_at and row.heartbeat_at >= now - lease():
            return None  # another worker holds it
        row.state = State.RUNNING
        row.attempts += 1
        row.started_at = row.heartbeat_at = now
        row.finished_at = None
        row.save(update_fields=["state", "attempts", "started_at", "heartbeat_at", "finished_at"])
        return row


@contextmanager
def local_copy(recording: Recording) -> Iterator[Path]:
    """The stored file as a local temp file (the engine reads paths), checksum checked."""
    fd, name = tempfile.mkstemp(suffix=recording.file_format, prefix="nervepath-night-")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, default_storage.open(recording.storage_name, "rb") as src:
            for chunk in iter(lambda: src.read(storage.CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != recording.sha256:
            raise storage.StoredFileDamaged(recording.storage_name)
        yield Path(name)
    finally:
        os.unlink(name)


def _analyzer() -> engine.Analyzer:
    return import_string(
        getattr(settings, "WEARABLES_ANALYZER", "nervepath.science.movement.analyze_nights")
    )


def device_now() -> datetime:
    """'Now' on a device clock set to the clinic's wall time (for the future check)."""
    return timezone.localtime().replace(tzinfo=None)


def run_analysis(analysis_id: int) -> str:
    """Analyse one recording (the task body). Returns the final state."""
    row = _claim(analysis_id)
    if row is None:
        return "skipped"
    beat = _Heartbeat(row.pk, row.attempts)
    beat.start()
    try:
        recording = row.recording
        try:
            timeout_s, memory_mb = analysis_limits()
            engine.preload()  # once per worker process, not once per child
            with local_copy(recording) as path:
                # In a child process under a time and memory limit: a file that sends a
                # device reader into a loop or a huge allocation fails alone, with a
                # reason, and the worker moves on to the next night.
                results = sandbox.run(
                    engine.analyze_path,
                    path,
                    body_location=recording.body_location,
                    now=device_now(),
                    analyzer=_analyzer(),
                    timeout_s=timeout_s,
                    memory_mb=memory_mb,
                )
        except MovementInputError as exc:
            code, message = engine.explain(exc)
            return _finish_failed(row, code, message)
        except sandbox.LimitExceeded as exc:
            log.warning("Analysis %s stopped: %s", row.pk, exc)
            return _finish_failed(row, exc.code, str(exc))
        except (storage.StoredFileDamaged, FileNotFoundError):
            log.error("Stored recording %s is missing or damaged", recording.pk)
            return _finish_failed(
                row,
                "stored_file_damaged",
                "The stored copy of this file is missing or no longer matches its checksum. "
                "Upload the file from the device again.",
            )
        except Exception:
            log.exception("Analysis %s failed", row.pk)
            return _finish_failed(
                row,
                "internal",
                "The analysis stopped because of a fault in nervepath, not in the file. "
                "The file is kept; staff can run the analysis again once the fault is fixed.",
            )
        return save_nights(row.pk, results, attempt=row.attempts)
    finally:
        beat.stopped.set()
        beat.join()


def _finish_failed(row: Analysis, code: str, message: str) -> str:
    with transaction.atomic():
        updated = Analysis.objects.filter(
            pk=row.pk, state=State.RUNNING, attempts=row.attempts
        ).update(
            state=State.FAILED,
            error_code=code,
            error_message=message,
            finished_at=timezone.now(),
            engine_version=engine.ENGINE_VERSION,
        )
        if updated:
            from nervepath.wearables.inbox_causes import analysis_changed

            analysis_changed(row.pk)  # the work inbox: a failed analysis needs a person
    return State.FAILED if updated else "superseded"


def _aware(value: datetime | None) -> datetime | None:
    # The device clock is the clinic's wall clock (devices are set to local time).
    return timezone.make_aware(value) if value is not None else None


def save_nights(analysis_id: int, results: list[engine.NightResult], *, attempt: int | None) -> str:
    """Replace the recording's nights with ``results`` in one transaction.

    ``attempt`` is the attempt that computed them (None for a batch re-run, which does
    not hold the lease); if another attempt took over meanwhile, nothing is written."""
    analysis = Analysis.objects.select_related("recording").get(pk=analysis_id)
    recording = analysis.recording
    written: list[str] = []
    try:
        files = []
        for result in results:
            base = f"nights/{recording.patient_id}/{secrets.token_hex(16)}"
            figure = default_storage.save(f"{base}.png", ContentFile(result.figure_png))
            written.append(figure)
            csv = default_storage.save(f"{base}.csv", ContentFile(result.csv.encode()))
            written.append(csv)
            files.append((figure, csv))
        with transaction.atomic():
            row = Analysis.objects.select_for_update().get(pk=analysis_id)
            if attempt is not None and (row.state != State.RUNNING or row.attempts != attempt):
                raise _Superseded
            old = list(
                Night.objects.filter(recording=recording).values_list("figure_name", "csv_name")
            )
            Night.objects.filter(recording=recording).delete()
            for result, (figure, csv) in zip(results, files, strict=True):
                Night.objects.create(
                    recording=recording,
                    patient_id=recording.patient_id,
                    night_of=result.night_of,
                    plms_index=result.plms_index,
                    movements_per_hour=result.movements_per_hour,
                    moves_every_min=result.moves_every_min,
                    sleep_window_start=_aware(result.sleep_window_start),
                    sleep_window_end=_aware(result.sleep_window_end),
                    total_sleep_h=result.total_sleep_h,
                    report=result.report,
                    figure_name=figure,
                    csv_name=csv,
                    engine_version=engine.ENGINE_VERSION,
                )
            row.state = State.DONE
            row.finished_at = timezone.now()
            row.error_code = row.error_message = ""
            row.engine_version = engine.ENGINE_VERSION
            row.save()
            transaction.on_commit(lambda: _delete_files([n for pair in old for n in pair]))
    except _Superseded:
        _delete_files(written)
        return "superseded"
    except Exception:
        _delete_files(written)
        raise
    return State.DONE


class _Superseded(Exception):
    pass


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            try:
                default_storage.delete(name)
            except OSError:
                log.warning("Could not delete %s from storage", name)
