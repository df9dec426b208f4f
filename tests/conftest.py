# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shared fixtures: the demo clinic and its named people.

``clinic`` builds the demo reference data (two locations, three clinicians, the
appointment types and rooms) without appointments or holiday closures. The people:

- ``alice`` and ``bob``: two patients
- ``hale`` (Fort Collins Mon/Tue/Thu 8-17, Broomfield Wed 8-16, Fri 8-12), ``okafor``,
  ``lindqvist``: clinicians (``Clinician`` rows)
- ``frontdesk``, ``researcher``, ``admin_user``: staff users

``full_demo`` is the whole demo (``seed_demo`` with appointments and everything after
them), built once per test process too.
"""

from __future__ import annotations

import io
import os
import shutil
from datetime import datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone, translation

import migrated
import runs
import snapshot
from nervepath.accounts.models import Patient, Role, User
from nervepath.scheduling.models import AvailabilityException, Clinician, Location


def pytest_unconfigure(config: pytest.Config) -> None:
    """The process that made the run's folder (tests/test_settings.py) removes it at
    the end: uploads, shared builds and analyses, some 150 MB a run."""
    if os.environ.get("NERVEPATH_TEST_VAR_OWNER") == str(os.getpid()):
        shutil.rmtree(os.environ["NERVEPATH_VAR_DIR"], ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked ``once`` runs only in ``make test``'s hard-moment run, which leaves
    out the browser tests and tests/science: such a test would never run there, so the
    collection stops naming it.

    The modules standing on the whole demo run first, in their own order, the one
    whose test builds it for real (marked ``full_demo``) before those that copy it in
    (the ``full_demo`` fixture): xdist hands the first tests to one worker, which builds
    the demo once and shares it (tests/snapshot.py), instead of both workers building
    it at the same time when each meets such a test."""
    lost = runs.left_out(items)
    if lost:
        raise pytest.UsageError(
            "Marked once but left out of the hard-moment run (a browser or science test): "
            + ", ".join(lost)
        )
    builders = {item.path for item in items if item.get_closest_marker("full_demo")}
    users = {item.path for item in items if "full_demo" in getattr(item, "fixturenames", ())}
    # The module that builds it for real first: the other tests then copy that build.
    items.sort(key=lambda item: (item.path not in builders, item.path not in users))


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings) -> bool:
    """Django keeps (and only checks) a test database copied from the migrated one
    (tests/migrated.py); ``--reuse-db`` keeps its meaning."""
    if request.config.getvalue("reuse_db"):
        return True
    return migrated.copy_in()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_keepdb, request):
    """pytest-django's test databases; a database this process migrated is kept for the
    next processes, and a copied one is removed at the end like a migrated one."""
    migrated.keep()
    yield
    if django_db_keepdb and not request.config.getvalue("reuse_db"):
        migrated.remove()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no requests counted against the rate limits."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page served in Spanish leaves Spanish
    active in the thread (the middleware activates, nothing deactivates), which would
    translate the next test's messages."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def clinic(db):
    snapshot.as_migrated()
    snapshot.build(_build_clinic)
    return {loc.slug: loc for loc in Location.objects.all()}


def _build_clinic() -> None:
    call_command("seed_demo", "--no-appointments", stdout=io.StringIO())
    # The demo's holiday closures move with the calendar; tests add their own.
    AvailabilityException.objects.all().delete()


@pytest.fixture
def full_demo(db) -> None:
    """The whole demo as ``seed_demo`` makes it (appointments, questionnaires, analysed
    nights and their files, the research history), on an otherwise empty database: built
    by the first test of a process that asks for it, copied in for the next ones
    (tests/snapshot.py)."""
    snapshot.as_migrated()
    snapshot.build(snapshot.seed_full_demo, "demo")


def _patient(email: str, first: str, last: str) -> Patient:
    user = User.objects.create_user(
        email, "correct-horse-battery", first_name=first, last_name=last, role=Role.PATIENT
    )
    return Patient.objects.create(user=user)


@pytest.fixture
def alice(clinic) -> Patient:
    return _patient("alice@example.org", "Alice", "Archer")


@pytest.fixture
def bob(clinic) -> Patient:
    return _patient("bob@example.org", "Bob", "Baker")


@pytest.fixture
def hale(clinic) -> Clinician:
    return Clinician.objects.get(user__last_name="Hale")


@pytest.fixture
def okafor(clinic) -> Clinician:
    return Clinician.objects.get(user__last_name="Okafor")


@pytest.fixture
def lindqvist(clinic) -> Clinician:
    return Clinician.objects.get(user__last_name="Lindqvist")


@pytest.fixture
def frontdesk(clinic) -> User:
    return User.objects.get(role=Role.FRONT_DESK)


@pytest.fixture
def researcher(clinic) -> User:
    return User.objects.get(role=Role.RESEARCHER)


@pytest.fixture
def admin_user(clinic) -> User:
    return User.objects.get(role=Role.ADMIN)


@pytest.fixture
def now() -> datetime:
    """'Now' for a test: the session's clock (``NERVEPATH_TEST_NOW``, tests/clock.py), as
    the application sees it. Tests take today and weekdays from it, never from the
    machine's own clock."""
    return timezone.now()
