# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course of care: a patient's whole path from consultation to the 12-month follow-up,
recorded through the models, read back as events, an at-a-glance summary, a swimlane
SVG and a page; plus the pathway's treatment events for the nights timeline."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpers import login
from nervepath.assessment.services import record_response
from nervepath.audit.models import AuditEvent
from nervepath.demo import assessment as demo
from nervepath.pathway import timeline
from nervepath.pathway.models import (
    CandidacyReview,
    CourseStatus,
    FollowUp,
    FollowUpStatus,
    Medication,
    Modality,
    MonitoringReading,
    NerveBlock,
    ReliefEntry,
    SessionStatus,
    Surgery,
    SurgeryStatus,
    TherapyCourse,
    TherapySession,
)
from nervepath.wearables import events as wearable_events
from nervepath.wearables.models import Night, Recording

from .conftest import past_visit

SVG = "{http://www.w3.org/2000/svg}"


def today() -> date:
    return timezone.localdate()


def shown(day: date) -> str:
    """A date as the course writes it (the year only outside this year)."""
    return f"{day:%b %-d}" if day.year == today().year else f"{day:%b %-d, %Y}"


def noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def add_night(patient, day: date, plms: float | None) -> Night:
    tag = uuid.uuid4().hex
    recording = Recording.objects.create(
        patient=patient,
        uploaded_by=patient.user,
        original_name=f"night-{day}.csv",
        storage_name=f"test/{tag}.csv",
        size=10,
        sha256=tag + tag,
        file_format="csv",
    )
    return Night.objects.create(
        recording=recording,
        patient=patient,
        night_of=day,
        plms_index=plms,
        report={},
        engine_version="test",
    )


def add_block(patient, by, day: date, relief: list[int], leg: str = "right") -> NerveBlock:
    block = NerveBlock.objects.create(
        patient=patient,
        given_on=day,
        leg=leg,
        injections=[
            {"site": "common_peroneal", "agent": "Lidocaine 1%", "volume_ml": 2.0},
            {"site": "tibial", "agent": "Lidocaine 1%", "volume_ml": 3.0},
        ],
        given_by=by,
    )
    ReliefEntry.objects.bulk_create(
        ReliefEntry(
            block=block,
            patient=patient,
            day=day + timedelta(days=n),
            relief_pct=pct,
            sleep_hours=Decimal("6.5"),
        )
        for n, pct in enumerate(relief)
    )
    return block


def add_surgery(patient, hale, location, day, leg, status, **kw) -> Surgery:
    return Surgery.objects.create(
        patient=patient,
        leg=leg,
        operated_on=day,
        surgeon=hale,
        location=location,
        tunnels=["common_peroneal", "tibial"],
        status=status,
        **kw,
    )


def add_reading(surgery, nerve, phase, amplitude) -> MonitoringReading:
    return MonitoringReading.objects.create(
        surgery=surgery, patient=surgery.patient, nerve=nerve, phase=phase, amplitude_uv=amplitude
    )


def add_therapy(patient, by, start: date, done: int, missed: int, planned: int) -> TherapyCourse:
    therapy = TherapyCourse.objects.create(
        patient=patient,
        modality=Modality.ESTIM,
        planned_sessions=done + missed + planned,
        clinician=by,
        started_on=start,
    )
    statuses = [SessionStatus.DONE] * done + [SessionStatus.MISSED] * missed
    statuses += [SessionStatus.PLANNED] * planned
    TherapySession.objects.bulk_create(
        TherapySession(
            course=therapy,
            patient=patient,
            number=n,
            on_date=start + timedelta(days=3 * (n - 1)),
            status=status,
        )
        for n, status in enumerate(statuses, start=1)
    )
    return therapy


def add_medication_change(
    patient, name, start, change, first, second
) -> tuple[Medication, Medication]:
    old = Medication.objects.create(
        patient=patient,
        name=name,
        dose=Decimal(first),
        unit="mg",
        frequency="at bedtime",
        started_on=start,
    )
    old.stopped_on = change
    old.stop_reason = "Symptoms back by midnight"
    old.save()
    new = Medication.objects.create(
        patient=patient,
        name=name,
        dose=Decimal(second),
        unit="mg",
        frequency="at bedtime",
        started_on=change,
        replaces=old,
        side_effects="Dizzy in the mornings",
    )
    return old, new


@pytest.fixture
def story(alice, hale, clinic, in_care):
    """Alice's course: consultation, IRLS 28 → 12, nights before and after, a right block
    with 6 days of relief confirmed by Dr Hale, the right leg decompressed 12 days ago
    (common peroneal 50 → 140 µV), the left planned 3 weeks after it, follow-ups to 12
    months, an electrical-stimulation course (6 of 10 sessions) and gabapentin changed
    once."""
    t = today()
    fort = clinic["fort-collins"]
    consult = past_visit(alice, hale, fort, "new-patient", 70)
    by = hale.user
    record_response(alice, "irls", demo.irls(28), by=alice.user, when=noon(t - timedelta(70)))
    record_response(alice, "pain_nrs", demo.pain(7, 6), by=alice.user, when=noon(t - timedelta(70)))
    record_response(
        alice,
        "symptom_history",
        demo.history(medications=["gabapentin"], progressive_weakness="yes"),
        by=alice.user,
        when=noon(t - timedelta(70)),
    )
    record_response(alice, "irls", demo.irls(12), by=alice.user, when=noon(t - timedelta(4)))
    record_response(alice, "pain_nrs", demo.pain(3, 2), by=alice.user, when=noon(t - timedelta(4)))
    for k, plms in ((66, 41.5), (65, 38.0), (8, 12.0), (7, 9.5)):
        add_night(alice, t - timedelta(k), plms)
    block = add_block(alice, by, t - timedelta(45), [80, 90, 70, 75, 60, 55, 10, 5, 0, 10])
    CandidacyReview.objects.create(
        block=block,
        patient=alice,
        computed="candidate",
        relief_days=6,
        decision="candidate",
        decided_by=by,
    )
    right = add_surgery(alice, hale, fort, t - timedelta(12), "right", SurgeryStatus.DONE)
    add_reading(right, "common_peroneal", "before", 50)
    add_reading(right, "common_peroneal", "after", 140)
    add_reading(right, "tibial", "before", 80)
    add_reading(right, "tibial", "after", 100)
    left = add_surgery(
        alice, hale, fort, t + timedelta(9), "left", SurgeryStatus.PLANNED, first_leg=right
    )
    for days, label in ((14, "2 weeks"), (91, "3 months"), (365, "12 months")):
        FollowUp.objects.create(
            surgery=right,
            patient=alice,
            label=label,
            days_after=days,
            due_on=right.operated_on + timedelta(days),
        )
    therapy = add_therapy(alice, by, t - timedelta(24), done=6, missed=1, planned=3)
    old, new = add_medication_change(
        alice, "Gabapentin", t - timedelta(60), t - timedelta(30), "300", "600"
    )
    return {
        "consult": consult,
        "block": block,
        "right": right,
        "left": left,
        "therapy": therapy,
        "old": old,
        "new": new,
    }


# -- the events --------------------------------------------------------------------------


def test_events_in_order_with_titles_and_details(alice, story):
    course = timeline.course(alice)
    days = [e.day for e in course.events]
    assert days == sorted(days)
    assert set(course.counts) == set(timeline.KINDS)
    assert all(course.counts[k] for k in timeline.KINDS)

    treatments = [
        (e.kind, e.title)
        for e in course.events
        if e.kind in ("block", "surgery", "medication") or e.title.endswith("course started")
    ]
    assert treatments == [
        ("medication", "Started Gabapentin 300 mg at bedtime"),
        ("block", "Nerve block, right leg"),
        ("medication", "Changed Gabapentin: 300 mg → 600 mg"),
        ("therapy", "Electrical stimulation course started"),
        ("surgery", "Decompression, right leg"),
        ("surgery", "Decompression, left leg"),
    ]
    (block,) = course.of_kind("block")
    assert "6 days of relief" in block.detail
    assert "likely surgical candidate, confirmed by Dr Hale" in block.detail
    assert "Common peroneal nerve, Tibial nerve" in block.detail
    right, left = course.of_kind("surgery")
    assert "Common peroneal nerve: amplitude +180 % (50 → 140 µV)" in right.detail
    assert "Tibial nerve: amplitude +25 % (80 → 100 µV)" in right.detail
    assert right.status == "done" and left.status == "planned"
    (change,) = [e for e in course.of_kind("medication") if e.status == "change"]
    assert "was Gabapentin 300 mg at bedtime" in change.detail
    assert "Symptoms back by midnight" in change.detail

    irls = [e for e in course.of_kind("questionnaire") if e.group == "irls"]
    assert [e.value for e in irls] == [28, 12]
    assert irls[0].detail == "IRLS total 28 of 40 (severe)"
    history = next(e for e in course.of_kind("questionnaire") if e.group == "symptom_history")
    assert "1 red flag (urgent)" in history.detail
    assert [e.value for e in course.of_kind("night")] == [41.5, 38.0, 12.0, 9.5]
    assert "PLMS index 41.5/h (above 15/h)" in course.of_kind("night")[0].detail

    therapy = course.of_kind("therapy")
    assert therapy[0].detail == ("10 sessions planned · 6 of 10 sessions done, 1 missed, 3 planned")
    assert [e.status for e in therapy[1:]] == ["done"] * 6 + ["missed"] + ["planned"] * 3
    follow_ups = course.of_kind("follow_up")
    assert [e.title for e in follow_ups] == [
        "2 weeks follow-up, right leg",
        "3 months follow-up, right leg",
        "12 months follow-up, right leg",
    ]


def test_links_go_to_each_kind_of_page(alice, story):
    course = timeline.course(alice)
    visit = next(e for e in course.of_kind("visit") if e.obj == story["consult"])
    assert visit.url == reverse("scheduling:staff_appointment", args=[story["consult"].pk])
    assert visit.title == "New-patient consultation"
    assert "Dr Hale" in visit.detail
    assert all(
        e.url == reverse("assessment:summary", args=[alice.pk])
        for e in course.of_kind("questionnaire")
    )
    night = course.of_kind("night")[0]
    assert night.url == reverse("wearables:night", args=[night.obj.public_id])
    for event in course.of_kind("surgery") + course.of_kind("block"):
        own = getattr(event.obj, "get_absolute_url", None)
        assert event.url == (own() if own else "")


def test_at_a_glance(alice, story):
    t = today()
    glance = timeline.course(alice).glance
    assert glance.stage == [
        f"Right leg decompressed 12 days ago ({shown(t - timedelta(12))}); "
        f"left leg planned {shown(t + timedelta(9))}",
        "Electrical stimulation: 6 of 10 sessions",
    ]
    irls, pain, plms = glance.measures
    assert irls.text == "28 → 12 (-16)"
    assert pain.text == "7 → 3 (-4)"
    assert plms.text == "41.5 → 9.5/h (-32)"
    assert glance.candidacy == [
        f"Right leg: likely surgical candidate — 6 days of relief after the block of "
        f"{shown(t - timedelta(45))}, confirmed by Dr Hale"
    ]
    assert glance.next_follow_up == (
        f"2 weeks follow-up (right leg) due {shown(t + timedelta(2))}, to book"
    )
    assert glance.medications == [
        f"Gabapentin 600 mg at bedtime, since {shown(t - timedelta(30))} "
        "(side effects: Dizzy in the mornings)"
    ]
    assert [f["severity"] for f in glance.flags] == ["urgent"]
    assert glance.flags_on == t - timedelta(70)


def test_stage_before_surgery_names_the_block(alice, hale):
    t = today()
    block = add_block(alice, hale.user, t - timedelta(20), [80] * 6 + [0] * 8)
    CandidacyReview.objects.create(
        block=block,
        patient=alice,
        computed="candidate",
        relief_days=6,
        decision="candidate",
        decided_by=hale.user,
    )
    glance = timeline.course(alice).glance
    assert glance.stage == [
        f"Nerve block {shown(t - timedelta(20))}, right: 6 days of relief — "
        "likely surgical candidate, confirmed by Dr Hale"
    ]


def test_an_empty_record_reads_plainly(alice):
    course = timeline.course(alice)
    assert course.events == []
    assert course.glance.stage == ["Nothing recorded yet"]
    assert course.glance.next_follow_up == "none scheduled"
    assert [m.text for m in course.glance.measures] == ["not measured yet"] * 3
    root = ET.fromstring(timeline.course_svg(course))
    assert root.get("role") == "img"
    assert "nothing recorded yet" in root.get("aria-label", "")


def test_invalid_stored_readings_are_shown_without_a_change(alice, hale, clinic):
    surgery = add_surgery(
        alice, hale, clinic["fort-collins"], today() - timedelta(3), "right", SurgeryStatus.DONE
    )
    add_reading(surgery, "tibial", "after", 120)  # no baseline
    (event,) = timeline.course(alice).of_kind("surgery")
    assert "Tibial nerve after: 120 µV" in event.detail
    assert "no change computed" in event.detail


def test_overridden_block_and_incomplete_diary(alice, hale):
    block = add_block(alice, hale.user, today() - timedelta(3), [90, 90])
    (event,) = timeline.course(alice).of_kind("block")
    assert "2 days of relief (2 of 14 diary days filled)" in event.detail
    assert "not yet reviewed" in event.detail
    CandidacyReview.objects.create(
        block=block,
        patient=alice,
        computed="undetermined",
        relief_days=2,
        decision="not_candidate",
        decided_by=hale.user,
    )
    (event,) = timeline.course(alice).of_kind("block")
    assert "Dr Hale decided: not a candidate (overriding nervepath's verdict)" in event.detail


# -- the figure --------------------------------------------------------------------------


def test_svg_is_well_formed_with_one_mark_per_event(alice, story):
    course = timeline.course(alice)
    root = ET.fromstring(timeline.course_svg(course))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert "Alice Archer" in root.get("aria-label", "")
    marks = [el for el in root.iter() if "mark" in (el.get("class") or "").split()]
    for kind in timeline.KINDS:
        of_kind = [m for m in marks if m.get("data-kind") == kind]
        assert len(of_kind) == course.counts[kind], kind
        assert all(m.find(f"{SVG}title") is not None for m in of_kind)
    labels = [el.text for el in root.iter(f"{SVG}text")]
    assert [label for label in labels if label in timeline.KIND_LABELS.values()] == list(
        timeline.KIND_LABELS.values()
    )
    assert "today" in labels
    assert "6 d" in labels  # the relief bar of the block
    assert "later" in labels  # the 12-month follow-up is beyond the three months drawn
    assert "shown in the column marked later" in root.get("aria-label", "")
    # This month's tick: "Jan 2027" in January (the year is named there), "Feb" after.
    assert {f"{today():%b}", f"{today():%b %Y}"} & set(labels)
    assert root.find(f".//{SVG}polyline") is not None  # the IRLS line


def test_svg_escapes_patient_entered_text(alice, story):
    Medication.objects.create(
        patient=alice,
        name="<script>alert(1)</script>",
        dose=Decimal("1"),
        unit="mg",
        frequency='"&" twice',
        started_on=today() - timedelta(2),
    )
    svg = timeline.course_svg(timeline.course(alice))
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    root = ET.fromstring(svg)
    titles = [el.text or "" for el in root.iter(f"{SVG}title")]
    assert any("<script>alert(1)</script>" in t for t in titles)


# -- the page ----------------------------------------------------------------------------


def test_page_for_the_clinician_in_care(hale_client, alice, story):
    url = reverse("pathway:course", args=[alice.pk])
    before = AuditEvent.objects.filter(patient_id=alice.pk).count()
    response = hale_client.get(url)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(patient_id=alice.pk).count() == before + 1
    html = response.content.decode()
    assert "Course of care — Alice Archer" in html
    assert "Right leg decompressed 12 days ago" in html
    assert "amplitude +180 % (50 → 140 µV)" in html
    assert "6 days of relief" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "style=" not in html and "<script" not in html
    assert "pathway/pathway.css" in html
    # the months, newest first
    t = today()
    newest, oldest = (t + timedelta(365 - 12)).replace(day=1), (t - timedelta(70)).replace(day=1)
    assert html.index(f"{newest:%B %Y}") < html.index(f"{oldest:%B %Y}")


def test_kind_filter(hale_client, alice, story):
    url = reverse("pathway:course", args=[alice.pk])
    response = hale_client.get(url, {"kind": "surgery"})
    assert response.status_code == 200
    html = response.content.decode()
    events = html.split('<ol class="events">', 1)[1]
    assert "Decompression, right leg" in events
    assert "Started Gabapentin" not in events and "Nerve block, right leg" not in events
    assert events.count('<li class="event') == 2
    everything = hale_client.get(url, {"kind": "<bogus>"})
    assert everything.status_code == 200
    assert everything.content.decode().count('<li class="event') == len(
        timeline.course(alice).events
    )
    assert "&lt;bogus&gt;" not in everything.content.decode()


def test_record_page_links_to_the_course(hale_client, alice, story):
    html = hale_client.get(reverse("access:patient", args=[alice.pk])).content.decode()
    assert reverse("pathway:course", args=[alice.pk]) in html
    assert "Course of care" in html


def test_front_desk_gets_403(client, frontdesk, alice, in_care):
    login(client, frontdesk)
    assert client.get(reverse("pathway:course", args=[alice.pk])).status_code == 403


def test_unrelated_clinician_gets_404(client, okafor, alice, in_care):
    login(client, okafor.user)
    assert client.get(reverse("pathway:course", args=[alice.pk])).status_code == 404


def test_anonymous_is_sent_to_sign_in_and_post_is_refused(client, hale_client, alice, in_care):
    url = reverse("pathway:course", args=[alice.pk])
    assert hale_client.post(url).status_code == 405
    hale_client.logout()
    assert client.get(url).status_code == 302


def _grow(alice, hale, clinic, offset: int) -> None:
    """Another round of every kind of record, ``offset`` days further back."""
    t = today() - timedelta(offset)
    fort = clinic["fort-collins"]
    past_visit(alice, hale, fort, "follow-up", offset + 1)
    past_visit(alice, hale, fort, "post-op", offset + 2)
    record_response(alice, "irls", demo.irls(20), by=alice.user, when=noon(t))
    record_response(alice, "pain_nrs", demo.pain(4, 4), by=alice.user, when=noon(t))
    add_night(alice, t, 20.0)
    add_night(alice, t - timedelta(1), 22.0)
    block = add_block(alice, hale.user, t - timedelta(20), [70] * 6, leg="left")
    CandidacyReview.objects.create(
        block=block,
        patient=alice,
        computed="candidate",
        relief_days=6,
        decision="candidate",
        decided_by=hale.user,
    )
    surgery = add_surgery(alice, hale, fort, t - timedelta(5), "left", SurgeryStatus.CANCELLED)
    add_reading(surgery, "tibial", "before", 70)
    FollowUp.objects.create(
        surgery=surgery,
        patient=alice,
        label="2 weeks",
        days_after=14,
        due_on=t + timedelta(9),
        status=FollowUpStatus.CANCELLED,
    )
    therapy = add_therapy(alice, hale.user, t - timedelta(30), done=4, missed=0, planned=0)
    therapy.status = CourseStatus.COMPLETED
    therapy.ended_on = t - timedelta(20)
    therapy.improvement_pct = 30
    therapy.save()
    add_medication_change(alice, "Ropinirole", t - timedelta(40), t - timedelta(10), "0.25", "0.5")


def test_query_count_stays_flat(
    hale_client, alice, hale, clinic, story, django_assert_max_num_queries
):
    url = reverse("pathway:course", args=[alice.pk])
    hale_client.get(url)  # warm caches (sessions, instruments)
    with CaptureQueriesContext(connection) as small:
        assert hale_client.get(url).status_code == 200
    size = len(timeline.course(alice).events)
    for offset in (100, 200, 300):
        _grow(alice, hale, clinic, offset)
    assert len(timeline.course(alice).events) > 2 * size
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert hale_client.get(url).status_code == 200


def test_each_lane_has_one_registered_source():
    """The pathway app registers one source per kind of record, in the lanes' order; a
    lane that does not exist, or a second source for a lane, is refused."""
    registered = timeline.registered_sources()
    assert [kind for kind, _ in registered] == list(timeline.KINDS)
    kind, source = registered[0]
    assert timeline.register_source(kind, source) is source  # again: harmless

    def other(patient, today):
        return timeline.Found()

    with pytest.raises(ValueError, match="No lane"):
        timeline.register_source("x-ray", other)
    with pytest.raises(ValueError, match="already come from"):
        timeline.register_source("visit", other)
    assert timeline.registered_sources() == registered


# -- treatment events for the nights timeline ------------------------------------------


def test_treatment_events_without_duplicates(alice, hale, clinic, story):
    fort = clinic["fort-collins"]
    t = today()
    visit = past_visit(alice, hale, fort, "nerve-block", 90)
    linked = add_block(alice, hale.user, visit.local_start.date(), [50] * 3, leg="left")
    linked.appointment = visit
    linked.save()
    surgery_visit = past_visit(alice, hale, fort, "surgery-right", 12)
    story["right"].appointment = surgery_visit
    story["right"].save()

    found = wearable_events.events_for(alice)
    keys = [e.key for e in found]
    assert len(keys) == len(set(keys))
    ours = {e.key: e for e in timeline.treatment_events(alice)}
    # the linked block and surgery are listed once, by their completed visits
    assert f"block-{linked.pk}" not in ours
    assert f"surgery-{story['right'].pk}" not in ours
    assert f"appointment-{visit.pk}" in keys and f"appointment-{surgery_visit.pk}" in keys
    # the unlinked block is listed by the pathway; the planned surgery is not yet a treatment
    assert ours[f"block-{story['block'].pk}"].day == t - timedelta(45)
    assert f"surgery-{story['left'].pk}" not in ours
    assert ours[f"therapy-course-{story['therapy'].pk}"].kind == "therapy"
    medication = sorted((e.day, e.label) for e in found if e.kind == "medication")
    assert medication == [
        (t - timedelta(60), "Started Gabapentin 300 mg"),
        (t - timedelta(30), "Gabapentin 300 → 600 mg"),
    ]
    story["new"].stopped_on = t - timedelta(1)
    story["new"].save()
    labels = [e.label for e in wearable_events.events_for(alice) if e.kind == "medication"]
    assert labels[-1] == "Stopped Gabapentin 600 mg"
    blocks_on_visit_day = [
        e
        for e in wearable_events.events_for(alice)
        if e.kind == "block" and e.day == linked.given_on
    ]
    assert len(blocks_on_visit_day) == 1
