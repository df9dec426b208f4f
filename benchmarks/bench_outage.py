# SPDX-License-Identifier: AGPL-3.0-or-later
"""Messages through provider outages (issue 17, "Measured"): an hour-long SMTP outage
and an hour-long outage of the text provider, in simulated time.

Run on demand (never in CI)::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_outage.py [--per-minute 2] [--json out.json]

What runs is the real thing, with only the clock simulated: a real SMTP server on
127.0.0.1 (aiosmtpd, tests/mailserver.py) and a local stub of Twilio's Messages API
(tests/twilio_stub.py), Django's SMTP backend and the twilio provider, the outbox and the
task worker (``db_worker --batch``, run once per simulated minute), on a throw-away
database (the test settings: SQLite file, or PostgreSQL with ``DATABASE_URL``).

The timeline (simulated, one step a minute): every minute ``--per-minute`` e-mails and
as many texts are queued (to patients who agreed to texts); the SMTP server is down from
0:05 to 1:05; the text provider answers 503 from 1:30 to 2:30; then the run goes on until
every message is settled or 4:00. The clock is freezegun's, moved a minute at a time;
the servers' threads (asyncio, http.server) keep real time.

Reported per channel: queued, sent, retried (needed more than one attempt), attempts,
lost (not sent and no longer pending: failed for good or refused), still pending,
duplicates at the server (accepted more than once), and the minutes from the provider's
return until its backlog was sent.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.test_settings")

# Modules whose clock stays real under the simulated one (the servers and sockets).
REAL_TIME = ["asyncio", "aiosmtpd", "smtplib", "socket", "socketserver", "http", "threading"]
SMTP_DOWN = (timedelta(minutes=5), timedelta(minutes=65))
TEXT_DOWN = (timedelta(minutes=90), timedelta(minutes=150))
END = timedelta(hours=4)


def run(per_minute: int, progress: bool = False) -> dict[str, dict[str, float]]:
    from django.conf import settings
    from django.core.management import call_command
    from django.urls import reverse
    from freezegun import freeze_time

    from mailserver import MailServer
    from nervepath.accounts.models import Patient, Role, User
    from nervepath.messaging import consent, outbox
    from nervepath.messaging.models import Channel, Message, MessageStatus
    from twilio_stub import TwilioStub

    smtp = MailServer()
    smtp.start()
    stub = TwilioStub().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 2
    settings.NERVEPATH = {
        **settings.NERVEPATH,
        "TEXT_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": stub.account_sid,
        "TWILIO_AUTH_TOKEN": stub.auth_token,
        "TWILIO_FROM": "+19705550100",
        "TWILIO_API_URL": stub.url,
    }
    # The URLconf (and the API's pydantic models in it) is loaded before the clock is
    # frozen: pydantic cannot build schemas for freezegun's datetime class.
    reverse("messaging:twilio_status")
    start = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
    returned: dict[str, datetime] = {}
    drained: dict[str, datetime] = {}
    with freeze_time(start, ignore=REAL_TIME) as clock:
        patients = []
        for n in range(20):
            user = User.objects.create_user(f"p{n}@example.org", role=Role.PATIENT)
            patient = Patient.objects.create(user=user)
            consent.give(patient, f"+1970555{n:04d}")
            patients.append(patient)
        elapsed = timedelta(0)
        while elapsed <= END:
            smtp_should_be_up = not (SMTP_DOWN[0] <= elapsed < SMTP_DOWN[1])
            if smtp_should_be_up and not smtp.up:
                smtp.start()
                returned[Channel.EMAIL] = start + elapsed
            elif not smtp_should_be_up and smtp.up:
                smtp.stop()
            text_down = TEXT_DOWN[0] <= elapsed < TEXT_DOWN[1]
            if stub.down and not text_down:
                returned[Channel.TEXT] = start + elapsed
            stub.down = text_down
            if elapsed < END - timedelta(hours=1):  # traffic stops for the last hour
                for i in range(per_minute):
                    patient = patients[(int(elapsed.total_seconds()) // 60 + i) % len(patients)]
                    outbox.queue_email(
                        patient.email, "Reminder", "Your visit", kind="bench", patient=patient
                    )
                    outbox.queue_text(
                        consent.text_number(patient) or "",
                        "Your visit",
                        kind="bench",
                        patient=patient,
                    )
            call_command(
                "db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0
            )
            for channel, back in returned.items():
                pending = Message.objects.filter(
                    channel=channel, created_at__lt=back, status__in=outbox_pending()
                ).exists()
                if not pending and channel not in drained:
                    drained[channel] = start + elapsed
            elapsed += timedelta(minutes=1)
            clock.move_to(start + elapsed)
            if progress and elapsed.total_seconds() % 1800 == 0:
                print(f"simulated {elapsed}", file=sys.stderr, flush=True)
            if (
                elapsed > TEXT_DOWN[1] + timedelta(minutes=5)
                and not Message.objects.filter(status__in=outbox_pending()).exists()
            ):
                if elapsed >= END - timedelta(hours=1):
                    break
    smtp.stop()
    stub.stop()
    accepted = {
        Channel.EMAIL: smtp.mailbox.message_ids(),
        Channel.TEXT: [r.form["Body"] + "|" + r.form["To"] for r in stub.accepted],
    }
    report: dict[str, dict[str, float]] = {}
    for channel in (Channel.EMAIL, Channel.TEXT):
        rows = Message.objects.filter(channel=channel)
        counts = collections.Counter(rows.values_list("status", flat=True))
        provider_ids = collections.Counter(
            smtp.mailbox.message_ids()
            if channel == Channel.EMAIL
            else [r.form["To"] for r in stub.accepted]
        )
        sent_ids = list(
            rows.filter(status=MessageStatus.SENT).values_list("provider_id", flat=True)
        )
        duplicates = (
            sum(n - 1 for n in provider_ids.values() if n > 1)
            if channel == Channel.EMAIL
            else len(stub.accepted) - len(sent_ids)
        )
        back, done = returned.get(channel), drained.get(channel)
        report[channel] = {
            "queued": rows.count(),
            "sent": counts[MessageStatus.SENT],
            "accepted by the server": len(accepted[channel]),
            "retried": rows.filter(attempts__gt=1).count(),
            "attempts": sum(rows.values_list("attempts", flat=True)),
            "lost": counts[MessageStatus.FAILED] + counts[MessageStatus.REFUSED],
            "pending at the end": sum(counts[s] for s in outbox_pending()),
            "duplicates": duplicates,
            "minutes to clear the backlog": (
                (done - back).total_seconds() / 60 if back and done else float("nan")
            ),
        }
    return report


def outbox_pending() -> tuple[str, ...]:
    from nervepath.messaging.models import PENDING

    return tuple(PENDING)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-minute", type=int, default=2)
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)  # one warning per failed attempt otherwise
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    try:
        report = run(args.per_minute, progress=args.progress)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    names = list(next(iter(report.values())))
    print(f"{'':32}" + "".join(f"{c:>10}" for c in report))
    for name in names:
        print(f"{name:32}" + "".join(f"{report[c][name]:>10.4g}" for c in report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
