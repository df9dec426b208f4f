# SPDX-License-Identifier: AGPL-3.0-or-later
"""Demo nights (called by ``seed_demo``): a week of restless nights before a treatment and
calmer ones after it, for the demo patients who had a nerve block or surgery, so the
clinician's trend and before/after comparison have something to show.

The signals are simulated (``science.movement.simulate``: an ankle accelerometer with
periodic leg movements, more of them before the treatment), written as the CSV files a
device exports, uploaded as the patient and analysed by the worker's own function
(:func:`services.run_analysis`): real engine output, figures and reports. Nights are
short (2.5 h at 10 Hz) so that seeding stays quick.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from nervepath.accounts.models import Patient
from nervepath.science.movement.readers.nonwear import detect_nonwear
from nervepath.science.movement.recording import AccelRecording
from nervepath.science.movement.simulate import simulate_accel_night, write_accel_csv
from nervepath.wearables import events, services
from nervepath.wearables.models import Recording, State

#: Demo patients given nights around a completed treatment (see seed_demo's stories):
#: Taylor Brooks had a nerve block, then the right leg decompressed.
PATIENTS = ["taylor.brooks@demo.nervepath.org"]
#: Which treatment the nights are put around, first choice first.
PREFERRED = ("surgery", "block", "therapy")
NIGHTS_BEFORE = 6
NIGHTS_AFTER = 6
HOURS = 2.5
FS = 10.0
#: Share of periodic series among a night's movement events, before and after.
RESTLESS, CALMER = 0.75, 0.1


def night_start(day: date, minutes_after_ten: int) -> float:
    """Device clock (POSIX seconds of local wall time) of a night beginning after 22:00."""
    wall = datetime.combine(day, time(22, 0)) + timedelta(minutes=minutes_after_ten)
    return wall.replace(tzinfo=UTC).timestamp()


def add_nights(
    patient: Patient,
    days: list[tuple[date, float]],
    *,
    seed: int = 0,
    folder: Path | None = None,
) -> list[Recording]:
    """Simulate one night per (night date, series share), upload each as the patient and
    analyse it with the worker's function. Returns the recordings (analysis done)."""
    rng = np.random.default_rng(seed)
    made = []
    with tempfile.TemporaryDirectory(prefix="nervepath-demo-nights-") as tmp:
        where = folder or Path(tmp)
        for n, (day, share) in enumerate(days):
            rec = _worn_night(seed * 1000 + n * 10, day, share, int(rng.integers(0, 90)))
            path = write_accel_csv([rec], where / f"night-{day:%Y-%m-%d}.csv")
            upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
            recording, created = services.add_recording(
                patient, upload, by=patient.user, body_location="ankle", queue=False
            )
            if created:
                services.run_analysis(recording.analysis.pk)
            made.append(recording)
    return made


def _worn_night(seed: int, day: date, share: float, late: int) -> AccelRecording:
    """A simulated night the engine will see as worn throughout.

    The simulated foot turns about one axis; when the other two barely change for an
    hour, van Hees' rule rightly calls that hour "not worn". A demo night should look
    like a worn device, so such a simulation is drawn again with the next seed."""
    for attempt in range(20):
        rec, _ = simulate_accel_night(
            seed + attempt,
            hours=HOURS,
            fs=FS,
            start=night_start(day, late),
            series_share=share,
        )
        if not detect_nonwear(rec.accel, rec.fs):
            return rec
    return rec


def around(day: date, *, before: int, after: int, today: date) -> list[tuple[date, float]]:
    """Night dates before ``day`` (restless) and from ``day`` on (calmer), none after
    last night."""
    nights = [(day - timedelta(days=k), RESTLESS) for k in range(before, 0, -1)]
    nights += [(day + timedelta(days=k), CALMER) for k in range(after)]
    return [(d, share) for d, share in nights if d < today]


def seed() -> str:
    """Nights around a completed treatment of each demo patient in PATIENTS (the first
    surgery, else the first nerve block, else the first therapy session)."""
    today = timezone.localdate()
    made = 0
    for number, email in enumerate(PATIENTS):
        patient = Patient.objects.filter(user__email=email).select_related("user").first()
        if patient is None or Recording.objects.filter(patient=patient).exists():
            continue
        treatments = events.completed_treatments(patient)
        if not treatments:
            continue
        kind = next(
            k for k in (*PREFERRED, treatments[0].kind) if any(t.kind == k for t in treatments)
        )
        day = min(t.day for t in treatments if t.kind == kind)
        nights = around(day, before=NIGHTS_BEFORE, after=NIGHTS_AFTER, today=today)
        for recording in add_nights(patient, nights, seed=number + 1):
            recording.analysis.refresh_from_db()
            made += recording.analysis.state == State.DONE
    return f"Added {made} demo nights."
