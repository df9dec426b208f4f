# SPDX-License-Identifier: AGPL-3.0-or-later
"""The front desk's day in a browser: find a patient and book them from the grid, check
a patient in, close the location over two bookings and move both (the patients told),
book a ten-session course with one clash resolved; and axe-core finds no
serious or critical accessibility violation on the grid, the patient picker and the
public slot picker, at desktop and phone sizes."""

from __future__ import annotations

import re
from datetime import datetime, time

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from helpers import at, kind, next_weekday, send_outbox
from nervepath.scheduling import services
from nervepath.scheduling.models import Appointment, CheckIn, Source, Status

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-password-2026"  # published demo login (seed_demo)
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


def _grid_url(site: str, slug: str, day) -> str:
    return f"{site}/staff/calendar/{slug}/?date={day.isoformat()}"


def test_front_desk_finds_a_patient_and_books_them_from_the_grid(
    page: Page, site, clinic, hale, alice, sign_in
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)  # Dr Hale works in Fort Collins on Mondays, 8:00–17:00
    sign_in(page, "frontdesk@demo.nervepath.org", DEMO_PASSWORD)
    page.goto(_grid_url(site, fc.slug, monday))
    expect(
        page.get_by_role("heading", name=f"Fort Collins: {monday:%A, %B %-d, %Y}")
    ).to_be_visible()
    # Click 1: the free time in Dr Hale's column.
    page.get_by_role(
        "link", name=f"Book Maren Hale, DPM on {monday:%a %b} {monday.day} at 10:00 a.m."
    ).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Book Maren Hale, DPM"))).to_be_visible()
    # The search (typed, sent as POST), then click 2: the patient.
    page.get_by_label("Find the patient: name, phone or date of birth").fill("archer")
    page.get_by_label("Find the patient: name, phone or date of birth").press("Enter")
    page.get_by_label("Visit type").select_option(label="Follow-up visit (30 min)")
    page.get_by_role("button", name="Book Alice Archer").click()
    expect(page.get_by_role("status")).to_contain_text("Booked Alice Archer for Follow-up visit")
    entry = page.locator("#schedule-grid").get_by_role("link", name=re.compile("Alice Archer"))
    expect(entry).to_contain_text("10:00–10:30 a.m.")
    appointment = Appointment.objects.get()
    assert appointment.patient == alice and appointment.clinician == hale
    assert appointment.starts_at == at(fc, monday, "10:00")
    assert appointment.source == Source.STAFF


def test_front_desk_checks_a_patient_in(page: Page, site, clinic, hale, alice, sign_in):
    fc = clinic["fort-collins"]
    now = timezone.now().astimezone(fc.tz)
    # A visit at the start of today (made directly: whatever the hour the test runs, the
    # check-in is on the visit's day).
    start = datetime.combine(now.date(), time.min, tzinfo=fc.tz)
    req = services.Request(kind("follow-up"), fc, hale, start)
    appointment = req.create(alice, None, status=Status.BOOKED, source=Source.STAFF)
    sign_in(page, "frontdesk@demo.nervepath.org", DEMO_PASSWORD)
    page.goto(f"{site}/staff/today/{fc.slug}/")
    row = page.locator("tr").filter(has_text="Alice Archer")
    expect(row).to_contain_text("Expected")
    row.get_by_role("button", name="Alice Archer arrived").click()
    expect(page.get_by_role("status")).to_contain_text("Alice Archer: arrived")
    expect(row).to_contain_text("Arrived")
    expect(row).to_contain_text("min so far")
    row.get_by_role("button", name="Alice Archer in room").click()
    expect(row).to_contain_text("In room")
    row.get_by_role("button", name="Alice Archer seen").click()
    expect(row).to_contain_text("Completed")
    appointment.refresh_from_db()
    assert (appointment.checkin, appointment.status) == (CheckIn.SEEN, Status.COMPLETED)
    assert appointment.arrived_at <= appointment.roomed_at <= appointment.seen_at


def test_front_desk_closes_the_location_over_two_bookings_and_moves_both(
    page: Page, site, clinic, hale, lindqvist, alice, bob, frontdesk, sign_in
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)  # Hale and Lindqvist both work in Fort Collins on Mondays
    first = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00")),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    second = services.book(
        services.Request(kind("follow-up"), fc, lindqvist, at(fc, monday, "09:00")),
        bob,
        by=frontdesk,
        source=Source.STAFF,
    )
    send_outbox()
    mail.outbox.clear()
    sign_in(page, "frontdesk@demo.nervepath.org", DEMO_PASSWORD)
    page.goto(f"{site}/staff/calendar/{fc.slug}/time-off/")
    page.get_by_label("Kind").select_option(label="Unavailable (holiday, leave, closure)")
    page.get_by_label("Clinician", exact=True).select_option(label="Whole location (closure)")
    page.get_by_label("From").fill(f"{monday.isoformat()}T00:00")
    page.get_by_label("Until").fill(f"{monday.isoformat()}T23:59")
    page.get_by_label("Reason").fill("Burst pipe")
    page.get_by_role("button", name="Save").click()
    # Offered first, nothing saved: each visit with its nearest free time.
    expect(page.get_by_role("heading", name="2 booked visits inside this closure")).to_be_visible()
    for name in ("Alice Archer", "Bob Baker"):
        group = page.get_by_role("group", name=re.compile(f"^{name}:"))
        expect(group.get_by_role("radio", name=re.compile("^Move to"))).to_be_checked()
    assert _serious(page) == []
    page.set_viewport_size(PHONE)
    assert _serious(page) == []
    page.set_viewport_size(DESKTOP)
    assert Appointment.objects.filter(status=Status.BOOKED).count() == 2
    page.get_by_role("button", name="Save and apply these changes").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Saved. 2 visit(s) moved; the patients have been told."
    )
    # The closure is drawn on the day's grid, with no visit left in it.
    expect(page.locator("#schedule-grid")).to_contain_text("Closed: Burst pipe")
    for visit in (first, second):
        visit.refresh_from_db()
        assert visit.status == Status.BOOKED and visit.local_start.date() != monday
    send_outbox()
    told = sorted(m.to[0] for m in mail.outbox if "has moved" in m.subject)
    assert told == sorted([alice.email, bob.email])


def test_front_desk_books_a_ten_session_course_with_one_clash_resolved(
    page: Page, site, clinic, lindqvist, alice, bob, frontdesk, sign_in
):
    fc = clinic["fort-collins"]
    first = next_weekday(0)  # Lindqvist: Fort Collins Mon, Wed 7:30–15:30
    from nervepath.scheduling import series

    days = series.wanted_days(first, [0, 2], 10)
    services.book(
        services.Request(kind("estim"), fc, lindqvist, at(fc, days[4], "09:00")),
        bob,
        by=frontdesk,
        source=Source.STAFF,
    )
    sign_in(page, "frontdesk@demo.nervepath.org", DEMO_PASSWORD)
    page.goto(f"{site}/staff/calendar/{fc.slug}/series/")
    page.get_by_label("Find the patient: name, phone or date of birth").fill("Archer")
    page.get_by_role("button", name="Search").click()
    page.get_by_label(re.compile("Alice Archer")).check()
    page.get_by_label("Appointment type").select_option(label="Electrical-stimulation session")
    page.get_by_label("Clinician").select_option(label="Ingrid Lindqvist, PA-C")
    page.get_by_label("First day").fill(first.isoformat())
    page.get_by_label("Time").fill("09:00")
    page.get_by_label("Mon").check()
    page.get_by_label("Wed").check()
    page.get_by_label("Sessions").fill("10")
    page.get_by_role("button", name="Check the course").click()
    expect(page.get_by_role("heading", name="10 sessions: 1 clash to resolve")).to_be_visible()
    assert not Appointment.objects.filter(patient=alice).exists()
    page.get_by_role("group", name="Session 5: choose another time").get_by_role(
        "radio"
    ).first.check()
    page.get_by_role("button", name="Book all 10 sessions").click()
    expect(page.get_by_role("status")).to_contain_text("Booked 10 sessions")
    booked = Appointment.objects.filter(patient=alice, status=Status.BOOKED)
    assert booked.count() == 10
    assert len(set(booked.values_list("series", flat=True))) == 1
    assert at(fc, days[4], "09:00") not in set(booked.values_list("starts_at", flat=True))


def _serious(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_desk_pages_and_the_public_slot_picker_pass_axe(
    page: Page, site, clinic, hale, alice, frontdesk, sign_in, size
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "09:00")),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    page.set_viewport_size(size)
    # The public slot picker, with its day strip (on a phone, one day at a time).
    page.goto(f"{site}/book/fort-collins/follow-up/")
    expect(page.locator(".day-strip")).to_be_visible()
    if size is PHONE:
        shown = page.locator(".day-strip + .slots .day:visible")
        expect(shown).to_have_count(1)
        page.locator(".day-strip a[data-day]").nth(1).click()
        expect(page.locator(".day-strip a[aria-current]")).to_have_count(1)
        expect(shown).to_have_count(1)
    assert _serious(page) == []
    # The "With" filter works without inline script.
    page.get_by_label("With").select_option(label="Maren Hale, DPM")
    expect(page.get_by_role("heading", name=re.compile("with Maren Hale, DPM"))).to_be_visible()

    sign_in(page, "frontdesk@demo.nervepath.org", DEMO_PASSWORD)
    page.goto(_grid_url(site, fc.slug, monday))
    expect(page.locator("#schedule-grid")).to_be_visible()
    assert _serious(page) == []
    # Keyboard: the grid's one tab stop, then the arrow keys move between times.
    first = page.locator("#schedule-grid [data-nav][tabindex='0']")
    expect(first).to_have_count(1)
    first.focus()
    before = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("ArrowDown")
    after = page.evaluate("document.activeElement.getAttribute('href')")
    assert after and after != before  # focus moved down the column to the next time
    assert page.evaluate("document.activeElement.getAttribute('tabindex')") == "0"
    assert page.locator("#schedule-grid [data-nav][tabindex='0']").count() == 1
    page.goto(_grid_url(site, fc.slug, monday) + "&view=week")
    assert _serious(page) == []

    page.get_by_role("link", name=re.compile(r"^Book Maren Hale, DPM on ")).first.click()
    page.get_by_label("Find the patient: name, phone or date of birth").fill("archer")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("button", name="Book Alice Archer")).to_be_visible()
    assert _serious(page) == []
