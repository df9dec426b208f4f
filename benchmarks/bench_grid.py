# SPDX-License-Identifier: AGPL-3.0-or-later
"""Schedule grid benchmark (issue 18): the front desk's day grid for one location with
6 clinicians and a full day of visits.

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/bench_grid.py            # SQLite (temp dir)
    PYTHONPATH=$PWD/src DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_grid.py

Set-up: a fresh database, ``migrate``, the demo reference data (``seed_demo
--no-appointments``), then Fort Collins is given 6 clinicians working 07:00-19:00 on the
benchmark day, and their days are filled back to back with 30-minute visits (144 visits),
each for its own patient. The grid page (``/staff/calendar/fort-collins/?date=...``) is
then requested through Django's test client as the front desk, N times: the server time is
the whole request inside the process (middleware, access checks, audit writes, template).
Reports median and p95 (target: under 150 ms) and the query count with the day a quarter
full and full (target: the same).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

TARGET_MS = 150.0
CLINICIANS = 6
DAY_START, DAY_END = 7, 19  # hours
VISIT_MINUTES = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="nervepath-bench-grid-")
    os.environ.setdefault("NERVEPATH_DEV", "1")
    os.environ.setdefault("SQLITE_PATH", str(Path(tmp.name) / "bench.sqlite3"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nervepath.config.settings")
    import django

    django.setup()
    result = run(args.runs)
    print(
        f"grid, {result['clinicians']} clinicians, {result['visits_full']} visits "
        f"({result['vendor']}): median {result['median_ms']:.1f} ms, p95 "
        f"{result['p95_ms']:.1f} ms (target < {TARGET_MS:.0f} ms); CPU median "
        f"{result['cpu_median_ms']:.1f} ms, p95 {result['cpu_p95_ms']:.1f} ms; queries "
        f"{result['queries_quarter']} with {result['visits_quarter']} visits, "
        f"{result['queries_full']} with {result['visits_full']} (plus the audit events' "
        f"batched inserts: {result['audit_inserts_quarter']} and {result['audit_inserts_full']})"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    tmp.cleanup()
    ok = result["p95_ms"] < TARGET_MS and result["queries_quarter"] == result["queries_full"]
    sys.exit(0 if ok else 1)


def run(runs: int) -> dict[str, object]:
    import io

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from nervepath.accounts.models import Patient, Role, User
    from nervepath.scheduling import services
    from nervepath.scheduling.models import (
        AppointmentType,
        Clinician,
        Location,
        Source,
        Status,
        WorkingHours,
    )

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    # Plain static storage: no collectstatic manifest is needed to render the page.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--no-appointments", stdout=io.StringIO())
    fc = Location.objects.get(slug="fort-collins")
    day = timezone.now().astimezone(fc.tz).date() + timedelta(days=7)
    kind = AppointmentType.objects.get(slug="follow-up")
    clinicians = list(Clinician.objects.all())
    for n in range(len(clinicians), CLINICIANS):
        user = User.objects.create_user(
            f"bench.clinician{n}@example.org",
            first_name="Bench",
            last_name=f"C{n}",
            role=Role.CLINICIAN,
        )
        clinicians.append(Clinician.objects.create(user=user, title="MD"))
    for clinician in clinicians:
        WorkingHours.objects.filter(clinician=clinician, weekday=day.weekday()).delete()
        WorkingHours.objects.create(
            clinician=clinician,
            location=fc,
            weekday=day.weekday(),
            start=clock(DAY_START),
            end=clock(DAY_END),
        )
        kind.clinicians.add(clinician)

    def fill(until_hour: int) -> int:
        made = 0
        for clinician in clinicians:
            at = datetime.combine(day, clock(DAY_START), tzinfo=fc.tz)
            end = datetime.combine(day, clock(until_hour), tzinfo=fc.tz)
            while at + timedelta(minutes=VISIT_MINUTES) <= end:
                if not clinician.appointments.filter(starts_at=at).exists():
                    user = User.objects.create_user(
                        None, first_name="Pat", last_name=f"{clinician.pk}-{at:%H%M}"
                    )
                    patient = Patient.objects.create(user=user)
                    # Straight to the rows: no buffers between back-to-back visits.
                    _create(services.Request(kind, fc, clinician, at), patient)
                    made += 1
                at += timedelta(minutes=VISIT_MINUTES)
        return made

    def _create(req, patient):  # type: ignore[no-untyped-def]
        from nervepath.scheduling.models import Appointment

        return Appointment.objects.create(
            patient=patient,
            clinician=req.clinician,
            location=req.location,
            appointment_type=req.appointment_type,
            starts_at=req.starts_at,
            ends_at=req.ends_at,
            blocked_from=req.starts_at,
            blocked_until=req.ends_at,
            status=Status.BOOKED,
            source=Source.STAFF,
        )

    desk = User.objects.get(role=Role.FRONT_DESK)
    client = Client()
    client.force_login(desk)
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=desk, confirmed=True).first() or (
        TOTPDevice.objects.create(user=desk, name="bench", confirmed=True)
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    url = f"/staff/calendar/{fc.slug}/?date={day.isoformat()}"

    def get() -> int:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"the grid answered {response.status_code}")
        return len(response.content)

    def queries() -> int:
        # Counted with an execute wrapper: the test client's request_started signal
        # clears Django's own query log mid-request.
        seen: list[str] = []

        def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            get()
        # The audit trail's insert of one event per patient listed is batched by the
        # database's parameter limit (SQLite: about 76 events a statement): counted apart.
        audit = sum(1 for sql in seen if sql.startswith('INSERT INTO "audit_auditevent"'))
        return len(seen) - audit, audit

    quarter = fill(DAY_START + (DAY_END - DAY_START) // 4)
    get()
    q_quarter = queries()
    full = quarter + fill(DAY_END)
    for _ in range(3):
        get()
    q_full = queries()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            get()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
            "nervepath|template|views|handlers", 40
        )
        print(out.getvalue(), file=sys.stderr)
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        size = get()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    cpu.sort()
    return {
        "clinicians": len(clinicians),
        "day": date.isoformat(day),
        "visits_quarter": quarter,
        "visits_full": full,
        "queries_quarter": q_quarter[0],
        "queries_full": q_full[0],
        "audit_inserts_quarter": q_quarter[1],
        "audit_inserts_full": q_full[1],
        "runs": runs,
        "median_ms": statistics.median(times),
        "p95_ms": times[max(0, round(0.95 * len(times)) - 1)],
        "min_ms": times[0],
        "max_ms": times[-1],
        # This process's CPU time per request: what the request costs when the machine
        # is shared (the wall time also counts waiting for a processor).
        "cpu_median_ms": statistics.median(cpu),
        "cpu_p95_ms": cpu[max(0, round(0.95 * len(cpu)) - 1)],
        "page_bytes": size,
        "vendor": connection.vendor,
    }


if __name__ == "__main__":
    main()
