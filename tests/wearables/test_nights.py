# SPDX-License-Identifier: AGPL-3.0-or-later
"""Upload to night page: storage, the task, duplicates, failures, re-runs, downloads."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from helpers import login
from nervepath.science.movement.report import NIGHT_REPORT_SCHEMA_VERSION
from nervepath.wearables import compare, engine, services
from nervepath.wearables.events import TreatmentEvent
from nervepath.wearables.models import Analysis, Night, Recording, State

# Also run on PostgreSQL (make test-postgres): uniqueness and atomic replacement.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _upload(client, url, name, data, body_location="ankle"):
    return client.post(
        url, {"file": SimpleUploadedFile(name, data), "body_location": body_location}
    )


def _care(patient, clinician):
    from nervepath.access.models import CareAssignment

    CareAssignment.objects.create(
        patient=patient, clinician=clinician.user, assigned_by=clinician.user
    )


def _run_all() -> None:
    for pk in Analysis.objects.filter(state=State.QUEUED).values_list("pk", flat=True):
        services.run_analysis(pk)


def test_patient_uploads_and_sees_the_night(
    client, alice, hale, real_file, django_capture_on_commit_callbacks
):
    login(client, alice.user)
    data = real_file("ax3_testfile.cwa")
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, reverse("wearables:mine"), "night.cwa", data)
    assert response.status_code == 302
    recording = Recording.objects.get(patient=alice)
    assert recording.size == len(data)
    assert recording.file_format == ".cwa"
    assert recording.original_name == "night.cwa"
    assert recording.body_location == "ankle"
    assert "night" not in recording.storage_name
    assert recording.analysis.state == State.QUEUED
    assert recording.analysis.task_id  # enqueued in the database backend
    status = client.get(reverse("wearables:status", args=[recording.public_id])).json()
    assert status["state"] == "queued" and not status["finished"]

    assert services.run_analysis(recording.analysis.pk) == State.DONE
    night = Night.objects.get(recording=recording)
    # A three-minute daytime test file, worn at the right wrist by its header: too
    # little sleep for an index and not the leg; the pages say so in their own words.
    assert night.plms_index is None and night.movements_per_hour is None
    assert night.report["index_withheld"].startswith("No index:")
    assert night.report["index_withheld_reasons"] == ["too_little_sleep", "not_leg"]
    assert night.report["body_location"] == "wrist"
    assert night.report["device"].startswith("Axivity")
    status = client.get(reverse("wearables:status", args=[recording.public_id])).json()
    assert status["finished"] and status["nights"] == [
        reverse("wearables:night", args=[night.public_id])
    ]
    page = client.get(reverse("wearables:night", args=[night.public_id]))
    body = page.content.decode()
    # The patient's page: plain words, no index, no jargon, no alarm.
    assert "Not enough sleep recorded" in body
    assert "The monitor was worn at the wrist" in body
    assert "Your clinician will look at this recording" in body
    for word in ("PLMS", "PLM", "WASM", "HDCZA", "index", "per hour", "cut-off", "flag"):
        assert word not in body.split("<main")[-1], word
    figure = client.get(reverse("wearables:figure", args=[night.public_id]))
    assert figure["Content-Type"] == "image/png" and figure.content.startswith(b"\x89PNG")
    js = client.get(reverse("wearables:download", args=[night.public_id, "json"]))
    assert js["Content-Disposition"].startswith("attachment")
    assert js["X-Content-Type-Options"] == "nosniff"
    assert json.loads(js.content)["plms_index"] is None
    csv = client.get(reverse("wearables:download", args=[night.public_id, "csv"]))
    assert csv.content.decode().splitlines()[0].startswith("onset_s")
    pdf = client.get(reverse("wearables:download", args=[night.public_id, "pdf"]))
    assert (
        pdf.content.startswith(b"%PDF-")
        and pdf.content.count(b"/Type /Page\n")
        + pdf.content.count(b"/Type /Page ")
        + pdf.content.count(b"/Type /Page>")
        >= 1
    )
    assert b"/Count 1" in pdf.content  # one page
    assert pdf["Content-Disposition"].endswith('-summary.pdf"')  # the patient's version
    raw = client.get(reverse("wearables:file", args=[recording.public_id]))
    assert b"".join(raw.streaming_content) == data
    # The clinician's page keeps every detail, and still shows no number.
    _care(alice, hale)
    login(client, hale.user)
    body = client.get(reverse("wearables:night", args=[night.public_id])).content.decode()
    assert "sleep could be scored, less than the 60 min an index needs" in body
    assert "right wrist (file header)" in body and "ICSD-3" in body
    assert "per hour</strong>" not in body and "above the cut-off" not in body
    pdf = client.get(reverse("wearables:download", args=[night.public_id, "pdf"]))
    assert pdf["Content-Disposition"].endswith(f'night-{night.night_of}.pdf"')


#: The night report as stored before it carried a schema version (the fields the night
#: page and the PDF read; ``to_dict`` wrote NaN as null).
_VERSION_1_REPORT = {
    "file": "night.cwa",
    "device": "Axivity AX3",
    "signal": "accelerometer",
    "rules": "WASM 2016",
    "recording_start": "2026-03-01T21:00:00",
    "sleep_window_start": "2026-03-01T23:10:00",
    "sleep_window_end": "2026-03-02T06:40:00",
    "sleep_window_method": "HDCZA",
    "n_leg_movements": 240,
    "n_plms": 140,
    "moves_every_min": None,
    "notes": ["Marker-note-stored-v1"],
}


def test_a_night_stored_before_the_schema_version_still_shows(client, alice, hale):
    recording = Recording.objects.create(
        patient=alice,
        uploaded_by=alice.user,
        original_name="night.cwa",
        storage_name="test/v1-night.cwa",
        size=10,
        sha256="a" * 64,
        file_format=".cwa",
    )
    night = Night.objects.create(
        recording=recording,
        patient=alice,
        night_of=timezone.localdate() - timedelta(days=3),
        plms_index=18.7,
        sleep_window_start=timezone.now() - timedelta(days=2),
        sleep_window_end=timezone.now() - timedelta(days=2) + timedelta(hours=7),
        report=_VERSION_1_REPORT,
        engine_version="old",
    )
    assert night.night_report.n_plms == 140 and night.night_report.n_plm == 0
    _care(alice, hale)
    login(client, hale.user)
    body = client.get(reverse("wearables:night", args=[night.public_id])).content.decode()
    assert "Axivity AX3 · accelerometer · rules WASM 2016" in body
    assert "23:10 – 06:40 (device clock; HDCZA)" in body
    assert "240 (" in body and "140 periodic in sleep)" in body and "Marker-note-stored-v1" in body
    pdf = client.get(reverse("wearables:download", args=[night.public_id, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    # What the engine stores today carries the version its reader checks.
    stored = json.loads(
        client.get(reverse("wearables:download", args=[night.public_id, "json"])).content
    )
    assert stored == _VERSION_1_REPORT
    assert "schema_version" in engine.result_from_report(night.night_report, figure=False).report


def test_night_page_shows_signal_quality_and_scored_time(client, alice, hale):
    from nervepath.science.movement import analyze_recording
    from science.movement.simulate import simulate_emg_night

    rec, _ = simulate_emg_night(12, hours=1.5)
    rec.channels["left"][int(600 * rec.fs) : int(900 * rec.fs)] = 0.0  # 5 min flat line
    report = analyze_recording(rec, file="study.edf")
    result = engine.result_from_report(report, figure=False)
    recording = Recording.objects.create(
        patient=alice,
        uploaded_by=alice.user,
        original_name="study.edf",
        storage_name="test/study.edf",
        size=10,
        sha256="b" * 64,
        file_format=".edf",
    )
    night = Night.objects.create(
        recording=recording,
        patient=alice,
        night_of=timezone.localdate() - timedelta(days=2),
        plms_index=result.plms_index,
        total_sleep_h=result.total_sleep_h,
        report=result.report,
        engine_version="test",
    )
    _care(alice, hale)
    login(client, hale.user)
    body = client.get(reverse("wearables:night", args=[night.public_id])).content.decode()
    assert "Signal quality" in body
    assert "1.4 h of sleep, 1.4 h of recording (1 stretch of poor signal left out)" in body
    assert "<td>left</td><td>180</td><td>10 (flat 10 )</td>" in body
    assert "<td>right</td><td>180</td><td>0</td>" in body
    pdf = client.get(reverse("wearables:download", args=[night.public_id, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_a_night_saved_by_a_newer_version_gets_a_sentence_not_a_server_error(client, alice):
    recording = Recording.objects.create(
        patient=alice,
        uploaded_by=alice.user,
        original_name="night.cwa",
        storage_name="test/newer-night.cwa",
        size=10,
        sha256="b" * 64,
        file_format=".cwa",
    )
    newer = {**_VERSION_1_REPORT, "schema_version": NIGHT_REPORT_SCHEMA_VERSION + 1}
    night = Night.objects.create(
        recording=recording,
        patient=alice,
        night_of=timezone.localdate() - timedelta(days=3),
        plms_index=18.7,
        report=newer,
        engine_version="newer",
    )
    login(client, alice.user)
    for url in (
        reverse("wearables:night", args=[night.public_id]),
        reverse("wearables:download", args=[night.public_id, "pdf"]),
    ):
        page = client.get(url)
        assert page.status_code == 409, url
        assert "saved by a newer version of nervepath" in page.content.decode()
    assert Night.objects.get(pk=night.pk).report == newer


def test_same_bytes_twice_are_recognised(
    client, alice, real_file, django_capture_on_commit_callbacks
):
    login(client, alice.user)
    data = real_file("GENEActiv_testfile.bin")
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, reverse("wearables:mine"), "a.bin", data)
    _run_all()
    files_before = sorted(default_storage.listdir(f"recordings/{alice.pk}")[1])
    response = _upload(client, reverse("wearables:mine"), "again.bin", data)
    assert response.status_code == 302
    assert Recording.objects.filter(patient=alice).count() == 1
    assert Analysis.objects.get().attempts == 1
    assert sorted(default_storage.listdir(f"recordings/{alice.pk}")[1]) == files_before
    page = client.get(reverse("wearables:mine")).content.decode()
    assert "already uploaded" in page


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("night.txt", b"hello", "not one of them"),
        ("night.cwa", b"", "empty"),
        ("night.cwa", b"%PDF-1.4 not a recording", "contents are not a .cwa recording"),
        ("night.gt3x", b"MD\x00\x00", "contents are not a .gt3x recording"),
    ],
)
def test_wrong_or_empty_files_are_refused(client, alice, name, data, message):
    login(client, alice.user)
    response = _upload(client, reverse("wearables:mine"), name, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Recording.objects.exists()
    assert not default_storage.exists(f"recordings/{alice.pk}") or not any(
        default_storage.listdir(f"recordings/{alice.pk}")[1]
    )


def test_too_large_is_refused_while_streaming(client, alice, settings, real_file):
    settings.NERVEPATH = {**settings.NERVEPATH, "MAX_RECORDING_MB": 1}
    login(client, alice.user)
    response = _upload(client, reverse("wearables:mine"), "small.gt3x", real_file("small.gt3x"))
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    assert not Recording.objects.exists()


def test_truncated_file_fails_with_a_reason_and_is_kept_then_rerun(
    client, alice, hale, real_file, django_capture_on_commit_callbacks
):
    login(client, alice.user)
    # Cut before its info.txt and its first record: nothing can be recovered (a file cut
    # later is read up to the cut, tests/science/movement/readers/test_errors.py).
    data = real_file("ggir_actigraph_testfile.gt3x")[:600]
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, reverse("wearables:mine"), "cut.gt3x", data)
    _run_all()
    analysis = Analysis.objects.get()
    assert analysis.state == State.FAILED
    assert analysis.error_code in {"corrupt_file", "unsupported_format", "unusable_file"}
    assert "damaged" in analysis.error_message or "not a file" in analysis.error_message
    assert default_storage.exists(analysis.recording.storage_name)
    page = client.get(reverse("wearables:mine")).content.decode()
    assert analysis.error_message.split(".")[0] in page
    # A patient cannot ask for a re-run; a clinician in care can.
    assert (
        client.post(reverse("wearables:rerun", args=[analysis.recording.public_id])).status_code
        == 403
    )
    from nervepath.access.models import CareAssignment

    CareAssignment.objects.create(patient=alice, clinician=hale.user, assigned_by=hale.user)
    login(client, hale.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wearables:rerun", args=[analysis.recording.public_id]))
    assert response.status_code == 302
    analysis.refresh_from_db()
    assert analysis.state == State.QUEUED and analysis.error_message == ""
    _run_all()
    analysis.refresh_from_db()
    assert analysis.state == State.FAILED and analysis.attempts == 2


def test_rerun_replaces_nights_never_duplicates(
    alice, real_file, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("n.cwa", real_file("ax3_testfile.cwa"))
    recording, _ = services.add_recording(alice, upload, by=alice.user)
    services.run_analysis(recording.analysis.pk)
    first = Night.objects.get(recording=recording)
    old_figure = first.figure_name
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.rerun(recording.analysis)
            services.run_analysis(recording.analysis.pk)
    assert Night.objects.filter(recording=recording).count() == 1
    assert not default_storage.exists(old_figure)  # replaced files are removed
    assert Analysis.objects.get().attempts == 3


@pytest.mark.parametrize(
    ("start", "words"), [("2000-01-01T22:00:00", "never set"), ("2099-05-01T22:00:00", "future")]
)
def test_device_clock_off_is_refused(start, words):
    report = engine.analyze_path(engine_path := str(_real("ax3_testfile.cwa")))[0]
    assert report.night_of == date(2019, 2, 25)

    def analyzer(path, **kw):
        from nervepath.science.movement import analyze_file

        r = analyze_file(path, **kw)
        r.recording_start = start
        return r

    with pytest.raises(engine.ImplausibleClockError, match=words):
        engine.analyze_path(engine_path, analyzer=analyzer)


def _real(name):
    from wearables.conftest import WEARABLES

    return WEARABLES / name


def test_clock_error_reads_as_a_clinician_sentence(alice, real_file, settings):
    upload = SimpleUploadedFile("n.cwa", real_file("ax3_testfile.cwa"))
    recording, _ = services.add_recording(alice, upload, by=alice.user)
    # The file says 2019; pretend the device clock ran far behind the clinic's.
    settings.WEARABLES_ANALYZER = "tests.wearables.test_nights.analyze_as_1999"
    services.run_analysis(recording.analysis.pk)
    recording.analysis.refresh_from_db()
    assert recording.analysis.error_code == "device_clock"
    assert recording.analysis.error_message.startswith("The device clock was wrong.")
    assert not Night.objects.exists()


def analyze_as_1999(path, **kw):
    from nervepath.science.movement import analyze_file

    report = analyze_file(path, **kw)
    report.recording_start = "1999-12-31T23:00:00"
    return report


def test_before_after_sentence_and_numbers():
    class N:
        def __init__(self, day, plms):
            self.night_of, self.plms_index = day, plms
            self.movements_per_hour, self.moves_every_min, self.total_sleep_h = plms * 2, 20, 7

    day = date(2026, 3, 10)
    nights = [N(day - timedelta(days=d), v) for d, v in [(1, 40), (3, 36), (5, 38), (30, 90)]]
    nights += [N(day + timedelta(days=d), v) for d, v in [(0, 14), (2, 12), (4, 10)]]
    event = TreatmentEvent("appointment-1", day, "Diagnostic nerve block", "block")
    result = compare.compare(nights, event, days=14)
    plms = result.rows[0]
    assert (plms.before.n, plms.before.median, plms.before.low, plms.before.high) == (3, 38, 36, 40)
    assert (plms.after.n, plms.after.median) == (3, 12)
    assert plms.change == -26
    assert result.sentence == (
        "PLMS index fell from a median of 38/h over 3 nights before the diagnostic nerve "
        "block on March 10, 2026 to 12/h over 3 nights after."
    )


def test_clinician_sees_timeline_and_comparison(client, alice, hale, clinic, real_file, frontdesk):
    from nervepath.access.models import CareAssignment
    from nervepath.scheduling.models import Appointment, AppointmentType, Status

    # The sample recording's night is years back, so the block two days before it is past
    # the care lapse (NERVEPATH_CARE_LAPSE_DAYS): the front desk assigns Dr Hale.
    CareAssignment.objects.create(
        clinician=hale.user, patient=alice, assigned_by=frontdesk, reason="Follows her nights"
    )

    recording, _ = services.add_recording(
        alice, SimpleUploadedFile("n.cwa", real_file("ax3_testfile.cwa")), by=alice.user
    )
    services.run_analysis(recording.analysis.pk)
    night = Night.objects.get()
    block = AppointmentType.objects.get(slug="nerve-block")
    when = timezone.make_aware(
        datetime.combine(night.night_of - timedelta(days=2), datetime.min.time().replace(hour=10))
    )
    appt = Appointment.objects.create(
        patient=alice, clinician=hale, location=clinic["fort-collins"], appointment_type=block,
        starts_at=when, ends_at=when + timedelta(minutes=45), blocked_from=when,
        blocked_until=when + timedelta(minutes=45), status=Status.COMPLETED,
    )  # fmt: skip
    login(client, hale.user)
    url = reverse("wearables:patient", args=[alice.pk])
    page = client.get(url, {"event": f"appointment-{appt.pk}", "days": 14}).content.decode()
    assert "Diagnostic nerve block" in page
    assert "No night with a PLMS index was recorded before" in page
    svg = client.get(reverse("wearables:timeline", args=[alice.pk]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert b"Diagnostic nerve block" in svg.content


def test_a_three_night_file_gives_three_nights_and_reruns_keep_three(
    alice, tmp_path, django_capture_on_commit_callbacks
):
    from nervepath.demo.wearables import night_start
    from nervepath.science.movement.simulate import simulate_accel_night, write_accel_csv

    first = date(2026, 3, 1)
    parts = [
        simulate_accel_night(
            k, hours=3.0, fs=10.0, start=night_start(first + timedelta(days=k), 0)
        )[0]
        for k in range(3)
    ]
    path = write_accel_csv(parts, tmp_path / "three.csv")
    upload = SimpleUploadedFile("three.csv", path.read_bytes())
    recording, _ = services.add_recording(alice, upload, by=alice.user)
    assert services.run_analysis(recording.analysis.pk) == State.DONE
    nights = list(Night.objects.filter(recording=recording).order_by("night_of"))
    assert [n.night_of for n in nights] == [first + timedelta(days=k) for k in range(3)]
    assert len({n.figure_name for n in nights}) == 3
    assert all(default_storage.exists(n.figure_name) for n in nights)
    assert all(n.report["total_recording_h"] == pytest.approx(3.0, abs=0.01) for n in nights)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.rerun(recording.analysis)
        services.run_analysis(recording.analysis.pk)
    assert Night.objects.filter(recording=recording).count() == 3
    assert not any(default_storage.exists(n.figure_name) for n in nights)  # replaced


def test_treatment_events_follow_the_types_treatment_not_its_slug(alice, hale, clinic):
    """A clinic names its types as it likes: what makes a visit a treatment on the nights
    timeline is the type's ``treatment`` field (issue 14), never the demo's slugs."""
    from nervepath.scheduling.models import Appointment, AppointmentType, Status, Treatment
    from nervepath.wearables import events

    assert AppointmentType.objects.get(slug="nerve-block").treatment == Treatment.BLOCK
    renamed = AppointmentType.objects.create(
        slug="tunnel-injection", name="Tunnel injection", duration_minutes=45,
        treatment=Treatment.BLOCK,
    )  # fmt: skip
    plain = AppointmentType.objects.get(slug="nerve-block")
    plain.treatment = Treatment.NONE  # this clinic's "nerve-block" is a consultation
    plain.save(update_fields=["treatment"])
    laser = AppointmentType.objects.get(slug="laser")
    start = timezone.now() - timedelta(days=30)
    made = {}
    for n, kind in enumerate((renamed, plain, laser)):
        when = start + timedelta(days=n)
        made[kind.slug] = Appointment.objects.create(
            patient=alice, clinician=hale, location=clinic["fort-collins"],
            appointment_type=kind, starts_at=when, ends_at=when + kind.duration,
            blocked_from=when, blocked_until=when + kind.duration, status=Status.COMPLETED,
        )  # fmt: skip
    found = {e.key: e.kind for e in events.completed_treatments(alice)}
    assert found == {
        f"appointment-{made['tunnel-injection'].pk}": "block",
        f"appointment-{made['laser'].pk}": "therapy",
    }
