# SPDX-License-Identifier: AGPL-3.0-or-later
"""A visitor books online without an account, confirms from the email, then reschedules
and cancels; two visitors race for one slot. Real pages, real clicks, and the database
checked after each step."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, Response, expect

from nervepath.accounts.models import User
from nervepath.scheduling import services
from nervepath.scheduling.models import Appointment, Source, Status

pytestmark = pytest.mark.e2e

DENVER = ZoneInfo("America/Denver")
MANAGE_PATH = re.compile(r"/appointments/[A-Za-z0-9_-]+/")
CONFIRM_PATH = re.compile(r"/book-confirm/[A-Za-z0-9_-]+/")


def _slot_link(link: Locator) -> tuple[datetime, int]:
    """The instant and clinician a slot link on the free-times page books."""
    query = parse_qs(urlsplit(link.get_attribute("href") or "").query)
    return datetime.fromisoformat(query["start"][0]), int(query["clinician"][0])


def _local_words(instant: datetime) -> str:
    """How the pages write an instant: in Fort Collins' wall-clock time."""
    local = instant.astimezone(DENVER)
    return f"{local:%A, %B %-d, %Y} at {local:%-I:%M %p}"


def _ics_text(message) -> str:
    (name, content, mimetype) = message.attachments[0]
    assert name == "appointment.ics"
    assert mimetype.startswith("text/calendar")
    return content.decode() if isinstance(content, bytes) else content


def _utc_stamp(instant: datetime) -> str:
    return f"{instant.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _next_week_of_slots(page: Page) -> None:
    """Go one week on in the free times: past the 24-hour online change cut-off."""
    page.get_by_role("link", name="Later →").click()
    expect(page).to_have_url(re.compile(r"\?from=\d{4}-\d\d-\d\d(&clinician=\w+)?$"))


def test_visitor_books_then_reschedules_then_cancels(page: Page, site, clinic, mailoutbox):
    page.goto(f"{site}/")
    page.locator("section.hero").get_by_role("link", name="Book now").click()
    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    page.get_by_role("region", name="Fort Collins").get_by_role(
        "link", name="New-patient consultation"
    ).click()
    expect(
        page.get_by_role("heading", name="New-patient consultation at Fort Collins")
    ).to_be_visible()

    _next_week_of_slots(page)
    slot = page.locator(".slots a.slot").first
    start, clinician_id = _slot_link(slot)
    # The button shows the location's local time of the instant it books.
    expect(slot).to_have_text(f"{start.astimezone(DENVER):%-I:%M %p}")
    slot.click()

    expect(page.get_by_role("heading", name="Confirm your appointment")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text(f"{_local_words(start)} (Fort Collins time)")
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Whitaker")
    page.get_by_label("Email").fill("Dana.Whitaker@example.org")
    page.get_by_label("Phone (optional)").fill("970-555-0100")
    page.get_by_role("button", name="Book this appointment").click()

    # Not signed in: the time is held and a link to confirm goes to the mailbox.
    expect(page.get_by_role("heading", name="Check your email to confirm")).to_be_visible()
    held = Appointment.objects.get()
    assert held.status == Status.HELD and held.starts_at == start
    assert len(mailoutbox) == 1
    request = mailoutbox[0]
    assert request.to == ["dana.whitaker@example.org"]
    assert request.subject.startswith("Please confirm your visit")
    confirm = CONFIRM_PATH.search(request.body)
    assert confirm and not MANAGE_PATH.search(request.body)
    page.goto(f"{site}{confirm.group(0)}")
    expect(page.get_by_role("heading", name="Confirm your visit")).to_be_visible()
    expect(page.locator(".when")).to_have_text(f"{_local_words(start)} (Fort Collins time)")
    page.get_by_role("button", name="Confirm this visit").click()

    expect(page.get_by_role("status")).to_contain_text("Your appointment is booked")
    expect(page.get_by_role("heading", name="Your appointment")).to_be_visible()
    expect(page.locator(".status")).to_have_text("Booked")
    expect(page.locator(".when")).to_have_text(f"{_local_words(start)} (Fort Collins time)")

    appointment = Appointment.objects.select_related(
        "patient__user", "location", "appointment_type"
    ).get()
    assert appointment.status == Status.BOOKED
    assert appointment.source == Source.ONLINE
    assert appointment.starts_at == start
    assert appointment.clinician_id == clinician_id
    assert appointment.location.slug == "fort-collins"
    assert appointment.appointment_type.slug == "new-patient"
    user = appointment.patient.user
    assert (user.email, user.first_name, user.last_name) == (
        "dana.whitaker@example.org",
        "Dana",
        "Whitaker",
    )
    assert not user.has_usable_password()  # created during booking, password set by link
    assert urlsplit(page.url).path == appointment.get_absolute_url()

    # The confirmation: the manage link and an .ics file for the booked instant.
    assert len(mailoutbox) == 2
    confirmation = mailoutbox[1]
    assert confirmation.to == ["dana.whitaker@example.org"]
    assert confirmation.subject.startswith("Your appointment is booked")
    link = MANAGE_PATH.search(confirmation.body)
    assert link and link.group(0) == appointment.get_absolute_url()
    ics = _ics_text(confirmation)
    assert "BEGIN:VEVENT" in ics
    assert f"DTSTART:{_utc_stamp(start)}" in ics

    # Reschedule from the emailed link to another free time.
    page.goto(f"{site}{link.group(0)}")
    page.get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", name=re.compile("^Reschedule your"))).to_be_visible()
    _next_week_of_slots(page)
    choices = page.locator(".slots form")
    expect(choices.first).to_be_visible()
    target, new_start = None, None
    for i in range(choices.count()):
        value = datetime.fromisoformat(choices.nth(i).locator("input[name=start]").input_value())
        if value != start:
            target, new_start = choices.nth(i), value
            break
    assert target is not None and new_start is not None
    target.get_by_role("button").click()
    # What changes is shown first; nothing moves until confirmed.
    expect(page.get_by_role("heading", name=re.compile("^Move your"))).to_be_visible()
    expect(page.locator("tr.changed").first).to_contain_text(_local_words(new_start))
    assert len(mailoutbox) == 2
    page.get_by_role("button", name="Yes, move it").click()

    expect(page.get_by_role("status")).to_contain_text("Your appointment has moved")
    expect(page.locator(".when")).to_have_text(f"{_local_words(new_start)} (Fort Collins time)")
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED
    assert appointment.starts_at == new_start
    assert Appointment.objects.count() == 1  # moved in place, not booked twice
    assert len(mailoutbox) == 3
    assert mailoutbox[2].subject.startswith("Your appointment has moved")
    assert f"DTSTART:{_utc_stamp(new_start)}" in _ics_text(mailoutbox[2])

    # Cancel.
    page.get_by_role("link", name="Cancel this appointment").click()
    expect(page.get_by_role("heading", name="Cancel this appointment?")).to_be_visible()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("status")).to_contain_text("Your appointment is cancelled")
    expect(page.locator(".status")).to_have_text("Cancelled")
    expect(page.get_by_role("link", name="Reschedule")).to_have_count(0)
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert appointment.cancelled_at is not None
    assert appointment.starts_at == new_start
    assert not Appointment.objects.active().exists()
    assert len(mailoutbox) == 4
    assert mailoutbox[3].subject.startswith("Your appointment is cancelled")
    # The link to confirm worked once.
    page.goto(f"{site}{confirm.group(0)}")
    expect(page.get_by_role("heading", name="This link does not work any more")).to_be_visible()


def _is_booking_post(response: Response) -> bool:
    return response.request.method == "POST" and "/confirm/" in response.url


def test_two_visitors_race_for_the_same_slot(new_context, site, clinic, mailoutbox, monkeypatch):
    pages: list[Page] = [new_context().new_page() for _ in range(2)]
    pages[0].goto(f"{site}/book/fort-collins/new-patient/")
    slot = pages[0].locator(".slots a.slot").first
    start, clinician_id = _slot_link(slot)
    confirm_url = f"{site}{slot.get_attribute('href')}"

    people = [("Robin", "robin@example.org"), ("Sasha", "sasha@example.org")]
    for page, (name, email) in zip(pages, people, strict=True):
        page.goto(confirm_url)
        expect(page.get_by_role("heading", name="Confirm your appointment")).to_be_visible()
        page.get_by_label("First name").fill(name)
        page.get_by_label("Last name").fill("Racer")
        page.get_by_label("Email").fill(email)

    # Both submit. So that the two bookings really run at the same time (not one after
    # the other because the first click happened to be answered before the second),
    # the server holds each booking request, once its form is read and before any
    # database write, until both have arrived; then they race for the slot.
    both_arrived = threading.Barrier(2, timeout=20)
    real_request = services.Request

    def request_when_both_arrived(*args, **kwargs):
        both_arrived.wait()
        return real_request(*args, **kwargs)

    monkeypatch.setattr(services, "Request", request_when_both_arrived)
    with (
        pages[0].expect_response(_is_booking_post) as first,
        pages[1].expect_response(_is_booking_post) as second,
    ):
        for page in pages:
            page.get_by_role("button", name="Book this appointment").click(no_wait_after=True)
    monkeypatch.undo()
    statuses = [first.value.status, second.value.status]
    assert sorted(statuses) == [200, 409]
    winner = statuses.index(200)
    won, lost = pages[winner], pages[1 - winner]

    expect(won.get_by_role("heading", name="Check your email to confirm")).to_be_visible()

    expect(lost.get_by_role("alert")).to_contain_text("that time was just taken")
    expect(lost.get_by_role("heading", name="Nearest free times")).to_be_visible()
    nearest = lost.locator(".slots").first.locator("a.slot")
    expect(nearest.first).to_be_visible()
    offered = [_slot_link(nearest.nth(i)) for i in range(nearest.count())]
    assert (start, clinician_id) not in offered

    # Exactly one hold; the loser's details were not kept (nothing half-written).
    appointment = Appointment.objects.select_related("patient__user").get()
    assert appointment.status == Status.HELD
    assert (appointment.starts_at, appointment.clinician_id) == (start, clinician_id)
    assert appointment.patient.user.email == people[winner][1]
    assert not User.objects.filter(email=people[1 - winner][1]).exists()
    assert [m.to for m in mailoutbox] == [[people[winner][1]]]
