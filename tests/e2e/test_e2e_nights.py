# SPDX-License-Identifier: AGPL-3.0-or-later
"""A night from upload to night page, in Chromium, with a real task worker.

The patient uploads a real Axivity file from ``../shared/data/wearables`` on the portal:
three minutes recorded in the daytime. A real ``nervepath db_worker`` process (on this
test's database file) analyses it while the page polls its status; the patient opens
the night and reads, in plain words, that not enough sleep was recorded: no index, no
jargon, no alarm (issue 16). Then the clinician who gave the
patient a nerve block sees the same night and the before/after comparison around the
block (three earlier nights come from the demo's simulator, analysed by the engine).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from nervepath.access.models import CareAssignment
from nervepath.accounts.models import Role, User
from nervepath.demo import wearables as demo
from nervepath.scheduling.models import Appointment, AppointmentType, Status
from nervepath.wearables.models import Night

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
REAL_FILE = REPO.parent / "shared" / "data" / "wearables" / "ax3_testfile.cwa"
NIGHT_OF = date(2019, 2, 25)  # the night this recording holds (tests/wearables)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def worker(site: str, media: Path, tmp_path: Path, task_worker):
    """A real task worker on the live server's database file and storage folder."""
    with task_worker(tmp_path, NERVEPATH_MEDIA_ROOT=str(media)) as process:
        yield process


def test_a_night_goes_from_upload_to_the_night_page_and_the_comparison(
    page: Page, browser: Browser, site: str, sign_in, worker, alice, hale, clinic
):
    assert REAL_FILE.is_file(), f"missing {REAL_FILE}: the shared recordings must sit beside"

    # The patient uploads and watches the analysis finish.
    sign_in(page, alice.email, "correct-horse-battery")
    page.goto(f"{site}/portal/nights/")
    page.get_by_label("Night file").set_input_files(str(REAL_FILE))
    page.get_by_label("Where was the monitor worn?").select_option("ankle")
    page.get_by_role("button", name="Upload").click()
    night_link = page.get_by_role("link", name="Mon Feb 25, 2019")
    expect(night_link).to_be_visible(timeout=120_000)
    assert worker.poll() is None, "the worker stopped"
    night = Night.objects.get(patient=alice)
    assert night.night_of == NIGHT_OF
    expect(page.get_by_text("not enough sleep recorded: open the night")).to_be_visible()
    night_link.click()
    expect(page.get_by_role("heading", name="Your night of")).to_be_visible()
    # Minutes of recording in the daytime: the patient reads why, in plain words.
    expect(page.get_by_role("heading", name="Not enough sleep recorded")).to_be_visible()
    plain = page.locator("[data-plain-night]")
    expect(plain).to_contain_text("Leg movements during sleep can only be counted from at least")
    expect(plain).to_contain_text("Your clinician will look at this recording")
    # The file's header says right wrist: the patient is told that too.
    expect(plain).to_contain_text("The monitor was worn at the wrist")
    main = page.locator("main").inner_text()
    for word in ("PLMS", "WASM", "HDCZA", "index", "per hour", "cut-off"):
        assert word not in main, word
    assert page.locator(".flag").count() == 0
    assert page.locator("img.night-figure").count() == 0

    # The clinician who gave a nerve block two days earlier; three restless nights before it.
    block_day = NIGHT_OF - timedelta(days=2)
    when = timezone.make_aware(datetime.combine(block_day, datetime.min.time()).replace(hour=10))
    Appointment.objects.create(
        patient=alice, clinician=hale, location=clinic["fort-collins"],
        appointment_type=AppointmentType.objects.get(slug="nerve-block"),
        starts_at=when, ends_at=when + timedelta(minutes=45), blocked_from=when,
        blocked_until=when + timedelta(minutes=45), status=Status.COMPLETED,
    )  # fmt: skip
    # A visit years back is past the care lapse (NERVEPATH_CARE_LAPSE_DAYS): the front
    # desk assigns Dr Hale, who follows her nights.
    CareAssignment.objects.create(
        clinician=hale.user,
        patient=alice,
        assigned_by=User.objects.filter(role=Role.FRONT_DESK).first(),
        reason="Follows her nights",
    )
    demo.add_nights(alice, demo.around(block_day, before=3, after=0, today=timezone.localdate()))
    assert Night.objects.filter(patient=alice).count() == 4

    staff = browser.new_context().new_page()
    sign_in(staff, hale.user.email, "demo-password-2026")
    staff.goto(f"{site}/staff/patients/{alice.pk}/")
    staff.get_by_role("link", name="Nights").click()
    expect(staff.get_by_role("link", name="Mon Feb 25, 2019")).to_be_visible()
    staff.get_by_role("button", name="Compare").click()
    sentence = staff.locator("p.sentence")
    expect(sentence).to_contain_text("nerve block on February 23, 2019")
    # The PLMS index row: 3 nights before the block, none after (n is the cells' first
    # number): the uploaded file holds minutes, too little sleep for an index.
    cells = staff.locator("tr", has=staff.locator("td", has_text="PLMS index")).first
    cells = cells.locator("td")
    expect(cells.nth(1)).to_have_text(re.compile(r"^3, "))
    expect(cells.nth(2)).to_have_text(re.compile(r"^0$"))
    staff.get_by_role("link", name="Mon Feb 25, 2019").click()
    expect(staff.get_by_role("heading", name="Night of")).to_be_visible()
    # The clinician's page keeps every detail: why no index, where it was worn, figure.
    expect(staff.locator("span.withheld")).to_contain_text("less than the 60 min an index needs")
    expect(staff.get_by_text("right wrist (file header)", exact=True)).to_be_visible()
    expect(staff.locator("img.night-figure")).to_be_visible()
    # Visible is not loaded: the figure is drawn on request, so wait for the decoded image.
    staff.wait_for_function(
        "() => { const img = document.querySelector('img.night-figure');"
        " return img !== null && img.complete && img.naturalWidth > 0; }",
        timeout=60_000,
    )
