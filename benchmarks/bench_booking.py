# SPDX-License-Identifier: AGPL-3.0-or-later
"""Booking benchmark (issue 2): free-slot search speed and a concurrent-booking storm.

    .venv/bin/python benchmarks/bench_booking.py                      # SQLite (temp dir)
    .venv/bin/python benchmarks/bench_booking.py --database-url postgres://postgres@127.0.0.1:5432/postgres

1. Free-slot search: the demo reference data plus clinicians up to 10 (working across
   both locations) and 5,000 appointments over the next 60 days; then
   ``availability.free_slots(new-patient, [both locations], today, 60, online window)``
   N times. Reports median and p95 (target: p95 < 50 ms). ``--profile`` prints where
   the time goes (cProfile).
2. Storm: a fresh demo clinic served by gunicorn on 127.0.0.1 (4 workers x 4 threads);
   50 clients (half signed-in patients on the JSON API, half anonymous visitors on the
   HTML booking form, CSRF included) all try the same 20 slots: on a common start
   signal all go for the first slot, then for the others in their own random order.
   Bounded: each client tries each slot at most once, with a deadline. Reports
   successes, refusals (409/400), errors (5xx, lost connections) and double bookings
   counted in the database afterwards (active appointments overlapping for one
   clinician or one room). Target: 0 and 0.

With ``--database-url`` the URL names a PostgreSQL server (and a database to connect to
for administration); the benchmark creates its own databases (``nervepath_bench`` and
``nervepath_bench_storm``) and drops them at the end. Traffic stays on loopback.

Each phase that needs Django runs as a child process of this script (``--phase``), so
each gets its own database settings from the environment, like the real server.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
SEARCH_DB = "nervepath_bench"
STORM_DB = "nervepath_bench_storm"
TARGET_P95_MS = 50.0
PATIENT_PASSWORD = "bench-storm-password-2026"


# --- Child phases (run with Django configured from the environment) --------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nervepath.config.settings")
    import django

    django.setup()


def _emit(result: dict) -> None:
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)


def phase_search(args: argparse.Namespace) -> None:
    _django()
    import io

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    sys.path.insert(0, str(HERE))
    import bench_booking_data

    from nervepath.scheduling import availability
    from nervepath.scheduling.models import AppointmentType, Location

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--no-appointments", stdout=io.StringIO())
    locations = list(Location.objects.order_by("slug"))
    today = timezone.now().astimezone(locations[0].tz).date()
    built_at = time.perf_counter()
    made = bench_booking_data.build(
        clinicians=args.clinicians, appointments=args.appointments, days=60, start_day=today
    )
    build_s = time.perf_counter() - built_at
    kind = AppointmentType.objects.get(slug=args.appointment_type)
    window = availability.online_window(locations[0])

    def search() -> list[availability.Slot]:
        return availability.free_slots(kind, locations, today, 60, window=window)

    for _ in range(5):  # warm-up: imports, query compilation, the database's caches
        slots = search()
    with CaptureQueriesContext(connection) as queries:
        search()
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        search()
        times.append((time.perf_counter() - started) * 1000)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            search()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue(), file=sys.stderr)
    times.sort()
    _emit(
        {
            **made,
            "build_s": build_s,
            "runs": len(times),
            "median_ms": statistics.median(times),
            "p95_ms": times[max(0, round(0.95 * len(times)) - 1)],
            "min_ms": times[0],
            "max_ms": times[-1],
            "slots": len(slots),
            "queries": len(queries.captured_queries),
            "vendor": connection.vendor,
        }
    )


def phase_storm_setup(args: argparse.Namespace) -> None:
    """A fresh demo clinic, static files for the server, patients, and the 20 slots."""
    _django()
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from nervepath.accounts.models import Patient, Role, User
    from nervepath.scheduling import availability
    from nervepath.scheduling.models import AppointmentType, Location

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--no-appointments", stdout=io.StringIO())
    call_command("collectstatic", "--noinput", verbosity=0)
    emails = []
    for i in range(args.clients):
        email = f"storm.patient{i:02d}@example.org"
        user = User.objects.create_user(
            email, PATIENT_PASSWORD, first_name="Storm", last_name=f"P{i:02d}", role=Role.PATIENT
        )
        Patient.objects.create(user=user)
        emails.append(email)
    location = Location.objects.get(slug="fort-collins")
    kind = AppointmentType.objects.get(slug=args.appointment_type)
    window = availability.online_window(location)
    first = window.earliest.astimezone(location.tz).date() + timedelta(days=2)
    candidates = availability.free_slots(kind, [location], first, 14, window=window)
    # Slots that do not overlap one another, so each can be won exactly once.
    chosen: list[availability.Slot] = []
    pad = kind.buffer_before + kind.buffer_after
    for slot in candidates:
        if all(
            slot.clinician_id != c.clinician_id
            or slot.starts_at >= c.ends_at + pad
            or c.starts_at >= slot.ends_at + pad
            for c in chosen
        ):
            chosen.append(slot)
        if len(chosen) == args.slots:
            break
    _emit(
        {
            "location": location.slug,
            "appointment_type": kind.slug,
            "emails": emails,
            "slots": [
                {"start": s.starts_at.isoformat(), "clinician": s.clinician_id} for s in chosen
            ],
            "now": timezone.now().isoformat(),
        }
    )


def phase_storm_verify(args: argparse.Namespace) -> None:
    """Count double bookings straight from the database."""
    _django()
    from collections import defaultdict

    from nervepath.scheduling.models import ACTIVE_STATUSES, Appointment

    active = list(
        Appointment.objects.filter(status__in=ACTIVE_STATUSES).values_list(
            "clinician_id",
            "resource_id",
            "patient_id",
            "starts_at",
            "blocked_from",
            "blocked_until",
        )
    )

    def overlaps(key_index: int) -> int:
        spans = defaultdict(list)
        for row in active:
            if row[key_index] is not None:
                spans[row[key_index]].append((row[4], row[5]))
        count = 0
        for items in spans.values():
            items.sort()
            for i, (start, _end) in enumerate(items):
                count += sum(1 for _s, e in items[:i] if e > start)
        return count

    _emit(
        {
            "active": len(active),
            "clinician_overlaps": overlaps(0),
            "room_overlaps": overlaps(1),
            "booked_starts": sorted({row[3].isoformat() + f"/{row[0]}" for row in active}),
        }
    )


PHASES = {"search": phase_search, "storm-setup": phase_storm_setup, "verify": phase_storm_verify}


# --- Databases -------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def _create_pg(url: str, name: str) -> str:
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(url, f'CREATE DATABASE "{name}"')
    return _with_database(url, name)


def _drop_pg(url: str, name: str) -> None:
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(workdir: Path, database_url: str | None, sqlite_name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="nervepath.config.settings",
        NERVEPATH_DEV="1",
        NERVEPATH_VAR_DIR=str(workdir),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="ERROR",
        # The storm is deliberately hundreds of booking POSTs from one loopback address;
        # the per-address booking limit (ratelimit.py) would answer most of them 429.
        NERVEPATH_RATE_BOOKING="100000/60",
        NERVEPATH_RATE_LOGIN="1000/60",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env["SQLITE_PATH"] = str(workdir / sqlite_name)
    return env


def _run_phase(phase: str, env: dict[str, str], args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        phase,
        "--runs",
        str(args.runs),
        "--clients",
        str(args.clients),
        "--slots",
        str(args.slots),
        "--clinicians",
        str(args.clinicians),
        "--appointments",
        str(args.appointments),
        "--appointment-type",
        args.appointment_type,
    ]
    if args.profile:
        cmd.append("--profile")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)
    if done.stderr.strip():
        print(done.stderr, file=sys.stderr)
    if done.returncode != 0:
        raise SystemExit(f"phase {phase} failed (exit {done.returncode})")
    line = next(ln for ln in reversed(done.stdout.splitlines()) if ln.startswith("BENCH-RESULT "))
    return json.loads(line.removeprefix("BENCH-RESULT "))


# --- The storm's clients ---------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Tally:
    outcomes: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    won: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, mode: str, outcome: str, status: object, seconds: float, slot: str) -> None:
        with self.lock:
            self.outcomes[(mode, outcome)] += 1
            self.by_status[status] += 1
            self.latencies.append(seconds)
            if outcome == "success":
                self.won.append(slot)


def _classify(status: int, success: bool) -> str:
    if success:
        return "success"
    if status in (400, 409):
        return "refusal"
    if status >= 500:
        return "error"
    return "other"


def _client(
    index: int,
    base: str,
    setup: dict,
    start: threading.Barrier,
    deadline: float,
    tally: Tally,
) -> None:
    import requests

    mode = "api" if index % 2 == 0 else "form"
    rng = random.Random(index)
    # Everyone goes for the first slot at once, then for the others in their own order.
    first, *rest = setup["slots"]
    rng.shuffle(rest)
    slots = [first, *rest]
    session = requests.Session()
    location, kind = setup["location"], setup["appointment_type"]
    confirm = f"{base}/book/{location}/{kind}/confirm/"
    try:
        if mode == "api":
            session.get(f"{base}/accounts/login/", timeout=30)
            signed_in = session.post(
                f"{base}/accounts/login/",
                data={
                    "username": setup["emails"][index],
                    "password": PATIENT_PASSWORD,
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                },
                timeout=30,
            )
            if "/portal/" not in signed_in.url:
                raise RuntimeError(f"login failed for client {index}: {signed_in.status_code}")
    except Exception as exc:
        with tally.lock:
            tally.errors.append(f"client {index} setup: {exc!r}")
        start.abort()
        return
    start.wait(timeout=120)
    for slot in slots:
        if time.monotonic() > deadline:
            break
        key = f"{slot['start']}/{slot['clinician']}"
        began = time.monotonic()
        try:
            if mode == "api":
                response = session.post(
                    f"{base}/api/bookings",
                    json={
                        "appointment_type": kind,
                        "location": location,
                        "clinician_id": slot["clinician"],
                        "starts_at": slot["start"],
                    },
                    headers={"X-CSRFToken": session.cookies.get("csrftoken", "")},
                    timeout=60,
                )
                success = response.status_code == 201
            else:
                params = {"start": slot["start"], "clinician": slot["clinician"]}
                page = session.get(confirm, params=params, timeout=60)
                token = CSRF_INPUT.search(page.text)
                if page.status_code != 200 or token is None:
                    response = page
                    success = False
                else:
                    response = session.post(
                        confirm,
                        data={
                            **params,
                            "csrfmiddlewaretoken": token.group(1),
                            "first_name": "Storm",
                            "last_name": f"Visitor {index:02d}",
                            "email": f"storm.visitor{index:02d}@example.org",
                            "phone": "",
                            "note": "",
                        },
                        allow_redirects=False,
                        timeout=60,
                    )
                    # Not signed in: the time is held until confirmed from the mailbox
                    # (issue 22), which takes it from the other clients all the same.
                    success = (
                        response.status_code == 200
                        and "Check your email to confirm" in response.text
                    )
            outcome = _classify(response.status_code, success)
            tally.add(mode, outcome, response.status_code, time.monotonic() - began, key)
            if outcome in ("error", "other"):
                with tally.lock:
                    tally.errors.append(f"{mode} {response.status_code}: {response.text[:200]!r}")
        except requests.RequestException as exc:
            tally.add(mode, "error", type(exc).__name__, time.monotonic() - began, key)
            with tally.lock:
                tally.errors.append(f"{mode} {exc!r}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(base: str, server: subprocess.Popen, limit_s: float = 60) -> None:
    import requests

    give_up = time.monotonic() + limit_s
    while time.monotonic() < give_up:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start-up; see its log")
        try:
            if requests.get(f"{base}/", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)  # polling a starting server, bounded by limit_s
    raise SystemExit("gunicorn did not answer within a minute")


def storm(workdir: Path, database_url: str | None, args: argparse.Namespace) -> dict:
    env = _env(workdir, database_url, "storm.sqlite3")
    setup = _run_phase("storm-setup", env, args)
    if len(setup["slots"]) < args.slots:
        raise SystemExit(f"only {len(setup['slots'])} non-overlapping slots found")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / "gunicorn.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "nervepath.config.wsgi",
                "-w",
                str(args.workers),
                "--threads",
                str(args.threads),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_serving(base, server)
            tally = Tally()
            barrier = threading.Barrier(args.clients)
            deadline = time.monotonic() + args.storm_seconds
            threads = [
                threading.Thread(
                    target=_client, args=(i, base, setup, barrier, deadline, tally), daemon=True
                )
                for i in range(args.clients)
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.storm_seconds + 120)
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    verify = _run_phase("verify", env, args)
    wanted = {f"{s['start']}/{s['clinician']}" for s in setup["slots"]}
    server_log = log.read_text()
    server_tracebacks = server_log.count("Traceback")
    if server_tracebacks:
        at = server_log.index("Traceback")
        print(server_log[at : at + 3000], file=sys.stderr)
    return {
        "tally": tally,
        "elapsed_s": elapsed,
        "verify": verify,
        "slots": len(wanted),
        "slots_won": len(set(tally.won) & wanted),
        "tracebacks": server_tracebacks,
    }


# --- Report ----------------------------------------------------------------------------


def _table(title: str, rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    lines = [title, "-" * len(title)]
    lines += [f"  {k:<{width}}  {v}" for k, v in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--runs", type=int, default=200, help="free-slot searches timed")
    parser.add_argument("--clinicians", type=int, default=10)
    parser.add_argument("--appointments", type=int, default=5000)
    parser.add_argument("--appointment-type", default="new-patient")
    parser.add_argument("--clients", type=int, default=50, help="storm clients")
    parser.add_argument("--slots", type=int, default=20, help="slots the storm fights for")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--storm-seconds", type=float, default=120, help="storm deadline")
    parser.add_argument("--profile", action="store_true", help="cProfile the search")
    parser.add_argument("--only", choices=["search", "storm"], help="run one part")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        PHASES[args.phase](args)
        return 0

    url = args.database_url
    if url and not url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a postgres:// URL")
    failed = False
    with tempfile.TemporaryDirectory(prefix="nervepath-bench-") as tmp:
        workdir = Path(tmp)
        db_label = f"PostgreSQL ({urlsplit(url).hostname})" if url else "SQLite (file)"
        try:
            if args.only in (None, "search"):
                search_url = _create_pg(url, SEARCH_DB) if url else None
                result = _run_phase("search", _env(workdir, search_url, "search.sqlite3"), args)
                ok = result["p95_ms"] < TARGET_P95_MS
                failed |= not ok
                print(
                    _table(
                        f"Free-slot search on {db_label}",
                        [
                            (
                                "data",
                                f"{result['clinicians']} clinicians, {result['appointments']} "
                                f"appointments ({result['active_appointments']} booked), "
                                f"built in {result['build_s']:.1f} s",
                            ),
                            (
                                "search",
                                f"{args.appointment_type}, both locations, 60 days, "
                                f"online window: {result['slots']} free slots, "
                                f"{result['queries']} queries",
                            ),
                            ("runs", str(result["runs"])),
                            ("median", f"{result['median_ms']:.1f} ms"),
                            (
                                "p95",
                                f"{result['p95_ms']:.1f} ms (target < {TARGET_P95_MS:.0f} ms: "
                                f"{'met' if ok else 'MISSED'})",
                            ),
                            ("min / max", f"{result['min_ms']:.1f} / {result['max_ms']:.1f} ms"),
                        ],
                    )
                )
                print()
            if args.only in (None, "storm"):
                storm_url = _create_pg(url, STORM_DB) if url else None
                result = storm(workdir, storm_url, args)
                tally: Tally = result["tally"]
                outcomes = tally.outcomes
                total = Counter()
                for (_mode, outcome), n in outcomes.items():
                    total[outcome] += n
                doubles = result["verify"]["clinician_overlaps"] + result["verify"]["room_overlaps"]
                fives = sum(
                    n for s, n in tally.by_status.items() if isinstance(s, int) and s >= 500
                )
                ok = doubles == 0 and total["error"] == 0
                failed |= not ok
                lat = sorted(tally.latencies) or [0.0]
                print(
                    _table(
                        f"Booking storm on {db_label}",
                        [
                            (
                                "setup",
                                f"gunicorn {args.workers} workers x {args.threads} threads; "
                                f"{args.clients} clients ({(args.clients + 1) // 2} API, "
                                f"{args.clients // 2} HTML form) x {result['slots']} slots",
                            ),
                            (
                                "attempts",
                                f"{sum(outcomes.values())} in {result['elapsed_s']:.1f} s",
                            ),
                            (
                                "successes",
                                f"{total['success']} (slots won: {result['slots_won']}"
                                f"/{result['slots']}; API {outcomes[('api', 'success')]}, "
                                f"form {outcomes[('form', 'success')]})",
                            ),
                            ("refusals", f"{total['refusal']} (409 or 400)"),
                            (
                                "errors",
                                f"{total['error']} (5xx: {fives}; server tracebacks: "
                                f"{result['tracebacks']})",
                            ),
                            ("other", str(total["other"])),
                            (
                                "double bookings",
                                f"{doubles} ({result['verify']['active']} active appointments)",
                            ),
                            (
                                "latency",
                                f"median {statistics.median(lat) * 1000:.0f} ms, "
                                f"p95 {lat[int(0.95 * (len(lat) - 1))] * 1000:.0f} ms per attempt",
                            ),
                            (
                                "statuses",
                                ", ".join(
                                    f"{k}: {v}" for k, v in sorted(tally.by_status.items(), key=str)
                                ),
                            ),
                            ("verdict", "met (0 double bookings, 0 errors)" if ok else "MISSED"),
                        ],
                    )
                )
                for line in tally.errors[:10]:
                    print(f"  ! {line}")
        finally:
            if url:
                for name in (SEARCH_DB, STORM_DB):
                    _drop_pg(url, name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
