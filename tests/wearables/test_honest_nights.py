# SPDX-License-Identifier: AGPL-3.0-or-later
"""Implausible nights show no number, and the patient reads plain words (issue 16 §2-3).

Three implausible cases (a few minutes in the daytime, a wrist night, a "sleep window"
of device idle fill) and one plausible ankle night, each on the patient's page, the
clinician's page and both PDFs (rendered with pypdfium2 and read back as text).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from helpers import login
from nervepath.access.models import CareAssignment
from nervepath.science.movement import analyze_file, analyze_recording
from nervepath.science.movement.recording import Stretch
from nervepath.wearables import engine
from nervepath.wearables.models import Night, Recording

pytestmark = pytest.mark.django_db

JARGON = ("PLMS", "PLM", "WASM", "HDCZA", "AASM", "index", "per hour", "cut-off", "flag")


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _store(patient, report, name: str) -> Night:
    result = engine.result_from_report(report, figure=False)
    recording = Recording.objects.create(
        patient=patient,
        uploaded_by=patient.user,
        original_name=name,
        storage_name=f"test/{name}",
        size=10,
        sha256=(name.encode().hex() * 64)[:64],
        file_format="." + name.rsplit(".", 1)[-1],
        body_location=report.body_location,
    )
    return Night.objects.create(
        recording=recording,
        patient=patient,
        night_of=timezone.localdate() - timedelta(days=2),
        plms_index=result.plms_index,
        movements_per_hour=result.movements_per_hour,
        moves_every_min=result.moves_every_min,
        total_sleep_h=result.total_sleep_h,
        report=result.report,
        engine_version="test",
    )


def _simulated(seed: int, **kw):
    from science.movement.simulate import simulate_accel_night

    rec, _ = simulate_accel_night(seed, hours=3.0, fs=20.0, start=_at("2026-03-01T23:00"))
    return rec


def _short_daytime(wearables):
    return analyze_file(wearables / "GENEActiv_testfile.bin", body_location="ankle")


def _wrist(wearables):
    return analyze_recording(_simulated(21), body_location="wrist")


def _idle_fill(wearables):
    rec = _simulated(22)
    rec.stretches = [Stretch(0.0, rec.duration * 0.9, "idle")]
    return analyze_recording(rec, body_location="ankle")


CASES = {
    "short_daytime": (_short_daytime, "too_little_sleep", "Not enough sleep recorded"),
    "wrist": (_wrist, "not_leg", "The monitor was worn at the wrist"),
    "idle_fill": (_idle_fill, "no_sleep_window", "Not enough sleep recorded"),
}


@pytest.fixture
def wearables():
    from pathlib import Path

    here = Path(__file__).resolve()
    for root in (here.parents[3] / "shared", Path("/work/shared")):
        if (root / "data/wearables").is_dir():
            return root / "data/wearables"
    pytest.skip("no real wearable files")


def _pdf_text(content: bytes) -> str:
    doc = pypdfium2.PdfDocument(content)
    try:
        assert len(doc) == 1
        page = doc[0]
        bitmap = page.render(scale=0.5)  # it renders, not only parses
        assert bitmap.width > 100 and bitmap.height > 100
        return page.get_textpage().get_text_range()
    finally:
        doc.close()


def _main(body: str) -> str:
    return body.split("<main", 1)[-1].split("</main>", 1)[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_implausible_nights_show_no_number_on_any_page(client, alice, hale, wearables, case):
    make, reason, patient_words = CASES[case]
    report = make(wearables)
    assert reason in report.index_withheld_reasons
    night = _store(alice, report, f"{case}.csv")
    assert night.plms_index is None and night.movements_per_hour is None
    assert night.moves_every_min is None

    login(client, alice.user)
    body = _main(client.get(reverse("wearables:night", args=[night.public_id])).content.decode())
    assert patient_words in body
    assert "Your clinician will look at this recording" in body
    for word in JARGON:
        assert word not in body, word
    assert "moved about every" not in body
    listing = _main(client.get(reverse("wearables:mine")).content.decode())
    assert ("no leg-movement figure" if case == "wrist" else "not enough sleep recorded") in listing
    assert "PLMS" not in listing
    text = _pdf_text(
        client.get(reverse("wearables:download", args=[night.public_id, "pdf"])).content
    )
    assert patient_words.split(".")[0] in text.replace("\r\n", " ").replace("\n", " ")
    for word in ("PLMS", "HDCZA", "WASM", "index"):
        assert word not in text, word

    CareAssignment.objects.create(patient=alice, clinician=hale.user, assigned_by=hale.user)
    login(client, hale.user)
    body = _main(client.get(reverse("wearables:night", args=[night.public_id])).content.decode())
    assert "PLMS index</dt><dd>— (withheld)" in body
    assert f'data-withheld="{" ".join(report.index_withheld_reasons)}"' in body
    assert "Movements per hour</dt><dd>—" in body
    assert "Moves every</dt><dd>— (withheld)" in body
    assert "above the cut-off" not in body
    text = _pdf_text(
        client.get(reverse("wearables:download", args=[night.public_id, "pdf"])).content
    )
    assert re.search(r"PLMS index\s*— \(", text)
    patient_pdf = client.get(
        reverse("wearables:download", args=[night.public_id, "patient-pdf"])
    ).content
    assert "PLMS" not in _pdf_text(patient_pdf)


def test_a_plausible_ankle_night_reads_plainly_for_the_patient(client, alice, hale):
    report = analyze_recording(_simulated(23), body_location="ankle")
    assert not report.index_withheld_reasons
    night = _store(alice, report, "ankle.csv")
    every = round(report.moves_every_min)
    login(client, alice.user)
    body = _main(client.get(reverse("wearables:night", args=[night.public_id])).content.decode())
    assert f"your legs moved about every {every} minutes" in body
    assert f"“Moves about every {every} minutes” is the typical time" in body
    assert "The monitor recorded the movements of the ankle for 3 hours" in body
    for word in JARGON:
        assert word not in body, word
    text = _pdf_text(
        client.get(reverse("wearables:download", args=[night.public_id, "pdf"])).content
    )
    assert f"about every {every} minutes" in text.replace("\r\n", " ").replace("\n", " ")
    CareAssignment.objects.create(patient=alice, clinician=hale.user, assigned_by=hale.user)
    login(client, hale.user)
    body = _main(client.get(reverse("wearables:night", args=[night.public_id])).content.decode())
    assert f"{report.plms_index:.1f} per hour</strong>" in body
    assert "ankle (given at upload)" in body
    text = _pdf_text(
        client.get(reverse("wearables:download", args=[night.public_id, "pdf"])).content
    )
    assert f"{report.plms_index:.1f} /h" in text


def test_upload_asks_where_the_monitor_was_worn(client, alice, real_file):
    login(client, alice.user)
    page = client.get(reverse("wearables:mine")).content.decode()
    assert "Where was the monitor worn?" in page and 'value="ankle"' in page
    response = client.post(
        reverse("wearables:mine"),
        {"file": SimpleUploadedFile("n.bin", real_file("GENEActiv_testfile.bin"))},
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Recording.objects.filter(patient=alice).exists()
