# SPDX-License-Identifier: AGPL-3.0-or-later
"""The access policy's decisions, role by role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory, override_settings
from django.utils import timezone

from nervepath.access import policy
from nervepath.access.models import EmergencyAccess
from nervepath.access.policy import Scope
from nervepath.audit.models import Action, AuditEvent
from nervepath.scheduling import services


def _request(user):
    request = RequestFactory().get("/staff/patients/1/", REMOTE_ADDR="203.0.113.9")
    request.user = user
    request.request_id = "req-test-0001"  # type: ignore[attr-defined]  # as the middleware sets
    return request


@pytest.mark.parametrize("scope", list(Scope))
def test_a_patient_sees_only_their_own_record(alice_record, bob, scope):
    alice = alice_record["patient"]
    assert policy.decide(alice.user, alice.pk, scope).allowed
    refused = policy.decide(bob.user, alice.pk, scope)
    assert (refused.allowed, refused.status) == (False, 404)
    assert list(policy.visible_patients(bob.user, scope)) == [bob]


def test_clinicians_see_patients_in_their_care_only(alice_record, hale, okafor, lindqvist):
    alice = alice_record["patient"]
    assert policy.decide(hale.user, alice.pk, Scope.CLINICAL).allowed  # a visit with her
    assert policy.decide(okafor.user, alice.pk, Scope.CLINICAL).allowed  # assigned
    outsider = policy.decide(lindqvist.user, alice.pk, Scope.CLINICAL)
    assert (outsider.allowed, outsider.status) == (False, 404)
    assert alice not in policy.visible_patients(lindqvist.user, Scope.DEMOGRAPHICS)
    assert alice in policy.visible_patients(hale.user, Scope.CLINICAL)


def test_a_cancelled_visit_or_an_ended_assignment_takes_the_patient_off_the_list(
    alice_record, hale, okafor
):
    alice = alice_record["patient"]
    services.cancel(alice_record["appointment"], by=None)
    assert not policy.decide(hale.user, alice.pk, Scope.CLINICAL).allowed
    assignment = alice_record["assignment"]
    assignment.ended_at = timezone.now()
    assignment.save()
    assert not policy.decide(okafor.user, alice.pk, Scope.CLINICAL).allowed


def test_a_small_practice_can_open_all_records_to_all_clinicians(alice_record, lindqvist):
    alice = alice_record["patient"]
    with override_settings(NERVEPATH={**_nervepath(), "ALL_CLINICIANS_SEE_ALL": True}):
        assert policy.decide(lindqvist.user, alice.pk, Scope.CLINICAL).allowed
        assert alice in policy.visible_patients(lindqvist.user, Scope.CLINICAL)


def _nervepath() -> dict:
    from django.conf import settings

    return dict(settings.NERVEPATH)


@pytest.mark.parametrize("role_user", ["frontdesk", "admin_user"])
def test_front_desk_and_admins_see_demographics_and_visits_but_not_clinical_detail(
    alice_record, role_user, request
):
    user = request.getfixturevalue(role_user)
    alice = alice_record["patient"]
    assert policy.decide(user, alice.pk, Scope.DEMOGRAPHICS).allowed
    assert policy.decide(user, alice.pk, Scope.APPOINTMENTS).allowed
    clinical = policy.decide(user, alice.pk, Scope.CLINICAL)
    assert (clinical.allowed, clinical.status) == (False, 403)


@pytest.mark.parametrize("scope", list(Scope))
def test_researchers_reach_no_identifiable_record(alice_record, researcher, scope):
    decision = policy.decide(researcher, alice_record["patient"].pk, scope)
    assert (decision.allowed, decision.status) == (False, 403)
    assert not policy.visible_patients(researcher, scope).exists()


def test_an_unknown_id_is_a_404_like_any_other_patients(alice_record, hale, frontdesk):
    assert policy.decide(hale.user, 999_999, Scope.CLINICAL).status == 404
    assert policy.decide(frontdesk, 999_999, Scope.DEMOGRAPHICS).status == 404


def test_require_audits_both_the_read_and_the_refusal(alice_record, hale, lindqvist):
    alice = alice_record["patient"]
    policy.require(_request(hale.user), alice, Scope.CLINICAL, obj=alice_record["appointment"])
    read = AuditEvent.objects.get(action=Action.VIEW)
    assert (read.actor_id, read.actor_role, read.patient_id) == (
        hale.user.pk,
        "clinician",
        alice.pk,
    )
    assert read.object_type == "scheduling.appointment"
    assert read.object_id == str(alice_record["appointment"].pk)
    assert (read.ip, read.request_id, read.emergency) == ("203.0.113.9", "req-test-0001", False)
    with pytest.raises(Http404):
        policy.require(_request(lindqvist.user), alice, Scope.CLINICAL)
    denied = AuditEvent.objects.get(action=Action.DENIED)
    assert (denied.actor_id, denied.patient_id) == (lindqvist.user.pk, alice.pk)


def test_require_raises_403_for_a_role_without_the_scope(alice_record, frontdesk):
    with pytest.raises(PermissionDenied):
        policy.require(_request(frontdesk), alice_record["patient"], Scope.CLINICAL)
    assert AuditEvent.objects.filter(action=Action.DENIED, actor_id=frontdesk.pk).count() == 1


def test_emergency_access_opens_a_record_for_a_limited_time_and_flags_every_read(
    alice_record, lindqvist
):
    alice = alice_record["patient"]
    grant = policy.open_emergency_access(
        _request(lindqvist.user),
        alice,
        reason="Seen in the ER tonight with acute weakness",
        minutes=30,
    )
    assert grant.expires_at - grant.started_at == timedelta(minutes=30)
    decision = policy.require(_request(lindqvist.user), alice, Scope.CLINICAL)
    assert decision.emergency
    assert AuditEvent.objects.filter(action=Action.EMERGENCY, emergency=True).count() == 1
    assert AuditEvent.objects.get(action=Action.VIEW).emergency
    assert policy.emergency_patient_ids(lindqvist.user) == {alice.pk}
    # When the time is up, the record closes again.
    EmergencyAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now())
    assert not policy.decide(lindqvist.user, alice.pk, Scope.CLINICAL).allowed


@pytest.mark.parametrize(
    ("reason", "minutes", "message"),
    [("because", 30, "at least"), ("Seen in the ER tonight with weakness", 600, "durations")],
)
def test_emergency_access_needs_a_real_reason_and_a_short_time(
    alice_record, lindqvist, reason, minutes, message
):
    with pytest.raises(ValidationError, match=message):
        policy.open_emergency_access(
            _request(lindqvist.user), alice_record["patient"], reason=reason, minutes=minutes
        )
    assert not EmergencyAccess.objects.exists()
    assert not AuditEvent.objects.exists()


def test_only_clinicians_break_the_glass(alice_record, frontdesk, bob):
    for user in (frontdesk, bob.user):
        with pytest.raises(PermissionDenied):
            policy.open_emergency_access(
                _request(user), alice_record["patient"], reason="x" * 40, minutes=30
            )
    assert not EmergencyAccess.objects.exists()


# -- issue 22: no one starts a care relationship alone; care lapses ------------------------


def _visit(patient, clinician, *, days_from_now: int, status: str, basis: str):
    """A visit written directly (booking refuses the past), ``days_from_now`` away."""
    from helpers import kind
    from nervepath.scheduling.models import Appointment, Location

    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=days_from_now)
    visit_kind = kind("follow-up")
    return Appointment.objects.create(
        patient=patient,
        clinician=clinician,
        location=Location.objects.get(slug="fort-collins"),
        appointment_type=visit_kind,
        starts_at=start,
        ends_at=start + visit_kind.duration,
        blocked_from=start,
        blocked_until=start + visit_kind.duration,
        status=status,
        care_basis=basis,
    )


@pytest.mark.parametrize(
    ("status", "basis", "cares"),
    [
        ("booked", "patient", True),
        ("booked", "patient_confirmed", True),
        ("booked", "front_desk", True),
        ("booked", "caring_clinician", True),
        ("booked", "staff", False),  # a clinician not caring for her booked it
        ("held", "unconfirmed", False),  # nobody confirmed it from her mailbox
        ("booked", "anonymous", False),
        ("completed", "staff", True),  # it took place
        ("no_show", "patient", False),
        ("cancelled", "patient", False),
    ],
)
def test_only_visits_that_someone_other_than_the_clinician_made_real_confer_care(
    bob, lindqvist, status, basis, cares
):
    _visit(bob, lindqvist, days_from_now=10, status=status, basis=basis)
    for scope in Scope:
        assert policy.decide(lindqvist.user, bob.pk, scope).allowed is cares
    assert (bob in policy.visible_patients(lindqvist.user, Scope.CLINICAL)) is cares


@pytest.mark.parametrize(("days_ago", "cares"), [(30, True), (364, True), (366, False)])
def test_care_lapses_a_set_time_after_the_last_visit(bob, lindqvist, days_ago, cares):
    _visit(bob, lindqvist, days_from_now=-days_ago, status="completed", basis="patient")
    assert policy.decide(lindqvist.user, bob.pk, Scope.CLINICAL).allowed is cares


def test_the_lapse_is_a_setting_and_an_upcoming_visit_keeps_care(bob, lindqvist, settings):
    _visit(bob, lindqvist, days_from_now=-40, status="completed", basis="patient")
    settings.NERVEPATH = {**settings.NERVEPATH, "CARE_LAPSE_DAYS": 30}
    assert not policy.decide(lindqvist.user, bob.pk, Scope.CLINICAL).allowed
    _visit(bob, lindqvist, days_from_now=60, status="booked", basis="patient")
    assert policy.decide(lindqvist.user, bob.pk, Scope.CLINICAL).allowed


def test_the_booking_basis_follows_who_booked(alice_record, bob, hale, lindqvist, frontdesk):
    from nervepath.scheduling.care import booking_basis
    from nervepath.scheduling.models import CareBasis

    alice = alice_record["patient"]
    assert booking_basis(alice.user, alice) == CareBasis.PATIENT
    assert booking_basis(frontdesk, alice) == CareBasis.FRONT_DESK
    assert booking_basis(hale.user, alice) == CareBasis.CARING_CLINICIAN
    assert booking_basis(lindqvist.user, alice) == CareBasis.STAFF
    assert booking_basis(None, alice, held=True) == CareBasis.UNCONFIRMED
    assert booking_basis(None, alice, confirmed_by_mail=True) == CareBasis.PATIENT_CONFIRMED
    with pytest.raises(PermissionDenied):
        booking_basis(bob.user, alice)


def test_every_booking_path_asks_the_policy(alice_record, hale, lindqvist, frontdesk):
    """services.book (staff form, public form signed in, API, pathway helpers) stores
    the policy's answer: a booking by a clinician not caring for her confers nothing; one
    by a clinician caring for her puts her in the colleague's care too."""
    from nervepath.scheduling import availability
    from nervepath.scheduling.models import CareBasis

    alice = alice_record["patient"]

    def free_time():
        now = timezone.now()
        for kind in lindqvist.appointment_types.filter(active=True):
            for location in kind.locations.filter(working_hours__clinician=lindqvist):
                slots = availability.free_slots(
                    kind,
                    [location],
                    timezone.localdate() + timedelta(days=2),
                    21,
                    window=availability.staff_window(now),
                    clinician_ids=[lindqvist.id],
                )
                taken = [a.starts_at for a in alice.appointments.all()]
                for slot in slots:  # not at the time of one of her own visits
                    if all(abs(slot.starts_at - t) > timedelta(hours=3) for t in taken):
                        return services.Request(kind, location, lindqvist, slot.starts_at)
        raise AssertionError("no free time")

    own = services.book(free_time(), alice, by=lindqvist.user, source="staff")
    assert own.care_basis == CareBasis.STAFF
    assert not policy.decide(lindqvist.user, alice.pk, Scope.CLINICAL).allowed
    referred = services.book(free_time(), alice, by=hale.user, source="staff")
    assert referred.care_basis == CareBasis.CARING_CLINICIAN
    assert policy.decide(lindqvist.user, alice.pk, Scope.CLINICAL).allowed
