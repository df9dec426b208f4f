# SPDX-License-Identifier: AGPL-3.0-or-later
"""A bounded black-box probe of the running server (issue 9).

    PYTHONPATH=src .venv/bin/python benchmarks/probe.py [--json PATH]
    PYTHONPATH=src .venv/bin/python benchmarks/probe.py --url https://host:port \\
        --database-url postgres://... [--cert CERT | --insecure]

Without ``--url`` it starts the stack as ``bench_load.py`` does (fresh PostgreSQL
database, full demo data, gunicorn over HTTPS, task worker) but with the default rate
limits, so the probe also shows them working. With ``--url`` it probes a running demo
server; ``--database-url`` names its database (read for the checks, and for
``nervepath axes_reset_username``). The probe only talks HTTP to the server, as any
client could; the database is read to check what it did (and did not) change.

Probe classes (each with a bounded number of attempts): ids guessed across accounts,
tampered hidden fields, path-traversal file names, scripts in text fields, SQL
metacharacters in query parameters, CSRF-less posts, wrong-password storms, replayed
cookies after logout, the clinician's calendar feed (no manage token, issue 22).
Each prints what was tried, a status histogram and its findings.
Then the audit trail is read for the events the probe's requests caused (by the
``X-Request-ID`` each answer carries). Exit status 1 on any cross-patient read or write or
any 5xx.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import (
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    Browser,
    Collector,
    Hit,
    demo_stack,
    deploy_stack,
)

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
SQL = ["'", '"', "' OR '1'='1", "1; DROP TABLE accounts_user;--", "\x00", "%00", "A" * 3000]
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LOCKED = "Sign-in is paused for this account"
FRONT_DESK = "frontdesk@demo.nervepath.org"
DENVER = ZoneInfo("America/Denver")


class Probe:
    def __init__(self, base: str, cert: str | bool, database_url: str, env: dict[str, str]):
        self.base = base
        self.cert = cert
        self.database_url = database_url
        self.env = env
        self.collector = Collector()
        self.classes: dict[str, dict] = {}
        self.current = ""
        self.markers: list[str] = []  # text that only patient A's data contains

    # --- plumbing ---

    def browser(self) -> Browser:
        b = Browser(self.base, self.cert, self.collector)  # type: ignore[arg-type]
        return b

    def db(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    @contextlib.contextmanager
    def probe_class(self, name: str) -> Iterator[dict]:
        print(f"\n== {name}")
        self.current = name
        first = len(self.collector.hits)
        info: dict = {"tried": [], "findings": [], "notes": []}
        started = time.perf_counter()
        try:
            yield info
        finally:
            hits = self.collector.hits[first:]
            info["requests"] = len(hits)
            info["status"] = dict(sorted(Counter(str(h.status) for h in hits).items()))
            info["5xx"] = sum(1 for h in hits if h.status >= 500)
            info["no_answer"] = sum(1 for h in hits if h.status == 0)
            info["request_ids"] = [h.request_id for h in hits]
            info["seconds"] = round(time.perf_counter() - started, 1)
            if info["5xx"]:
                bad = [f"{h.method} {h.path[:80]} -> {h.status}" for h in hits if h.status >= 500]
                info["findings"].append(f"5xx answers: {bad[:10]}")
            self.classes[name] = info
            for line in info["tried"]:
                print(f"  tried: {line}")
            print(f"  status: {info['status']}  ({info['requests']} requests, {info['seconds']} s)")
            for note in info["notes"]:
                print(f"  note: {note}")
            for finding in info["findings"]:
                print(f"  FINDING: {finding}")
            if not info["findings"]:
                print("  findings: none")

    def leaks(self, response, info: dict, what: str) -> None:  # type: ignore[no-untyped-def]
        """A finding when a successful answer shows patient A's data."""
        if response is None or not (200 <= response.status_code < 300):
            return
        text = response.text
        for marker in self.markers:
            if marker and marker in text:
                info["findings"].append(f"{what}: answer shows patient A's data ({marker!r})")
                return

    def a_rows(self) -> str:
        """A digest of every row that belongs to patient A (to prove nothing changed)."""
        pid = self.a["patient_id"]
        parts = [
            self.db("SELECT * FROM accounts_user WHERE id = %s", (self.a["user_id"],)),
            self.db("SELECT * FROM accounts_patient WHERE id = %s", (pid,)),
            # Without the reminder stamp: the task worker sends a near visit's reminder
            # during the run, which is the clinic's doing, not the probe's.
            self.db(
                "SELECT to_jsonb(a) - 'reminder_sent_at' FROM scheduling_appointment a "
                "WHERE patient_id = %s ORDER BY id",
                (pid,),
            ),
            self.db("SELECT * FROM documents_document WHERE patient_id = %s ORDER BY id", (pid,)),
        ]
        # last_login changes when A signs in, which the probe does not do after set-up.
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        tables = [
            "scheduling_appointment",
            "documents_document",
            "accounts_patient",
            "access_careassignment",
            "scheduling_availabilityexception",
        ]
        out = {t: self.db(f"SELECT count(*) FROM {t}")[0][0] for t in tables}
        out["active_appointments"] = self.db(
            "SELECT count(*) FROM scheduling_appointment WHERE status = 'booked'"
        )[0][0]
        return out

    def slot(self, kind: str = "follow-up", avoid: int | None = None, skip: int = 0) -> dict:
        b = self.browser()
        found = b.get(
            "/api/availability",
            "slot",
            params={"appointment_type": kind, "location": "fort-collins", "days": 21},
        )
        assert found is not None and found.status_code == 200, "availability does not answer"
        slots = [s for s in found.json() if s["clinician_id"] != avoid]
        return slots[min(len(slots) - 1, 7 + skip * 5)]

    def sign_in(self, email: str, staff: bool = False) -> Browser:
        b = self.browser()
        ok = b.sign_in(email, totp_secret=DEMO_TOTP_SECRET if staff else None, label="sign-in")
        if not ok:
            raise SystemExit(f"probe set-up: sign-in failed for {email}")
        return b

    # --- set-up: two patients and a clinician who does not care for A ---

    def set_up(self) -> None:
        rows = self.db(
            """
            SELECT p.id, u.id, u.email, u.first_name, u.last_name, c.id, cu.email
            FROM accounts_patient p JOIN accounts_user u ON u.id = p.user_id
            CROSS JOIN scheduling_clinician c JOIN accounts_user cu ON cu.id = c.user_id
            WHERE u.email LIKE '%%@demo.nervepath.org'
              AND NOT EXISTS (SELECT 1 FROM scheduling_appointment a WHERE a.patient_id = p.id
                              AND a.clinician_id = c.id AND a.status <> 'cancelled')
              AND NOT EXISTS (SELECT 1 FROM access_careassignment ca WHERE ca.patient_id = p.id
                              AND ca.clinician_id = cu.id AND ca.ended_at IS NULL)
            ORDER BY p.id, c.id
            """
        )
        pid, uid, email, first, last, clinician_id, clinician_email = rows[0]
        others = self.db(
            "SELECT u.email, p.id FROM accounts_patient p JOIN accounts_user u ON u.id = p.user_id"
            " WHERE p.id <> %s AND u.email LIKE '%%@demo.nervepath.org' ORDER BY p.id LIMIT 2",
            (pid,),
        )
        self.a = {"patient_id": pid, "user_id": uid, "email": email, "name": f"{first} {last}"}
        self.b = {"email": others[0][0], "patient_id": others[0][1]}
        self.c_email = others[1][0]  # the storm's target
        self.clinician = {"id": clinician_id, "email": clinician_email}
        # A, through A's own portal: a document and a booking (not with that clinician).
        a = self.sign_in(email)
        token = a.form_token("/portal/documents/", "set-up")
        title = f"Probe A document {uuid.uuid4().hex[:8]}"
        up = a.post(
            "/portal/documents/",
            "set-up",
            data={"kind": "other", "title": title, "csrfmiddlewaretoken": token},
            files={"file": ("a-letter.pdf", TINY_PDF, "application/pdf")},
        )
        assert up is not None and up.status_code == 302, "A's upload failed"
        docs = a.get("/portal/documents/", "set-up")
        self.a["document"] = re.findall(r'href="/documents/([0-9a-f-]{36})/"', docs.text)[0]  # type: ignore[union-attr]
        slot = self.slot(avoid=clinician_id)
        booked = a.post(
            "/api/bookings",
            "set-up",
            json={
                "appointment_type": "follow-up",
                "location": "fort-collins",
                "clinician_id": slot["clinician_id"],
                "starts_at": slot["starts_at"],
            },
            headers={"X-CSRFToken": a.csrf_cookie()},
        )
        assert booked is not None and booked.status_code == 201, (
            booked.text if booked is not None else ""
        )
        self.a["booking"] = booked.json()["id"]
        self.a["token"] = self.db(
            "SELECT manage_token FROM scheduling_appointment WHERE id = %s", (self.a["booking"],)
        )[0][0]
        self.markers = [self.a["name"], self.a["email"], title, self.a["token"]]
        self.b_browser = self.sign_in(self.b["email"])
        self.clin_browser = self.sign_in(self.clinician["email"], staff=True)
        self.desk_browser = self.sign_in(FRONT_DESK, staff=True)
        self.desk_step = int(time.time() // 30)
        b_slot = self.slot(skip=1, avoid=clinician_id)
        b_booked = self.b_browser.post(
            "/api/bookings",
            "set-up",
            json={
                "appointment_type": "follow-up",
                "location": "fort-collins",
                "clinician_id": b_slot["clinician_id"],
                "starts_at": b_slot["starts_at"],
            },
            headers={"X-CSRFToken": self.b_browser.csrf_cookie()},
        )
        assert b_booked is not None and b_booked.status_code == 201
        self.b["booking"] = b_booked.json()["id"]
        self.b["token"] = self.db(
            "SELECT manage_token FROM scheduling_appointment WHERE id = %s", (self.b["booking"],)
        )[0][0]
        self.a_digest = self.a_rows()
        print(
            f"set-up: patient A #{pid}, patient B #{self.b['patient_id']}, clinician "
            f"#{clinician_id} (no relation to A); A has booking #{self.a['booking']} and "
            f"document {self.a['document']}"
        )

    # --- 1. ids guessed across accounts ---

    def ids_across_accounts(self) -> None:
        with self.probe_class("ids guessed across accounts") as info:
            a, pid = self.a, self.a["patient_id"]
            targets = [
                ("GET", f"/staff/patients/{pid}/", {}),
                ("GET", f"/staff/patients/{pid}/documents/", {}),
                ("GET", f"/api/bookings/{a['booking']}", {}),
                ("POST", f"/api/bookings/{a['booking']}/cancel", {"api": True}),
                ("POST", f"/api/bookings/{a['booking']}/reschedule", {"api": True, "move": True}),
                ("GET", f"/documents/{a['document']}/", {}),
                ("GET", f"/staff/appointments/{a['booking']}/", {}),
                ("POST", f"/staff/appointments/{a['booking']}/cancel/", {}),
                ("GET", f"/appointments/{a['token'][:-4]}AAAA/", {}),
                ("GET", f"/documents/{uuid.uuid4()}/", {}),
            ]
            later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
            for who, b in (
                ("patient B", self.b_browser),
                ("unrelated clinician", self.clin_browser),
            ):
                answers: Counter[int] = Counter()
                for method, path, how in targets:
                    kwargs: dict = {}
                    if how.get("api"):
                        kwargs["headers"] = {"X-CSRFToken": b.csrf_cookie()}
                        if how.get("move"):
                            kwargs["json"] = {"starts_at": later}
                    elif method == "POST":
                        kwargs["data"] = {"csrfmiddlewaretoken": b.csrf_cookie()}
                    r = b.request(method, path, "ids", **kwargs)
                    answers[r.status_code if r is not None else 0] += 1
                    self.leaks(r, info, f"{who} {method} {path}")
                    if r is not None and 200 <= r.status_code < 300:
                        info["findings"].append(f"{who} {method} {path} -> {r.status_code}")
                # Sequential ids: whatever the answer, A's data must not show.
                for n in range(1, 31):
                    for path in (f"/api/bookings/{n}", f"/staff/patients/{n}/",
                                 f"/staff/appointments/{n}/"):  # fmt: skip
                        r = b.get(path, "ids")
                        answers[r.status_code if r is not None else 0] += 1
                        self.leaks(r, info, f"{who} GET {path}")
                listing = b.get("/api/bookings", "ids")
                self.leaks(listing, info, f"{who} GET /api/bookings")
                info["tried"].append(
                    f"as {who}: A's record, documents page, booking (read, cancel, reschedule), "
                    f"document download, staff appointment (read, cancel), a forged manage "
                    f"token, a random document id; sequential ids 1-30 on /api/bookings/<id>, "
                    f"/staff/patients/<id>/, /staff/appointments/<id>/; the bookings list "
                    f"-> {dict(sorted(answers.items()))}"
                )
            if self.a_rows() != self.a_digest:
                info["findings"].append("patient A's rows changed")
            info["notes"].append(
                "a clinician's 200s in the sequential range are patients in their care "
                "(allowed); none showed A's name, email, document title or manage token"
            )

    # --- 2. tampered hidden fields ---

    def tampered_fields(self) -> None:
        with self.probe_class("tampered hidden fields") as info:
            before = self.counts()
            good = self.slot("follow-up", skip=2)
            start = datetime.fromisoformat(good["starts_at"])
            past = (datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0)
            estim_not_offered = self.db(
                "SELECT c.id FROM scheduling_clinician c WHERE NOT EXISTS (SELECT 1 FROM "
                "scheduling_appointmenttype_clinicians x JOIN scheduling_appointmenttype t ON "
                "t.id = x.appointmenttype_id WHERE t.slug = 'estim' AND x.clinician_id = c.id) "
                "ORDER BY c.id LIMIT 1"
            )
            cid, when = good["clinician_id"], good["starts_at"]
            off_grid = (start + timedelta(minutes=7)).isoformat()
            naive = start.replace(tzinfo=None).isoformat()
            cases = [
                ("follow-up", {"clinician": "999999", "start": when}, "no such clinician"),
                ("follow-up", {"clinician": cid, "start": off_grid}, "off the grid"),
                ("follow-up", {"clinician": cid, "start": past.isoformat()}, "in the past"),
                ("follow-up", {"clinician": cid, "start": naive}, "no time zone"),
                ("follow-up", {"clinician": good["clinician_id"], "start": "tomorrow"}, "garbage"),
                ("follow-up", {"clinician": "-1", "start": good["starts_at"]}, "negative id"),
                ("surgery-right", {"clinician": good["clinician_id"], "start": good["starts_at"]},
                 "a type booked only by the clinic"),
                ("no-such-type", {"clinician": good["clinician_id"], "start": good["starts_at"]},
                 "a type that does not exist"),
            ]  # fmt: skip
            if estim_not_offered:
                cases.append(
                    ("estim", {"clinician": estim_not_offered[0][0], "start": good["starts_at"]},
                     "a clinician who does not offer the type")
                )  # fmt: skip
            details = {"first_name": "Probe", "last_name": "Tamper", "phone": ""}
            answers = []
            for n, (kind, fields, what) in enumerate(cases):
                anon = self.browser()
                path = f"/book/fort-collins/{kind}/confirm/"
                token = anon.form_token("/accounts/login/", "tamper")
                data = {**details, **fields, "email": f"tamper{n}@probe.example.org",
                        "csrfmiddlewaretoken": token}  # fmt: skip
                r = anon.post(path, "tamper", data=data)
                status = r.status_code if r is not None else 0
                where = r.headers.get("Location", "") if r is not None else ""
                answers.append(f"{what}: {status}{' -> ' + where if where else ''}")
                if status in (200, 201) or (status == 302 and "/appointments/" in where):
                    info["findings"].append(f"public confirm accepted a tampered form: {what}")
            # The API body with another patient's id, as patient B.
            b = self.b_browser
            body = {
                "appointment_type": "follow-up",
                "location": "fort-collins",
                "clinician_id": good["clinician_id"],
                "starts_at": good["starts_at"],
            }
            api_cases = [
                ({**body, "patient_id": self.a["patient_id"]}, "patient_id of patient A"),
                ({**body, "clinician_id": 999999}, "no such clinician"),
                ({**body, "starts_at": (start + timedelta(minutes=7)).isoformat()}, "off grid"),
                ({**body, "starts_at": past.isoformat()}, "in the past"),
                ({**body, "appointment_type": "surgery-left"}, "clinic-only type"),
                ({**body, "location": "../fort-collins"}, "bad location slug"),
            ]
            for payload, what in api_cases:
                r = b.post("/api/bookings", "tamper", json=payload,
                           headers={"X-CSRFToken": b.csrf_cookie()})  # fmt: skip
                status = r.status_code if r is not None else 0
                answers.append(f"API {what}: {status}")
                if status == 201:
                    info["findings"].append(f"API accepted a tampered booking: {what}")
            info["tried"].append(
                "public confirm form (anonymous): " + "; ".join(answers[: len(cases)])
            )
            info["tried"].append("API as patient B: " + "; ".join(answers[len(cases) :]))
            after = self.counts()
            if after != before:
                info["findings"].append(f"rows changed: {before} -> {after}")
            else:
                info["notes"].append("appointments, patients and documents: nothing stored")
            info["notes"].append(
                "the public confirm page answers an unreadable time or unknown clinician with "
                "a redirect back to the slot page and a message (302), other refusals with 4xx"
            )

    # --- 2b. care by booking, the public form's answers, manage links (issue 22) ---

    def _free(self, clinician_id: int) -> list[tuple[str, int, str]]:
        """(type slug, type id, start) of online slots of this clinician at Fort Collins."""
        kinds = self.db(
            "SELECT t.slug, t.id FROM scheduling_appointmenttype t"
            " JOIN scheduling_appointmenttype_clinicians x ON x.appointmenttype_id = t.id"
            " JOIN scheduling_appointmenttype_locations l ON l.appointmenttype_id = t.id"
            " JOIN scheduling_location loc ON loc.id = l.location_id"
            " WHERE x.clinician_id = %s AND loc.slug = 'fort-collins' AND t.online_bookable"
            " AND t.active ORDER BY t.id",
            (clinician_id,),
        )
        out = []
        for slug, kind_id in kinds:
            found = self.browser().get(
                "/api/availability",
                "care",
                params={"appointment_type": slug, "location": "fort-collins", "days": 21},
            )
            if found is not None and found.status_code == 200:
                out += [
                    (slug, kind_id, s["starts_at"])
                    for s in found.json()
                    if s["clinician_id"] == clinician_id
                ]
        return out[3::7]  # spread out: no two overlap

    def care_and_links(self) -> None:
        with self.probe_class("care by booking, public form, manage links") as info:
            pid, cid = self.a["patient_id"], self.clinician["id"]
            clin = self.clin_browser
            sections = ("", "documents/", "course/", "blocks/", "therapy/", "surgery/", "nights/")
            pages = [f"/staff/patients/{pid}/{p}" for p in sections]
            free = self._free(cid)
            if len(free) < 9:
                info["notes"].append(f"clinician #{cid} has too few free times: skipped")
                return
            details = {"first_name": "Probe", "last_name": "Care", "phone": "", "note": ""}
            # 1. The unrelated clinician books himself a visit for A's email: staff form
            # (the next free time if one clashes with a visit of A's).
            staff_status, refusal = 0, ""
            for _slug, kind_id, start in free[5:9]:
                local = datetime.fromisoformat(start).astimezone(DENVER)
                token = clin.form_token("/staff/calendar/fort-collins/book/", "care")
                r = clin.post(
                    "/staff/calendar/fort-collins/book/",
                    "care",
                    data={**details, "email": self.a["email"], "appointment_type": kind_id,
                          "clinician": cid, "date": local.date().isoformat(),
                          "time": local.strftime("%H:%M"), "csrfmiddlewaretoken": token},
                )  # fmt: skip
                staff_status = r.status_code if r is not None else 0
                if staff_status == 302:
                    break
                refusal = _message(r.text) if r is not None else ""
            booked = self.db(
                "SELECT id FROM scheduling_appointment WHERE patient_id = %s AND clinician_id = %s"
                " AND status = 'booked'",
                (pid, cid),
            )
            staff_status = r.status_code if r is not None else 0
            audited = self.db(
                "SELECT count(*) FROM audit_auditevent WHERE action = 'create' AND actor_id ="
                " (SELECT user_id FROM scheduling_clinician WHERE id = %s) AND patient_id = %s",
                (cid, pid),
            )[0][0]
            if booked and not audited:
                info["findings"].append("the staff-form booking was audited without its actor")
            # 2. The same on the public form, signed in, and anonymously.
            answers = []
            for n, b in enumerate((clin, self.browser())):
                slug, _, start = free[1 + n]
                path = f"/book/fort-collins/{slug}/confirm/"
                token = b.form_token(f"/book/fort-collins/{slug}/", "care")
                form = {**details, "email": self.a["email"], "start": start, "clinician": cid}
                r = b.post(path, "care", data={**form, "csrfmiddlewaretoken": token})
                answers.append(r.status_code if r is not None else 0)
            # 3. Then try to read.
            reads: Counter[int] = Counter()
            for path in pages + [f"/staff/appointments/{i}/" for (i,) in booked]:
                r = clin.get(path, "care")
                reads[r.status_code if r is not None else 0] += 1
                self.leaks(r, info, f"clinician after booking GET {path}")
                if r is not None and r.status_code == 200:
                    info["findings"].append(f"clinician reads A after booking: GET {path}")
            info["tried"].append(
                f"clinician #{cid} books himself a visit for A's email on the staff form "
                f"({staff_status}{' ' + refusal if refusal and not booked else ''}, "
                f"{len(booked)} booked, {audited} audited with him as actor), "
                f"on the public form signed in and anonymously ({answers}), then reads A's "
                f"pages and the visit -> {dict(sorted(reads.items()))}"
            )
            # 4. The public form answers the same whatever the address (same slot each pair:
            # the staff address holds nothing, so the other address can take the slot after).
            pairs = [(FRONT_DESK, f"new-{uuid.uuid4().hex[:8]}@probe.example.org", free[3]),
                     (self.clinician["email"], self.a["email"], free[4])]  # fmt: skip
            for staff_email, other, (slug, _, start) in pairs:
                bodies = []
                for email in (staff_email, other):
                    anon = self.browser()
                    token = anon.form_token(f"/book/fort-collins/{slug}/", "same answer")
                    form = {**details, "email": email, "start": start, "clinician": cid}
                    r = anon.post(
                        f"/book/fort-collins/{slug}/confirm/",
                        "same answer",
                        data={**form, "csrfmiddlewaretoken": token},
                    )
                    bodies.append((r.status_code, _strip(r.text)) if r is not None else (0, ""))
                if bodies[0] != bodies[1]:
                    info["findings"].append(
                        f"the public form answers a staff address ({bodies[0][0]}) unlike "
                        f"another ({bodies[1][0]})"
                    )
            info["tried"].append(
                "the public form with a staff address and a new one, a staff address and "
                "patient A's, each pair for the same time: status and body compared"
            )
            # 5. Manage links of visits that ended or were cancelled, and clinic-only visits.
            gone = self.db(
                "SELECT manage_token, status FROM scheduling_appointment WHERE (status IN"
                " ('completed', 'no_show') AND ends_at < now() - interval '3 days') OR"
                " (status = 'cancelled' AND cancelled_at < now() - interval '3 days')"
                " ORDER BY id LIMIT 5"
            )
            anon = self.browser()
            for token_, status in gone:
                r = anon.get(f"/appointments/{token_}/", "manage links")
                if r is None or r.status_code != 404:
                    info["findings"].append(f"a {status} visit's manage link still opens")
            clinic_only = self.db(
                "SELECT a.id, a.manage_token FROM scheduling_appointment a JOIN"
                " scheduling_appointmenttype t ON t.id = a.appointment_type_id WHERE NOT"
                " t.online_bookable AND a.status = 'booked' AND a.starts_at > now() + interval"
                " '2 days' ORDER BY a.id LIMIT 1"
            )
            for appointment_id, token_ in clinic_only:
                page = anon.get(f"/appointments/{token_}/", "manage links")
                csrf = anon.form_token("/accounts/login/", "manage links")
                anon.post(f"/appointments/{token_}/cancel/", "manage links",
                          data={"csrfmiddlewaretoken": csrf})  # fmt: skip
                still = self.db(
                    "SELECT status FROM scheduling_appointment WHERE id = %s", (appointment_id,)
                )[0][0]
                if still != "booked":
                    info["findings"].append("a clinic-only visit was cancelled through its link")
                if page is None or "please call" not in page.text:
                    info["findings"].append("a clinic-only visit's page does not say to call")
            info["tried"].append(
                f"{len(gone)} manage links of visits that ended or were cancelled 3+ days ago; "
                f"{len(clinic_only)} clinic-only visit's page and an anonymous cancel"
            )
            # The probe's own bookings for A are expected changes to her rows.
            self.a_digest = self.a_rows()
            info["notes"].append("A's rows re-read after the probe's own bookings for her")

    # --- 3. path traversal ---

    def path_traversal(self) -> None:
        with self.probe_class("path-traversal file names") as info:
            b = self.b_browser
            names = ["../../etc/passwd", "..\\..\\boot.ini", "%2e%2e%2fpasswd.pdf",
                     "evil\x00.pdf", "/etc/passwd", "....//....//etc/passwd",
                     "a" * 300 + ".pdf"]  # fmt: skip
            uploads = Counter()
            for name in names:
                token = b.form_token("/portal/documents/", "traversal")
                r = b.post(
                    "/portal/documents/",
                    "traversal",
                    data={
                        "kind": "other",
                        "title": "Traversal probe",
                        "csrfmiddlewaretoken": token,
                    },
                    files={"file": (name, TINY_PDF, "application/pdf")},
                )
                uploads[r.status_code if r is not None else 0] += 1
            rows = self.db(
                "SELECT storage_name, original_name FROM documents_document WHERE patient_id = %s "
                "AND title = 'Traversal probe'",
                (self.b["patient_id"],),
            )
            pattern = re.compile(rf"^documents/{self.b['patient_id']}/[0-9a-f]{{32}}$")
            bad = [s for s, _ in rows if not pattern.match(s) or ".." in s or "passwd" in s]
            if bad:
                info["findings"].append(f"storage names derived from the upload: {bad}")
            info["tried"].append(
                f"{len(names)} uploads as patient B named {[n[:24] for n in names]} -> "
                f"{dict(uploads)}; stored rows {len(rows)}, storage names e.g. "
                f"{rows[0][0] if rows else '-'}; shown names {[o[:24] for _, o in rows[:4]]}"
            )
            paths = [
                "/documents/../../etc/passwd",
                "/documents/%2e%2e/%2e%2e/etc/passwd",
                "/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd/",
                "/documents/..%5c..%5cboot.ini/",
                "/documents/%252e%252e%252fetc%252fpasswd/",
                f"/documents/{self.a['document']}/..%2f..%2f..%2fetc%2fpasswd",
                "/static/../../etc/passwd",
                "/static/%2e%2e/%2e%2e/etc/passwd",
                "/static/..%2f..%2fsettings.py",
                "/portal/documents/..%2f..%2f..%2fetc%2fpasswd",
            ]
            answers = Counter()
            for path in paths:
                for who in (b, self.browser()):
                    r = who.get(path, "traversal")
                    status = r.status_code if r is not None else 0
                    sent = r.request.path_url if r is not None else path
                    answers[f"{sent[:40]} -> {status}"] += 1
                    if r is not None and ("root:x:0:0" in r.text or "SECRET_KEY" in r.text):
                        info["findings"].append(f"{sent} served a file from outside: {status}")
                    elif status == 200:
                        info["findings"].append(f"{sent} answered 200")
            info["tried"].append(
                f"{len(paths)} traversal URLs (raw, %-encoded, double-encoded, backslashes) as "
                f"patient B and anonymous -> {dict(answers)}"
            )

    # --- 4. scripts in text fields ---

    def scripts(self) -> None:
        with self.probe_class("scripts in text fields") as info:
            good = self.slot("follow-up", skip=3)
            anon = self.browser()
            path = "/book/fort-collins/follow-up/confirm/"
            query = {"start": good["starts_at"], "clinician": good["clinician_id"]}
            token = anon.form_token("/accounts/login/", "xss")
            email = f"xss.{uuid.uuid4().hex[:6]}@probe.example.org"
            r = anon.post(
                path,
                "xss",
                data={**query, "first_name": XSS[0], "last_name": XSS[1],
                      "email": email, "phone": "",
                      "note": " ".join(XSS), "csrfmiddlewaretoken": token},
            )  # fmt: skip
            pages: list[tuple[str, Browser, str]] = []
            info["tried"].append(
                f"public booking with first name {XSS[0]!r}, last name {XSS[1]!r} and both in "
                f"the note -> {r.status_code if r is not None else 0}"
            )
            if r is not None and any(p in r.text for p in XSS):
                info["findings"].append("the check-your-email page shows the script unescaped")
            # Not signed in, the visit is held until confirmed from the mailbox: the probe
            # reads the emailed link's token from the database and confirms.
            held = self.db(
                "SELECT a.confirm_token FROM scheduling_appointment a JOIN accounts_patient p"
                " ON p.id = a.patient_id JOIN accounts_user u ON u.id = p.user_id"
                " WHERE u.email = %s AND a.status = 'held'",
                (email,),
            )
            if held:
                link = f"/book-confirm/{held[0][0]}/"
                r = anon.post(
                    link, "xss", data={"csrfmiddlewaretoken": anon.form_token(link, "xss")}
                )
            where = r.headers.get("Location", "") if r is not None else ""
            if where.startswith("/appointments/"):
                pages.append(("manage page", anon, where))
                appointment = self.db(
                    "SELECT id, patient_id FROM scheduling_appointment WHERE manage_token = %s",
                    (where.strip("/").split("/")[-1],),
                )
                if appointment:
                    pages.append(("staff appointment page (front desk)", self.desk_browser,
                                  f"/staff/appointments/{appointment[0][0]}/"))  # fmt: skip
                    pages.append(("staff patient record (front desk)", self.desk_browser,
                                  f"/staff/patients/{appointment[0][1]}/"))  # fmt: skip
                    pages.append(("patient list (front desk)", self.desk_browser,
                                  "/staff/patients/"))  # fmt: skip
            else:
                info["findings"].append(f"the booking with scripts was not stored ({where})")
            b = self.b_browser
            for payload in XSS:
                token = b.form_token("/portal/documents/", "xss")
                b.post("/portal/documents/", "xss",
                       data={"kind": "other", "title": payload, "csrfmiddlewaretoken": token},
                       files={"file": ("x.pdf", TINY_PDF, "application/pdf")})  # fmt: skip
            info["tried"].append("document titles " + ", ".join(repr(p) for p in XSS) + " as B")
            pages.append(("documents list (patient B)", b, "/portal/documents/"))
            pages.append(("portal (patient B)", b, "/portal/"))
            shown = []
            for label, who, url in pages:
                page = who.get(url, "xss")
                if page is None:
                    continue
                raw = [p for p in XSS if p in page.text]
                escaped = sum(1 for p in XSS if _escaped(p) in page.text)
                shown.append(f"{label}: {page.status_code}, raw {len(raw)}, escaped {escaped}")
                if raw:
                    info["findings"].append(f"{label} shows the script unescaped")
            info["tried"].append("fetched: " + "; ".join(shown))

    # --- 5. SQL metacharacters ---

    def sql(self) -> None:
        with self.probe_class("SQL metacharacters in query parameters") as info:
            routes = [
                ("/book/", {"location": "fort-collins"}, "anon+patient"),
                ("/book/fort-collins/follow-up/", {"from": "2030-01-01", "clinician": "1"},
                 "anon+patient"),
                ("/api/availability", {"appointment_type": "follow-up", "location": "broomfield",
                                       "start": "2030-01-01", "days": "7"}, "anon+patient"),
                (f"/appointments/{self.b['token']}/move/", {"from": "2030-01-01"}, "anon"),
                ("/accounts/login/", {"next": "/portal/"}, "anon"),
                ("/staff/calendar/fort-collins/", {"date": "2030-01-01", "view": "week"}, "staff"),
                ("/staff/calendar/broomfield/book/", {"date": "2030-01-01"}, "staff"),
                ("/api/bookings", {"limit": "1"}, "patient"),
            ]  # fmt: skip
            who = {"anon": [self.browser()], "patient": [self.b_browser],
                   "staff": [self.desk_browser]}  # fmt: skip
            answers: Counter[int] = Counter()
            tried = 0
            for path, params, identities in routes:
                browsers = [x for key in identities.split("+") for x in who[key]]
                for name in params:
                    for payload in SQL:
                        for browser in browsers:
                            r = browser.get(path, "sql", params={**params, name: payload})
                            answers[r.status_code if r is not None else 0] += 1
                            tried += 1
            # The patient search is a POST (names stay out of URLs): same payloads.
            for payload in SQL:
                token = self.desk_browser.form_token("/staff/patients/", "sql")
                r = self.desk_browser.post(
                    "/staff/patients/", "sql", data={"q": payload, "csrfmiddlewaretoken": token}
                )
                answers[r.status_code if r is not None else 0] += 1
                tried += 1
            info["tried"].append(
                f"{len(SQL)} payloads ({', '.join(repr(p[:16]) for p in SQL[:-1])}, 3000 x 'A') "
                f"in each parameter of {len(routes)} GET routes, anonymous and signed in, plus "
                f"the staff patient search (POST): {tried} requests -> "
                f"{dict(sorted(answers.items()))}"
            )
            tables = self.db("SELECT count(*) FROM accounts_user")[0][0]
            info["notes"].append(f"accounts_user still has {tables} rows")

    # --- 6. CSRF-less posts ---

    def csrf(self) -> None:
        with self.probe_class("CSRF-less posts") as info:
            before, a_before = self.counts(), self.a_rows()
            b, desk = self.b_browser, self.desk_browser
            good = self.slot("follow-up", skip=4)
            fresh = self.browser()
            fresh.get("/accounts/login/", "csrf")
            desk_calendar_date = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()
            posts = [
                (fresh, "/accounts/login/", {"data": {"username": self.b["email"],
                                                      "password": DEMO_PASSWORD}}, "sign-in"),
                (b, "/book/fort-collins/follow-up/confirm/",
                 {"data": {"start": good["starts_at"], "clinician": good["clinician_id"]}},
                 "booking confirm"),
                (b, f"/appointments/{self.b['token']}/cancel/", {"data": {}}, "cancel by link"),
                (b, "/portal/documents/", {"data": {"kind": "other", "title": "csrf"},
                                           "files": {"file": ("c.pdf", TINY_PDF)}}, "upload"),
                (b, "/api/bookings", {"json": {"appointment_type": "follow-up",
                                               "location": "fort-collins",
                                               "clinician_id": good["clinician_id"],
                                               "starts_at": good["starts_at"]}}, "API booking"),
                (b, f"/api/bookings/{self.b['booking']}/cancel", {}, "API cancel"),
                (b, "/accounts/logout/", {}, "sign-out"),
                (desk, f"/staff/appointments/{self.a['booking']}/cancel/", {"data": {}},
                 "staff cancel"),
                (desk, f"/staff/patients/{self.a['patient_id']}/care-team/",
                 {"data": {"clinician": self.clinician["id"]}}, "staff care-team"),
                (desk, "/staff/calendar/fort-collins/time-off/",
                 {"data": {"kind": "unavailable", "starts": f"{desk_calendar_date}T08:00",
                           "ends": f"{desk_calendar_date}T09:00"}}, "staff time off"),
                (desk, "/staff/patients/", {"data": {"q": "a"}}, "patient search"),
            ]  # fmt: skip
            answers = []
            for browser, path, kwargs, what in posts:
                r = browser.post(path, "csrf", **kwargs)
                status = r.status_code if r is not None else 0
                answers.append(f"{what} {status}")
                if status != 403:
                    info["findings"].append(f"{what} without a CSRF token -> {status}")
            info["tried"].append("signed-in POSTs without token/header: " + ", ".join(answers))
            after = self.counts()
            still = self.db(
                "SELECT status FROM scheduling_appointment WHERE id = ANY(%s) ORDER BY id",
                ([self.a["booking"], self.b["booking"]],),
            )
            if after != before or self.a_rows() != a_before:
                info["findings"].append(f"rows changed: {before} -> {after}")
            info["notes"].append(
                f"nothing changed: row counts equal, A's and B's bookings still "
                f"{[s for (s,) in still]}; B still signed in: "
                f"{b.get('/portal/', 'csrf').status_code == 200}"  # type: ignore[union-attr]
            )

    # --- 7. wrong-password storms ---

    def storm(self, attempts: int) -> None:
        with self.probe_class("wrong-password storms") as info:
            # Start in a fresh window of the per-address sign-in limit (30 a minute by
            # default), so the lock-out is seen before the rate limit.
            wait = 61 - (time.time() % 60)
            info["notes"].append(f"waited {wait:.0f} s for a fresh rate-limit window")
            time.sleep(wait)
            target, unknown = self.c_email, f"nobody.{uuid.uuid4().hex[:6]}@probe.example.org"
            bodies: dict[str, list[str]] = {}
            texts: dict[str, list[str]] = {}
            for email in (target, unknown):
                seen, pages = [], []
                for n in range(attempts):
                    b = self.browser()
                    r = self._login(b, email, f"wrong-password-{n}-2026")
                    seen.append(_kind(r))
                    pages.append(r.text if r is not None else "")
                bodies[email], texts[email] = seen, pages
            right = _kind(self._login(self.browser(), target, DEMO_PASSWORD))
            first_known = _message(texts[target][0])
            first_unknown = _message(texts[unknown][0])
            same = first_known == first_unknown and _strip(texts[target][-1]) == _strip(
                texts[unknown][-1]
            )
            run = deploy_stack.nervepath("axes_reset_username", target, env=self.env)
            after = _kind(self._login(self.browser(), target, DEMO_PASSWORD))
            info["tried"].append(
                f"{attempts} wrong passwords for an account: {_runs(bodies[target])}; "
                f"{attempts} for an unknown address: {_runs(bodies[unknown])}"
            )
            info["tried"].append(
                f"right password while locked: {right}; `nervepath axes_reset_username` "
                f"exit {run.returncode}; right password after: {after}"
            )
            info["notes"].append(
                f"first refusal message and lock-out page identical for the account and the "
                f"unknown address: {same} "
                f"({first_known!r})"
            )
            if right == "signed in":
                info["findings"].append("the right password worked while locked out")
            if after != "signed in":
                info["findings"].append(f"sign-in after the reset: {after}")
            if not same or bodies[target] != bodies[unknown]:
                info["findings"].append("known and unknown addresses answer differently")
            # The per-address limit: keep going (distinct unknown addresses) until 429.
            limited = None
            for n in range(40):
                r = self._login(self.browser(), f"limit{n}@probe.example.org", "x" * 12)
                if r is not None and r.status_code == 429:
                    limited = (n + 1, r.headers.get("Retry-After"))
                    break
            info["tried"].append(
                "more sign-ins from this address with other unknown addresses: "
                + (
                    f"429 after {limited[0]} more, Retry-After {limited[1]} s"
                    if limited
                    else "no 429 in 40"
                )
            )
            self.locked_email, self.unknown_email = target, unknown

    def _login(self, b: Browser, email: str, password: str):  # type: ignore[no-untyped-def]
        token = b.form_token("/accounts/login/", "storm")
        return b.post(
            "/accounts/login/",
            "storm",
            data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        )

    # --- 8. replayed cookies ---

    def replay(self) -> None:
        with self.probe_class("replayed cookies after logout") as info:
            for who, email, staff, pages in (
                ("patient", self.b["email"], False,
                 ["/portal/", "/portal/documents/", "/api/bookings"]),
                ("front desk", FRONT_DESK, True,
                 ["/staff/calendar/fort-collins/", "/staff/patients/", "/api/bookings"]),
            ):  # fmt: skip
                # The two-factor code of this 30 s step was used at set-up: wait for the next.
                if staff and int(time.time() // 30) == self.desk_step:
                    time.sleep(31 - (time.time() % 30))
                b = self.sign_in(email, staff=staff)
                before = [b.get(p, "replay").status_code for p in pages]  # type: ignore[union-attr]
                cookie = b.session.cookies.get("sessionid")
                token = b.form_token(pages[0], "replay") or b.csrf_cookie()
                out = b.post("/accounts/logout/", "replay", data={"csrfmiddlewaretoken": token})
                thief = self.browser()
                after = []
                for p in pages:
                    r = thief.get(p, "replay", headers={"Cookie": f"sessionid={cookie}"})
                    status = r.status_code if r is not None else 0
                    loc = r.headers.get("Location", "") if r is not None else ""
                    after.append(f"{status}{' -> ' + loc.split('?')[0] if loc else ''}")
                    if status == 200:
                        info["findings"].append(f"{who}: replayed cookie read {p}")
                info["tried"].append(
                    f"{who}: signed in, {pages} -> {before}; sign-out -> "
                    f"{out.status_code if out is not None else 0}; "
                    f"old session cookie replayed -> {after}"
                )

    # --- issue 22, finding 2: the clinician's calendar feed --------------------------------

    def calendar_feed(self) -> None:
        """The feed of the clinician A booked with, fetched anonymously (as a calendar
        provider or a synced phone would): no visit's manage token in it, nothing in it
        opens a manage page, never cached, and the read is audited."""
        with self.probe_class("calendar feed carries no manage token") as info:
            (token, clinician_id), *_ = self.db(
                "SELECT c.calendar_token, c.id FROM scheduling_clinician c JOIN "
                "scheduling_appointment a ON a.clinician_id = c.id WHERE a.id = %s",
                (self.a["booking"],),
            )
            anon = self.browser()
            feed = anon.get(f"/calendar/{token}.ics", "calendar feed")
            if feed is None or feed.status_code != 200:
                info["findings"].append("the feed does not answer 200")
                return
            feed_rid = self.collector.hits[-1].request_id
            body = feed.text.replace("\r\n ", "")
            secrets = [
                row[0]
                for row in self.db(
                    "SELECT manage_token FROM scheduling_appointment WHERE clinician_id = %s",
                    (clinician_id,),
                )
            ]
            leaked = [t for t in secrets if t in body]
            if leaked:
                info["findings"].append(f"the feed shows {len(leaked)} manage tokens")
            cache = feed.headers.get("Cache-Control", "")
            if "no-store" not in cache or "private" not in cache:
                info["findings"].append(f"the feed may be cached: Cache-Control {cache!r}")
            uids = re.findall(r"^UID:(.+?)\r?$", body, flags=re.MULTILINE)
            pieces = sorted(
                {p for u in uids for p in re.findall(r"[A-Za-z0-9_-]{8,128}", u)}
                | {p for u in uids for p in re.findall(r"[A-Za-z0-9_]{8,128}", u)}
            )
            opened = 0
            for piece in pieces[:40]:
                for path in (f"/appointments/{piece}/", f"/appointments/{piece}/appointment.ics"):
                    r = anon.get(path, "calendar feed")
                    if r is not None and r.status_code == 200:
                        opened += 1
            if opened:
                info["findings"].append(f"{opened} manage pages opened from the feed's UIDs")
            audited = self.db(
                "SELECT count(*) FROM audit_auditevent WHERE request_id = %s "
                "AND route = 'scheduling:clinician_feed'",
                (feed_rid,),
            )[0][0]
            if audited != 1:
                info["findings"].append(f"the feed read made {audited} audit events, not 1")
            info["tried"].append(
                f"feed of clinician #{clinician_id}: {len(uids)} events, {len(secrets)} manage "
                f"tokens looked for ({len(leaked)} found), {min(len(pieces), 40)} UID pieces "
                f"tried as manage links ({opened} opened), Cache-Control {cache!r}, "
                f"{audited} audit event"
            )

    # --- the audit trail ---

    def audit(self) -> dict:
        ids = [h.request_id for h in self.collector.hits]
        rows = self.db(
            "SELECT action, count(*) FROM audit_auditevent WHERE request_id = ANY(%s) "
            "GROUP BY action ORDER BY action",
            (ids,),
        )
        by_class = {}
        for name, info in self.classes.items():
            got = self.db(
                "SELECT action, count(*) FROM audit_auditevent WHERE request_id = ANY(%s) "
                "GROUP BY action ORDER BY action",
                (info["request_ids"],),
            )
            by_class[name] = dict(got)
        storm = self.classes.get("wrong-password storms", {})
        storm_events = by_class.get("wrong-password storms", {})
        print("\n== audit trail (events caused by the probe's requests, by X-Request-ID)")
        print(f"  all: {dict(rows)}")
        for name, got in by_class.items():
            print(f"  {name}: {got}")
        return {"all": dict(rows), "by_class": by_class,
                "storm": {"login_failed": storm_events.get("login_failed", 0),
                          "locked_out": storm_events.get("locked_out", 0),
                          "requests": storm.get("requests", 0)}}  # fmt: skip


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def _kind(r) -> str:  # type: ignore[no-untyped-def]
    if r is None:
        return "no answer"
    if r.status_code == 302:
        return "signed in"
    if LOCKED in r.text:
        return f"locked ({r.status_code})"
    if r.status_code == 429:
        return "rate limited (429)"
    return f"refused ({r.status_code})"


def _runs(kinds: list[str]) -> str:
    out: list[list] = []
    for k in kinds:
        if out and out[-1][0] == k:
            out[-1][1] += 1
        else:
            out.append([k, 1])
    return ", ".join(f"{n} x {k}" for k, n in out)


def _strip(page: str) -> str:
    """A page without what differs per request (CSRF tokens)."""
    return re.sub(r'value="[A-Za-z0-9]{32,64}"', "", page)


def _message(page: str) -> str:
    match = re.search(r'<div class="error" role="alert">(.*?)</div>', page, re.S)
    return match.group(1).strip() if match else ""


def _run(probe: Probe, attempts: int) -> dict:
    probe.set_up()
    probe.ids_across_accounts()
    probe.tampered_fields()
    probe.care_and_links()
    probe.path_traversal()
    probe.scripts()
    probe.sql()
    probe.csrf()
    probe.replay()
    probe.calendar_feed()  # issue 22, finding 2
    probe.storm(attempts)
    audit = probe.audit()
    hits: list[Hit] = probe.collector.hits
    fives = sum(1 for h in hits if h.status >= 500)
    findings = {k: v["findings"] for k, v in probe.classes.items() if v["findings"]}
    return {
        "classes": {
            k: {kk: vv for kk, vv in v.items() if kk != "request_ids"}
            for k, v in probe.classes.items()
        },
        "audit": audit,
        "requests": len(hits),
        "status": dict(sorted(Counter(str(h.status) for h in hits).items())),
        "5xx": fives,
        "findings": findings,
        "a_rows_unchanged": probe.a_rows() == probe.a_digest,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="probe this running server instead of starting one")
    parser.add_argument("--database-url", help="its database (with --url)")
    parser.add_argument("--cert", help="its certificate (with --url)")
    parser.add_argument("--insecure", action="store_true", help="do not verify TLS (--url)")
    parser.add_argument("--attempts", type=int, default=12, help="wrong passwords per address")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    if args.url:
        if not args.database_url:
            parser.error("--url needs --database-url")
        env = deploy_stack.production_env(args.database_url, Path("/tmp/nervepath-probe-var"))
        cert: str | bool = False if args.insecure else (args.cert or True)
        report = _run(Probe(args.url.rstrip("/"), cert, args.database_url, env), args.attempts)
    else:
        print("setting up: fresh database, migrate, seed_demo, collectstatic, gunicorn ...")
        extra = {"NERVEPATH_ACCESS_LOG": ""}
        with demo_stack(workers=2, threads=4, extra_env=extra, log_tail=2000) as stack:
            probe = Probe(str(stack["base"]), str(stack["cert"]), str(stack["database_url"]),
                          stack["env"])  # type: ignore[arg-type]  # fmt: skip
            report = _run(probe, args.attempts)
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(f"\n{'class':<42}{'requests':>9}{'5xx':>5}{'findings':>10}")
    for name, info in report["classes"].items():
        print(f"{name:<42}{info['requests']:>9}{info['5xx']:>5}{len(info['findings']):>10}")
    print(
        f"{'TOTAL':<42}{report['requests']:>9}{report['5xx']:>5}"
        f"{sum(len(v) for v in report['findings'].values()):>10}"
    )
    print(f"patient A's rows unchanged: {report['a_rows_unchanged']}; {report['seconds']} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
        print(f"JSON written to {args.json}")
    bad = report["5xx"] or report["findings"] or not report["a_rows_unchanged"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
