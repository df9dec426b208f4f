# SPDX-License-Identifier: AGPL-3.0-or-later
"""Walk every route with the first patient's ids as people who must not reach her record.

Alice (the first patient) has a visit with Dr Hale, is assigned to Dr Okafor and waits
for an earlier consult. The walkers are: another patient, a clinician not caring for
her, a researcher, an anonymous visitor (none of whom may read or change anything of
hers), and the front desk (who may see her demographics and visits but never clinical
detail, nor change it). Every URL pattern from the resolver and every API operation
from the OpenAPI schema is tried with GET and POST (forms and JSON bodies built from
the schema), with each of her object ids in each id slot. A route added later without
an access check fails this test.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

import conftest as shared
import snapshot
from helpers import login
from nervepath.accounts.models import Role, User
from nervepath.api.routes import api
from nervepath.audit.models import Action, AuditEvent
from nervepath.scheduling.models import Clinician, Location

from . import walker
from .conftest import make_alice_record

# A whole-system check: `make test` runs it once, in its hard-moment pass (Makefile).
pytestmark = pytest.mark.once

# Statuses that reveal nothing by themselves; 200s are checked for her data.
REFUSALS = {301, 302, 400, 401, 403, 404, 405, 409, 422, 429}
CLINICAL_LABELS: set[str] = set()  # model labels holding clinical detail (see clinical.py)


@dataclass
class _World:
    clinic: dict[str, Location]
    alice: Any
    bob: Any
    record: dict[str, Any]
    footprint: walker.Footprint


@pytest.fixture(scope="module")
def _walk_world(django_db_setup, django_db_blocker):
    """The demo clinic, Alice's record (``alice_record``) and Bob, built once for this
    module's walks (building her clinical records, a night's analysis included, takes
    seconds) inside a transaction rolled back after its last test. Each test runs in a
    savepoint of its own (pytest-django's ``db``), so nothing one test changes reaches
    the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        snapshot.as_migrated()
        snapshot.build(shared._build_clinic)
        clinic = {loc.slug: loc for loc in Location.objects.all()}
        alice = shared._patient("alice@example.org", "Alice", "Archer")
        bob = shared._patient("bob@example.org", "Bob", "Baker")
        record = make_alice_record(
            clinic,
            alice,
            Clinician.objects.get(user__last_name="Hale"),
            Clinician.objects.get(user__last_name="Okafor"),
            User.objects.get(role=Role.FRONT_DESK),
        )
        yield _World(clinic, alice, bob, record, walker.footprint(alice))
        transaction.set_rollback(True)


# The shared fixtures, taken from the module's world (the staff fixtures, hale,
# frontdesk..., read the clinic's rows and so follow ``clinic``).
@pytest.fixture
def clinic(db, _walk_world):
    return _walk_world.clinic


@pytest.fixture
def alice(db, _walk_world):
    return _walk_world.alice


@pytest.fixture
def bob(db, _walk_world):
    return _walk_world.bob


@pytest.fixture
def alice_record(db, _walk_world):
    return _walk_world.record


@pytest.fixture
def walk_setup(db, _walk_world):
    return _walk_world.alice, _walk_world.footprint, [next(iter(_walk_world.clinic)), "follow-up"]


def _markers(patient) -> list[str]:
    """Strings that appear only in Alice's record."""
    return [patient.user.email, patient.user.last_name, patient.phone, "Legs jerk every night"]


def _walk(
    client: Client,
    fp: walker.Footprint,
    slugs: list[str],
    markers: list[str],
    user=None,
    routes: list[walker.Route] | None = None,
) -> dict:
    """Request everything (every route, or the ``routes`` given, and every API
    operation); return {url: status} and fail on any leak. A walker whose session a
    route ended (sign-out, expiry) is signed in again before the next call."""
    session = _Session(client, user)
    seen: dict[str, int] = {}
    leaks: list[str] = []
    for route, url in walker.urls(fp, slugs, routes):
        for method in ("GET", "POST"):
            cache.clear()  # rate limits must not hide a leak behind a 429
            response = session.request(method, url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            seen[f"{method} {url}"] = response.status_code
            found = [m for m in markers if m and m in text]
            if found:
                leaks.append(
                    f"{method} {url} [{route.name}] → {response.status_code} shows {found}"
                )
    for method, path, body in walker.api_calls(_schema(), fp, slugs):
        url = "/api" + path if not path.startswith("/api") else path
        if f"{method} {url} (api)" in seen:
            continue  # the same operation, path and body again (her id is in ints twice)
        cache.clear()
        kwargs: dict[str, Any] = (
            {"data": json.dumps(body), "content_type": "application/json"} if body else {}
        )
        response = session.request(method, url, **kwargs)
        seen[f"{method} {url} (api)"] = response.status_code
        text = response.content.decode("utf-8", "replace")
        found = [m for m in markers if m and m in text]
        if found:
            leaks.append(f"{method} {url} (api) → {response.status_code} shows {found}")
    assert user is None or session.confirmed > len(seen) // 2  # the walker was signed in
    assert not leaks, "\n".join(leaks)
    return seen


@functools.cache
def _schema() -> dict[str, Any]:
    """The API's OpenAPI schema (the same for every walker; built once)."""
    return api.get_openapi_schema()


class _Session:
    """A walker's requests, signed in as ``user`` (None: anonymous) throughout.

    Asking the session store before every request whether the walker is still signed in
    costs a query per request; instead each response is looked at. A route that ends or
    replaces the session (sign-out, expiry, a new key, a password change) changes the
    session cookie, and then the store is asked. A route that ends it without touching
    the cookie (its row deleted) shows in the next request, whose user (as the
    middleware found it) is not the walker: that request is made again, signed in."""

    def __init__(self, client: Client, user) -> None:
        self.client, self.user = client, user
        self.cookie = ""
        self.confirmed = 0  # requests the middleware found the walker signed in for
        if user is not None:
            self.sign_in()

    def sign_in(self) -> None:
        login(self.client, self.user)
        self.cookie = self.client.cookies[django_settings.SESSION_COOKIE_NAME].value

    def request(self, method: str, url: str, **kwargs: Any):
        response = self.client.generic(method, url, **kwargs)
        if self.user is None:
            return response
        # The user as the middleware found it when the request came in (Django caches it
        # on the request; a sign-out in the view does not change it).
        started_as = getattr(response.wsgi_request, "_cached_user", None)
        if started_as is not None:
            self.confirmed += started_as.pk == self.user.pk
            if started_as.pk != self.user.pk:
                # Signed out before this request with the cookie untouched (the session
                # row gone): sign in and ask again.
                self.sign_in()
                response = self.client.generic(method, url, **kwargs)
        self._cookie_changed()
        return response

    def _cookie_changed(self) -> None:
        """When the response changed the session cookie, make sure the walker is still
        (or again) signed in."""
        morsel = self.client.cookies.get(django_settings.SESSION_COOKIE_NAME)
        if morsel is not None and morsel.value == self.cookie:
            return
        if morsel is not None and morsel.value and self._signed_in():
            self.cookie = morsel.value
        else:
            self.sign_in()

    def _signed_in(self) -> bool:
        return self.client.session.get("_auth_user_id") == str(self.user.pk)


def _identity(name: str, request):
    if name == "anonymous":
        return None
    if name == "bob":
        return request.getfixturevalue("bob").user
    if name == "lindqvist":
        return request.getfixturevalue("lindqvist").user
    return request.getfixturevalue(name)


@pytest.mark.parametrize("who", ["bob", "lindqvist", "researcher", "anonymous"])
def test_nobody_outside_her_care_reads_or_changes_her_record(
    walk_setup, alice_record, who, request
):
    alice, fp, slugs = walk_setup
    assert {"accounts.patient", "scheduling.appointment", "scheduling.waitlistentry"} <= set(fp.ids)
    before = walker.snapshot(alice)
    client = Client()
    user = _identity(who, request)
    # Her clinical records' own text (not the generic headings around them).
    clinical = [m for m in alice_record["clinical_markers"] if "MARKER" in m]
    from .clinical import DESK_MARKERS

    seen = _walk(client, fp, slugs, _markers(alice) + clinical + DESK_MARKERS, user)
    assert walker.snapshot(alice) == before
    assert len(seen) > 150  # the walk really covered the project's routes
    # Her record page and her bookings answer 404 to other accounts and 403 to a role
    # without the right, never 200.
    record = f"GET /staff/patients/{alice.pk}/"
    booking = f"GET /api/bookings/{alice_record_id(fp)} (api)"
    expected_record = {"bob": 403, "lindqvist": 404, "researcher": 403, "anonymous": 302}[who]
    assert seen[record] == expected_record
    expected_booking = {"bob": 404, "lindqvist": 404, "researcher": 403, "anonymous": 401}[who]
    assert seen[booking] == expected_booking
    if user is not None:
        assert AuditEvent.objects.filter(
            action=Action.DENIED, actor_id=user.pk, patient_id=alice.pk
        ).exists()


def alice_record_id(fp: walker.Footprint) -> str:
    (appointment_id,) = fp.ids["scheduling.appointment"]
    return appointment_id


@pytest.mark.parametrize("who", ["frontdesk", "admin_user"])
def test_front_desk_and_admins_never_read_or_change_clinical_detail(
    walk_setup, alice_record, who, request
):
    """They see demographics and visits (the Django admin too, for admins), never a
    questionnaire answer, a document's title or content, or a night."""
    alice, fp, slugs = walk_setup
    user = request.getfixturevalue(who)
    from . import clinical

    # Her clinical records, one of each kind, are alice_record's (every marker they show).
    markers = alice_record["clinical_markers"]
    labels = set(clinical.CLINICAL_MODELS)
    assert all(label in fp.ids for label in labels)
    before = walker.snapshot(alice, labels=labels)
    _walk(Client(), fp, slugs, markers, user)
    assert walker.snapshot(alice, labels=labels) == before


def test_the_walker_finds_a_route_that_forgets_its_check(walk_setup, bob, settings):
    """The walk itself must catch a leaky route: add one and watch it fail."""
    alice, fp, slugs = walk_setup
    project = {route.template for route in walker.routes()}
    settings.ROOT_URLCONF = "access.leaky_urls"
    # The resolver's routes now include the leaky one, and the walker finds it there like
    # any route added later. Bob walks it as every route is walked (each of her ids,
    # GET and POST, signed in; the API too), but not the project's own routes again:
    # test_nobody_outside_her_care_reads_or_changes_her_record[bob] makes those very
    # requests (about 2,300) against the same record.
    added = [route for route in walker.routes() if route.template not in project]
    assert [route.name for route in added] == ["leaky"]
    with pytest.raises(AssertionError, match="leaky"):
        _walk(Client(), fp, slugs, _markers(alice), bob.user, routes=added)


def test_her_clinicians_calendar_feed_opens_none_of_her_visits(walk_setup, alice_record, hale):
    """Issue 22, finding 2: whoever holds Dr Hale's feed address (a calendar provider, a
    synced phone) learns no manage token of Alice's visit, and nothing in the feed opens,
    moves or cancels it."""
    alice, _fp, _slugs = walk_setup
    appointment = alice_record["appointment"]
    before = walker.snapshot(alice)
    anonymous = Client()
    feed = anonymous.get(reverse("scheduling:clinician_feed", args=[hale.calendar_token]))
    assert feed.status_code == 200
    body = feed.content.decode().replace("\r\n ", "")
    assert "BEGIN:VEVENT" in body
    assert appointment.manage_token not in body
    assert not [m for m in _markers(alice) if m and m in body]
    pieces = set(re.findall(r"[A-Za-z0-9_-]{8,128}", body))
    pieces |= set(re.findall(r"[A-Za-z0-9_]{8,128}", body))
    for piece in pieces:
        for name in ("scheduling:manage", "scheduling:ics", "scheduling:cancel", "scheduling:move"):
            url = reverse(name, args=[piece])
            assert anonymous.get(url).status_code in {404, 405}, url
            assert anonymous.post(url).status_code == 404, url
    assert walker.snapshot(alice) == before


def _lindqvist_slot(lindqvist, online: bool):
    """A free time of Dr Lindqvist's, for a type she offers where she works."""
    from django.utils import timezone

    from nervepath.scheduling import availability
    from nervepath.scheduling.models import Location

    now = timezone.now()
    for location in Location.objects.filter(working_hours__clinician=lindqvist).distinct():
        for kind in lindqvist.appointment_types.filter(locations=location, active=True):
            if online and not kind.online_bookable:
                continue
            window = (
                availability.online_window(location, now)
                if online
                else availability.staff_window(now)
            )
            slots = availability.free_slots(
                kind,
                [location],
                window.earliest.astimezone(location.tz).date(),
                21,
                window=window,
                clinician_ids=[lindqvist.id],
            )
            if slots:
                return location, kind, slots[0]
    raise AssertionError("Dr Lindqvist has no free time to book")


# The three ways a clinician not caring for Alice may book her a visit with herself.
BOOKING_PATHS = ("staff_form", "public_form", "public_form_anonymous")


def _book_for_alice(path: str, alice, lindqvist, capture_on_commit):
    """Dr Lindqvist books a visit with herself for Alice's e-mail by ``path`` (the staff
    calendar's form signed in; the public form signed in, or not); the appointment."""
    from nervepath.scheduling.models import Appointment

    client = Client()
    if path != "public_form_anonymous":
        login(client, lindqvist.user)
    location, kind, slot = _lindqvist_slot(lindqvist, online=path != "staff_form")
    local = slot.starts_at.astimezone(location.tz)
    details = {"first_name": "A", "last_name": "B", "email": alice.email, "phone": "", "note": ""}
    with capture_on_commit(execute=True):
        if path == "staff_form":
            url = reverse("scheduling:staff_book", args=[location.slug])
            data = details | {
                "appointment_type": kind.id,
                "clinician": lindqvist.id,
                "date": local.date().isoformat(),
                "time": local.strftime("%H:%M"),
            }
        else:
            url = reverse("scheduling:book_confirm", args=[location.slug, kind.slug])
            data = details | {"start": slot.starts_at.isoformat(), "clinician": lindqvist.id}
        response = client.post(url, data)
    assert response.status_code in (200, 302), (path, response.content.decode()[:2000])
    return Appointment.objects.get(patient=alice, clinician=lindqvist, starts_at=slot.starts_at)


def test_a_clinician_who_books_her_a_visit_still_cannot_read_her_record(
    walk_setup, alice_record, lindqvist, django_capture_on_commit_callbacks
):
    """Issue 22, finding 1: booking a visit with oneself for a patient's email (on the
    staff calendar, or on the public form signed in or not) puts nobody in anyone's care:
    afterwards every route still refuses her record to the booking clinician.

    The three bookings are made first (each checked as it is made), then one walk, with
    each booked visit's ids in the slots, shows that none of them (nor all of them
    together) gave her access. Should the walk find a leak, each booking is tried again
    alone (the walk rolled back to before the bookings) to name the one that leaks."""
    from nervepath.scheduling.models import Status

    alice, _, slugs = walk_setup
    user = lindqvist.user
    clinical = [m for m in alice_record["clinical_markers"] if "MARKER" in m]
    markers = _markers(alice) + clinical

    def book(path: str):
        booked = _book_for_alice(path, alice, lindqvist, django_capture_on_commit_callbacks)
        if path == "staff_form":
            assert booked.status == Status.BOOKED, path  # staff may book for any patient
            assert AuditEvent.objects.filter(
                action=Action.CREATE, actor_id=user.pk, patient_id=alice.pk
            ).exists(), path
        else:
            assert booked.status == Status.HELD, path  # real once confirmed from her mailbox
        # At once, before the walk (whose POSTs may cancel the visit, hers to cancel):
        # her record and this visit stay closed to Dr Lindqvist.
        client = login(Client(), user)
        for url in (
            f"/staff/patients/{alice.pk}/",
            f"/staff/appointments/{booked.pk}/",
            f"/api/bookings/{booked.pk}",
        ):
            response = client.get(url)
            text = response.content.decode("utf-8", "replace")
            shown = [m for m in markers if m and m in text]
            assert (response.status_code, shown) == (404, []), (path, url)
        return booked

    def walk(booked: dict) -> dict:
        fp = walker.footprint(alice)
        walked = fp.ids["scheduling.appointment"]
        assert {str(b.pk) for b in booked.values()} <= walked  # each booking's id is walked
        seen = _walk(Client(), fp, slugs, markers, user)
        assert seen[f"GET /staff/patients/{alice.pk}/"] == 404
        for path, appointment in booked.items():
            assert seen[f"GET /staff/appointments/{appointment.pk}/"] == 404, path
            assert seen[f"GET /api/bookings/{appointment.pk} (api)"] == 404, path
        return seen

    with transaction.atomic():
        booked = {path: book(path) for path in BOOKING_PATHS}
        try:
            walk(booked)
            return
        except AssertionError as together:
            leak = together
        transaction.set_rollback(True)
    # A leak: name the booking that gives it (each alone, from the same start).
    alone = []
    for path in BOOKING_PATHS:
        with transaction.atomic():
            try:
                walk({path: book(path)})
            except AssertionError as exc:
                alone.append(f"--- booked by {path}:\n{exc}")
            transaction.set_rollback(True)
    pytest.fail(
        "A booking gave Dr Lindqvist access to Alice's record.\n"
        + ("\n".join(alone) or f"Only the three bookings together leak:\n{leak}")
    )


@pytest.mark.parametrize("outcome", ["completed", "cancelled"])
def test_an_ended_visits_manage_link_opens_no_route(walk_setup, alice_record, outcome):
    """Issue 22, finding 13: once her visit ended (or was cancelled) and the grace passed,
    every route that takes a link token answers her old manage link with 404, anonymous
    GET and POST alike, and changes nothing of hers."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from nervepath.scheduling.models import Appointment

    alice, _fp, _slugs = walk_setup
    appointment = alice_record["appointment"]
    token = appointment.manage_token
    anonymous = Client()
    assert anonymous.get(reverse("scheduling:manage", args=[token])).status_code == 200
    past = timedelta(hours=settings.NERVEPATH["MANAGE_LINK_GRACE_HOURS"] + 1)
    if outcome == "cancelled":
        Appointment.objects.filter(pk=appointment.pk).update(
            status="cancelled", cancelled_at=timezone.now() - past
        )
    else:
        back = appointment.ends_at - (timezone.now() - past)
        Appointment.objects.filter(pk=appointment.pk).update(
            status="completed",
            starts_at=appointment.starts_at - back,
            ends_at=appointment.ends_at - back,
            blocked_from=appointment.blocked_from - back,
            blocked_until=appointment.blocked_until - back,
        )
    before = walker.snapshot(alice)
    token_routes = [r for r in walker.routes() if ("token", "token") in r.params]
    assert len(token_routes) >= 4  # manage, ics, move, cancel (and the others that take one)
    for route in token_routes:
        url = route.fill({"token": token})
        for method in (anonymous.get, anonymous.post):
            status = method(url).status_code
            assert status in {404, 405}, (url, status)
    assert walker.snapshot(alice) == before
