# SPDX-License-Identifier: AGPL-3.0-or-later
"""The front desk books, moves and cancels from the calendar; a signed-in patient sees
only their own appointments, and guessed links answer 404."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect

from helpers import at, kind, next_weekday
from nervepath.accounts.models import Patient, Role
from nervepath.scheduling import services
from nervepath.scheduling.models import Appointment, AvailabilityException, Source, Status

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-password-2026"  # published demo login (seed_demo)
PATIENT_PASSWORD = "correct-horse-battery"  # tests/conftest.py patients


def _open_monday(clinic) -> date:
    """The first Monday at least three days ahead on which no location is closed."""
    day = next_weekday(0)
    tz = clinic["fort-collins"].tz
    while AvailabilityException.objects.filter(
        clinician__isnull=True,
        starts_at__lt=datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz),
        ends_at__gt=datetime.combine(day, time.min, tzinfo=tz),
    ).exists():
        day += timedelta(days=7)
    return day


def test_front_desk_books_moves_and_cancels_for_a_patient(
    page: Page, site, clinic, frontdesk, hale, sign_in, mailoutbox
):
    monday = _open_monday(clinic)  # Dr Hale works in Fort Collins on Mondays, 8:00–17:00
    sign_in(page, "frontdesk@demo.nervepath.org", DEMO_PASSWORD)
    # Staff land on the schedule of a location (the one they last used, else one open today).
    expect(
        page.get_by_role("heading", name=re.compile(r"^(Broomfield|Fort Collins): "))
    ).to_be_visible()
    page.get_by_role("link", name="Fort Collins", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Fort Collins: "))).to_be_visible()

    page.get_by_role("link", name="New patient booking").click()
    expect(page.get_by_role("heading", name="Book for a patient at Fort Collins")).to_be_visible()
    page.get_by_label("First name", exact=True).fill("Pat")
    page.get_by_label("Last name", exact=True).fill("Example")
    page.get_by_label("Email", exact=True).fill("pat.example@example.org")
    page.get_by_label("Phone", exact=True).fill("970-555-0111")
    page.get_by_label("Appointment type", exact=True).select_option(label="Follow-up visit")
    page.get_by_label("Clinician", exact=True).select_option(label="Maren Hale, DPM")
    page.get_by_label("Date", exact=True).fill(monday.isoformat())
    page.get_by_label("Time", exact=True).fill("10:00")
    page.get_by_role("button", name="Book", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Booked Follow-up visit")
    expect(
        page.get_by_role("heading", name=f"Fort Collins: {monday:%A, %B %-d, %Y}")
    ).to_be_visible()
    grid = page.locator("#schedule-grid")
    entry = grid.get_by_role("link", name=re.compile("Pat Example"))
    expect(entry).to_contain_text("10:00–10:30 a.m.")

    appointment = Appointment.objects.select_related("patient__user").get()
    assert appointment.status == Status.BOOKED
    assert appointment.source == Source.STAFF
    assert appointment.created_by == frontdesk
    assert appointment.clinician == hale
    assert appointment.starts_at == at(clinic["fort-collins"], monday, "10:00")
    patient = appointment.patient
    assert patient.user.email == "pat.example@example.org"
    assert patient.user.role == Role.PATIENT
    assert patient.phone == "+19705550111"  # stored as E.164

    # Move it to the afternoon.
    entry.click()
    expect(page.get_by_role("heading", name="Follow-up visit — Pat Example")).to_be_visible()
    page.get_by_label("Time", exact=True).fill("13:30")
    page.get_by_role("button", name="Move appointment").click()
    expect(page.get_by_role("status")).to_contain_text("Appointment moved")
    expect(page.locator("dl.facts")).to_contain_text(f"{monday:%A, %B %-d, %Y} 1:30 PM")
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED
    assert appointment.starts_at == at(clinic["fort-collins"], monday, "13:30")
    assert Appointment.objects.count() == 1

    # Cancel it.
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_role("status")).to_contain_text("Appointment cancelled")
    expect(page.locator("dl.facts")).to_contain_text("Cancelled")
    expect(page.get_by_role("button", name="Move appointment")).to_have_count(0)
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert appointment.cancelled_at is not None

    # The day's calendar no longer shows it.
    page.get_by_role("link", name="Back to the calendar").click()
    expect(grid).to_be_visible()
    expect(grid).not_to_contain_text("Pat Example")

    subjects = [m.subject for m in mailoutbox]
    assert [s.split(":")[0] for s in subjects] == [
        "Your appointment is booked",
        "Your appointment has moved",
        "Your appointment is cancelled",
    ]
    assert all(m.to == ["pat.example@example.org"] for m in mailoutbox)


def test_patient_sees_only_their_own_appointments(
    page: Page, site, clinic, alice: Patient, bob: Patient, hale, okafor, frontdesk, sign_in
):
    monday = _open_monday(clinic)
    fort_collins, broomfield = clinic["fort-collins"], clinic["broomfield"]
    mine = services.book(
        services.Request(
            kind("new-patient"), fort_collins, hale, at(fort_collins, monday, "09:00")
        ),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    theirs = services.book(
        services.Request(kind("follow-up"), broomfield, okafor, at(broomfield, monday, "11:00")),
        bob,
        by=frontdesk,
        source=Source.STAFF,
    )

    sign_in(page, alice.email, PATIENT_PASSWORD)
    expect(page.get_by_role("heading", name="My appointments")).to_be_visible()
    rows = page.locator("main table").first.locator("tr")
    expect(rows).to_have_count(2)  # the header and Alice's one appointment
    expect(rows.nth(1)).to_contain_text("New-patient consultation")
    expect(rows.nth(1)).to_contain_text("Fort Collins")
    expect(rows.nth(1)).to_contain_text(f"{monday:%b} {monday.day}, {monday.year}, 9:00 AM")
    expect(page.locator("main")).not_to_contain_text("Follow-up visit")
    expect(page.locator("main")).not_to_contain_text("Broomfield")
    links = page.locator("main table a")
    assert links.evaluate_all("els => els.map(e => e.getAttribute('href'))") == [
        mine.get_absolute_url()
    ]
    links.first.click()
    expect(page.get_by_role("heading", name="Your appointment")).to_be_visible()
    expect(page.locator(".when")).to_contain_text("at 9:00 AM (Fort Collins time)")

    # Guessing: a random manage token, Bob's booking id through the API and staff pages.
    guessed = page.goto(f"{site}/appointments/{secrets.token_urlsafe(24)}/")
    assert guessed is not None and guessed.status == 404
    api = page.request.get(f"{site}/api/bookings/{theirs.id}")
    assert api.status == 404
    listed = page.request.get(f"{site}/api/bookings")
    assert listed.ok
    assert [b["id"] for b in listed.json()] == [mine.id]
    staff_page = page.goto(f"{site}/staff/appointments/{theirs.id}/")
    assert staff_page is not None and staff_page.status == 403
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    cancel = page.request.post(
        f"{site}/api/bookings/{theirs.id}/cancel", headers={"X-CSRFToken": csrf}
    )
    assert cancel.status == 404

    theirs.refresh_from_db()
    assert theirs.status == Status.BOOKED
    assert Appointment.objects.filter(patient=alice).count() == 1
