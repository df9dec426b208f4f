# SPDX-License-Identifier: AGPL-3.0-or-later
"""The care pathway: how long a clinician waits for a long course of care, next to
the pages they already use, and the science layer's per-call costs.

Run on demand (never in CI)::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_pathway.py [--years 2] [--repeat 15]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres PYTHONPATH=src \\
        .venv/bin/python benchmarks/bench_pathway.py

Data: one patient with ``--years`` of history, written through the models (the dates
are in the past): a visit every week, a night every night (PLMS index only; the night
pages do not open files), 30 outcome questionnaires a year scored by the real engine,
two blocks a year with full 14-day diaries and a review, both legs operated on with
monitoring and their 8 follow-ups, a 20-session therapy course a year and a medication
changed every two months. Plus 200 other patients with a visit each, so the tables are
not trivially small. A throw-away database (the test settings: SQLite file, or
PostgreSQL's ``test_<name>`` with ``DATABASE_URL``).

Reported: the median and max wall time of each staff page (Django's test client, the
whole middleware stack, audit included) and its query count; the course page as a ratio
of the patient record page (the page a clinician opens today); the science calls.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.test_settings")


def build(years: int):  # type: ignore[no-untyped-def]
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from nervepath.accounts.models import Patient, Role, User
    from nervepath.assessment import services as qservices
    from nervepath.demo import assessment as qdemo
    from nervepath.pathway.models import (
        CandidacyReview,
        FollowUp,
        FollowUpStatus,
        Medication,
        MonitoringReading,
        NerveBlock,
        ReliefEntry,
        SessionStatus,
        Surgery,
        SurgeryStatus,
        TherapyCourse,
        TherapySession,
    )
    from nervepath.scheduling.models import Appointment, AppointmentType, Clinician, Location
    from nervepath.wearables.models import Night, Recording

    call_command("seed_demo", "--no-appointments", stdout=io.StringIO())
    hale = Clinician.objects.get(user__last_name="Hale")
    fort = Location.objects.get(slug="fort-collins")
    kinds = {k.slug: k for k in AppointmentType.objects.all()}
    today = timezone.localdate()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    days = 365 * years

    def patient(email: str) -> Patient:
        user = User.objects.create_user(email, "x" * 16, role=Role.PATIENT, first_name="Pat")
        return Patient.objects.create(user=user)

    def visit(who: Patient, slug: str, days_ago: int) -> Appointment:
        kind = kinds[slug]
        start = now - timedelta(days=days_ago, hours=days_ago % 5)
        return Appointment.objects.create(
            patient=who, clinician=hale, location=fort, appointment_type=kind,
            starts_at=start, ends_at=start + kind.duration, blocked_from=start,
            blocked_until=start + kind.duration, status="completed", source="staff",
        )  # fmt: skip

    for n in range(200):
        visit(patient(f"other{n}@bench.example"), "follow-up", 1 + n % 300)
    robin = patient("robin@bench.example")
    for d in range(days, 0, -7):
        visit(robin, "follow-up", d)
    rec = Recording.objects.create(
        patient=robin, uploaded_by=robin.user, original_name="x.cwa", storage_name="bench/x",
        size=1, sha256="0" * 64, file_format="cwa",
    )  # fmt: skip
    Night.objects.bulk_create(
        Night(recording=rec, patient=robin, night_of=today - timedelta(days=d),
              plms_index=40 - 30 * (days - d) / days, report={}, engine_version="bench")
        for d in range(days, 0, -1)
    )  # fmt: skip
    for d in range(days, 0, -12):
        when = now - timedelta(days=d)
        total = max(5, 31 - (days - d) * 26 // days)
        qservices.record_response(robin, "irls", qdemo.irls(total), by=robin.user, when=when)
        qservices.record_response(robin, "pain_nrs", qdemo.pain(5, 4), by=robin.user, when=when)
        qservices.record_response(
            robin, "clinic_sleep", qdemo.sleep(3, 40, 3), by=robin.user, when=when
        )
    injections = [{"site": "tibial", "agent": "Lidocaine 1%", "volume_ml": 2.0}]
    for y in range(years):
        for half in (0, 180):
            given = today - timedelta(days=days - 20 - 365 * y - half)
            block = NerveBlock.objects.create(
                patient=robin, given_on=given, leg="right", injections=injections,
                given_by=hale.user,
            )  # fmt: skip
            for k, relief in enumerate([90, 85, 80, 80, 75, 70, 60, 40, 30, 20, 10, 10, 5, 5]):
                ReliefEntry.objects.create(
                    block=block, patient=robin, day=given + timedelta(days=k),
                    relief_pct=relief, sleep_hours=Decimal("7.0"),
                )  # fmt: skip
            CandidacyReview.objects.create(
                block=block, patient=robin, computed="candidate", relief_days=7,
                decision="candidate", decided_by=hale.user,
            )  # fmt: skip
    first = None
    for leg, ago in (("right", days - 60), ("left", days - 84)):
        surgery = Surgery.objects.create(
            patient=robin, leg=leg, operated_on=today - timedelta(days=ago), surgeon=hale,
            location=fort, tunnels=["common_peroneal", "superficial_peroneal", "tibial"],
            status=SurgeryStatus.DONE, first_leg=first,
        )  # fmt: skip
        first = first or surgery
        for nerve in ("common_peroneal", "superficial_peroneal", "tibial"):
            MonitoringReading.objects.create(
                surgery=surgery, patient=robin, nerve=nerve, phase="before", amplitude_uv=50
            )
            MonitoringReading.objects.create(
                surgery=surgery, patient=robin, nerve=nerve, phase="after", amplitude_uv=140
            )
        for after, label in (
            (14, "2 weeks"),
            (91, "3 months"),
            (182, "6 months"),
            (365, "12 months"),
        ):
            FollowUp.objects.create(
                surgery=surgery, patient=robin, label=label, days_after=after,
                due_on=surgery.operated_on + timedelta(days=after), status=FollowUpStatus.DONE,
            )  # fmt: skip
    for y in range(years):
        start = today - timedelta(days=days - 200 - 365 * y)
        course = TherapyCourse.objects.create(
            patient=robin, modality="estim", planned_sessions=20, clinician=hale.user,
            started_on=start, status="completed", ended_on=start + timedelta(days=60),
            improvement_pct=40,
        )  # fmt: skip
        for n in range(1, 21):
            TherapySession.objects.create(
                course=course, patient=robin, number=n, on_date=start + timedelta(days=3 * n),
                status=SessionStatus.DONE if n % 7 else SessionStatus.MISSED,
                parameters={"frequency_hz": 10, "minutes": 30},
            )  # fmt: skip
    previous = None
    for d in range(days, 0, -60):
        started = today - timedelta(days=d)
        if previous is not None:
            previous.stopped_on, previous.stop_reason = started, "dose adjusted"
            previous.save(update_fields=["stopped_on", "stop_reason"])
        previous = Medication.objects.create(
            patient=robin, name="Gabapentin", dose=Decimal(300 + (d % 4) * 100), unit="mg",
            frequency="at bedtime", started_on=started, replaces=previous,
        )  # fmt: skip
    return robin, hale


def timed(fn, repeat: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm (templates compiled, caches filled)
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, max(times) * 1000, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    try:
        t0 = time.perf_counter()
        robin, hale = build(args.years)
        print(f"database: {connection.vendor}; built {args.years} years of history in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        from helpers import login
        from nervepath.pathway import timeline
        from nervepath.pathway.models import Surgery, TherapyCourse

        counts = timeline.course(robin)
        print(f"course: {len(counts.events)} events")
        client = login(Client(), hale.user)
        pk = robin.pk
        surgery_pk = Surgery.objects.filter(patient=robin).values_list("pk", flat=True)[0]
        course_pk = TherapyCourse.objects.filter(patient=robin).values_list("pk", flat=True)[0]
        pages = {
            "patient record": f"/staff/patients/{pk}/",
            "course of care": f"/staff/patients/{pk}/course/",
            "questionnaire summary": f"/staff/patients/{pk}/assessment/",
            "nights": f"/staff/patients/{pk}/nights/",
            "nerve blocks": f"/staff/patients/{pk}/blocks/",
            "surgery": f"/staff/patients/{pk}/surgery/{surgery_pk}/",
            "therapy course": f"/staff/patients/{pk}/therapy/{course_pk}/",
            "medications": f"/staff/patients/{pk}/medications/",
        }
        results = {}
        print(f"{'page':<24}{'median ms':>10}{'max ms':>9}{'queries':>9}")
        for name, url in pages.items():

            def get(url: str = url) -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            results[name] = timed(get, args.repeat)
            med, worst, queries = results[name]
            print(f"{name:<24}{med:>10.1f}{worst:>9.1f}{queries:>9}")
        build_ms = timed(lambda: timeline.course_svg(timeline.course(robin)), args.repeat)
        print(
            f"{'timeline.course + svg':<24}{build_ms[0]:>10.1f}{build_ms[1]:>9.1f}{build_ms[2]:>9}"
        )
        ratio = results["course of care"][0] / results["patient record"][0]
        print(f"course of care / patient record (medians): {ratio:.2f}")
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)

    from nervepath.science.nerves import monitoring, relief

    diary = {d: v for d, v in enumerate([90, 85, None, 80, 75, 70, 60, 40, 30], start=1)}
    n = 20_000
    t0 = time.perf_counter()
    for _ in range(n):
        relief.summarise(diary)
    per = (time.perf_counter() - t0) / n * 1e6
    print(f"relief.summarise: {per:.1f} µs per diary")
    csv_text = (ROOT / "docs" / "samples" / "monitoring.csv").read_text()
    n = 5_000
    t0 = time.perf_counter()
    for _ in range(n):
        monitoring.changes(monitoring.parse_csv(csv_text))
    per = (time.perf_counter() - t0) / n * 1e6
    print(f"monitoring.parse_csv + changes (docs/samples/monitoring.csv): {per:.0f} µs per file")


if __name__ == "__main__":
    main()
