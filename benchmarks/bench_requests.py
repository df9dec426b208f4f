# SPDX-License-Identifier: AGPL-3.0-or-later
"""What every request costs: a mix of pages and API calls through the whole middleware
stack (Django's test client), as the route walk (tests/access/test_route_walk.py) and
real people send them.

Run on demand (never in CI)::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_requests.py [--repeat 5] [--profile]

Data: the demo clinic (``seed_demo --no-appointments``), Alice with a visit with Dr Hale
and the route walk's clinical records (tests/access/clinical.py), and Bob. A throw-away
database (the test settings: an SQLite file, or PostgreSQL's ``test_<name>`` with
``DATABASE_URL``).

The mix, per identity (Dr Hale who cares for Alice, Alice, Bob, the front desk, an
anonymous visitor): the pages each would open (their home, her record, a calendar, the
API's bookings), pages they may not open (403, 404), a missing address (the branded
404 page), and one route in ten of the route walk (GET and POST, her ids in the slots).
Reported: the median and mean milliseconds per request (wall clock, and this process's
CPU time, which a busy machine disturbs less), and the queries per request, per identity
and overall. ``--profile`` prints where the time goes (cProfile,
cumulative), for the whole mix.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.test_settings")


def build():  # type: ignore[no-untyped-def]
    from datetime import date

    from django.core.management import call_command
    from django.utils import timezone

    from access import clinical
    from nervepath.access.models import CareAssignment
    from nervepath.accounts.models import Patient, Role, User
    from nervepath.scheduling import services
    from nervepath.scheduling.models import AppointmentType, Clinician, Location, Source

    call_command("seed_demo", "--no-appointments", stdout=io.StringIO())

    def patient(email: str, first: str, last: str) -> Patient:
        user = User.objects.create_user(
            email, "correct-horse-battery", first_name=first, last_name=last, role=Role.PATIENT
        )
        return Patient.objects.create(
            user=user, phone="970-555-0199", date_of_birth=date(1961, 3, 14)
        )

    alice = patient("alice@example.org", "Alice", "Archer")
    bob = patient("bob@example.org", "Bob", "Baker")
    hale = Clinician.objects.get(user__last_name="Hale")
    okafor = Clinician.objects.get(user__last_name="Okafor")
    desk = User.objects.get(role=Role.FRONT_DESK)
    fort = Location.objects.get(slug="fort-collins")
    from nervepath.scheduling import availability

    kind = AppointmentType.objects.get(slug="follow-up")
    now = timezone.now()
    window = availability.staff_window(now)
    slot = availability.free_slots(
        kind, [fort], window.earliest.astimezone(fort.tz).date(), 21, window=window,
        clinician_ids=[hale.id],
    )[0]  # fmt: skip
    appointment = services.book(
        services.Request(kind, fort, hale, slot.starts_at),
        alice,
        by=desk,
        source=Source.STAFF,
        note="Legs jerk every night",
    )
    CareAssignment.objects.create(clinician=okafor.user, patient=alice, assigned_by=desk)
    clinical.make_clinical_records(alice)
    return alice, bob, hale.user, desk, appointment


def mix(alice, bob, hale, desk, appointment) -> dict[str, tuple[object, list[tuple[str, str]]]]:  # type: ignore[no-untyped-def]
    """identity -> (user or None, [(method, url)])."""
    from access import walker

    fp = walker.footprint(alice)
    slugs = ["fort-collins", "follow-up"]
    walk = [url for i, (_route, url) in enumerate(walker.urls(fp, slugs)) if i % 10 == 0]
    walk_requests = [(m, u) for u in walk for m in ("GET", "POST")]
    a, b = alice.pk, bob.pk
    common = [
        ("GET", "/"),
        ("GET", "/no-such-page/here/"),
        ("GET", f"/staff/patients/{a}/"),
        ("GET", f"/api/bookings/{appointment.pk}"),
        ("GET", "/api/bookings"),
        ("POST", f"/staff/patients/{a}/care-team/"),
    ]
    return {
        "clinician": (
            hale,
            [
                *common,
                ("GET", "/staff/"),
                ("GET", f"/staff/patients/{b}/"),
                ("GET", f"/staff/patients/{a}/course/"),
                ("GET", "/staff/calendar/fort-collins/"),
                *walk_requests,
            ],
        ),
        "patient": (alice.user, [*common, ("GET", "/portal/"), *walk_requests]),
        "other patient": (bob.user, [*common, ("GET", "/portal/"), *walk_requests]),
        "front desk": (
            desk,
            [*common, ("GET", "/staff/"), ("GET", "/staff/calendar/fort-collins/"), *walk_requests],
        ),
        "anonymous": (None, [*common, ("GET", "/book/"), *walk_requests]),
    }


def run(requests, client, times, queries, cpu=None) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for method, url in requests:
        cache.clear()  # as the walk does: no 429 from the rate limits
        connection.queries_log.clear()  # a full log (9,000) would count nothing
        with CaptureQueriesContext(connection) as captured:
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.generic(method, url)
            if response.streaming:
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - t0) * 1000)
            if cpu is not None:
                cpu.append((time.process_time() - c0) * 1000)
        queries.append(len(captured))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=60)
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)  # the 404s and 403s of the mix are expected
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    try:
        from helpers import login

        t0 = time.perf_counter()
        people = build()
        plan = mix(*people)
        print(f"database: {connection.vendor}; built in {time.perf_counter() - t0:.1f} s")
        clients = {}
        for name, (user, _requests) in plan.items():
            clients[name] = login(Client(), user) if user is not None else Client()
        for name, (_user, requests) in plan.items():  # warm up (templates, URL caches)
            run(requests, clients[name], [], [])
        profiler = cProfile.Profile() if args.profile else None
        all_times: list[float] = []
        all_cpu: list[float] = []
        all_queries: list[int] = []
        print(
            f"{'identity':<15}{'requests':>9}{'median ms':>10}{'mean ms':>9}"
            f"{'cpu med':>9}{'cpu mean':>9}{'queries':>9}"
        )

        def row(
            name: str, n: int, times: list[float], cpu: list[float], queries: list[int]
        ) -> None:
            print(
                f"{name:<15}{n:>9}{statistics.median(times):>10.2f}{statistics.mean(times):>9.2f}"
                f"{statistics.median(cpu):>9.2f}{statistics.mean(cpu):>9.2f}"
                f"{statistics.mean(queries):>9.2f}"
            )

        for name, (_user, requests) in plan.items():
            times: list[float] = []
            cpu: list[float] = []
            queries: list[int] = []
            for _ in range(args.repeat):
                if profiler:
                    profiler.enable()
                run(requests, clients[name], times, queries, cpu)
                if profiler:
                    profiler.disable()
            all_times += times
            all_cpu += cpu
            all_queries += queries
            row(name, len(requests), times, cpu, queries)
        row("all", len(all_times) // args.repeat, all_times, all_cpu, all_queries)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
            print(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
            print(out.getvalue())
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
