# SPDX-License-Identifier: AGPL-3.0-or-later
"""Problems, allergies and vitals, each with its history; referring doctors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from helpers import login
from nervepath.notes import chart
from nervepath.notes.models import ProblemStatus, ReferringDoctor


def test_problems_allergies_and_vitals_from_the_page(hale_client, alice):
    url = reverse("notes:chart", args=[alice.pk])
    hale_client.post(url, {"op": "problem", "p-name": "Type 2 diabetes", "p-onset": "2019-04-01"})
    hale_client.post(url, {"op": "allergy", "a-substance": "Penicillin", "a-reaction": "Hives"})
    hale_client.post(
        url,
        {
            "op": "vitals",
            "v-measured_on": "2026-01-05",
            "v-height_cm": "172",
            "v-weight_kg": "80",
            "v-systolic": "128",
            "v-diastolic": "82",
            "v-hba1c_pct": "7.1",
        },
    )
    problem = alice.problems.get()
    assert problem.name == "Type 2 diabetes" and problem.status == ProblemStatus.ACTIVE
    allergy = alice.allergies.get()
    assert allergy.reaction == "Hives"
    vitals = alice.vitals.get()
    assert vitals.hba1c_pct == Decimal("7.1") and chart.bmi(vitals) == 27.0
    hale_client.post(url, {"op": "problem_status", "id": problem.pk, "status": "resolved"})
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED and problem.resolved_on is not None
    assert [h.status for h in problem.history.order_by("history_date")] == ["active", "resolved"]
    page = hale_client.get(url).content.decode()
    assert "Penicillin" in page and "128/82 mmHg" in page and "Resolved" in page


@pytest.mark.parametrize(
    "values, message",
    [
        ({"systolic": "120"}, "both"),
        ({"systolic": "80", "diastolic": "90"}, "higher"),
        ({"hba1c_pct": "45"}, "from 3 to 20"),
        ({"weight_kg": "heavy"}, "give a number"),
        ({}, "at least one"),
    ],
)
def test_impossible_vitals_are_refused(alice, hale, values, message):
    with pytest.raises(chart.NotesError, match=message):
        chart.record_vitals(alice, values=values, measured_on=None, by=hale.user)
    assert not alice.vitals.exists()


def test_the_front_desk_links_a_referring_doctor_but_cannot_open_the_chart(alice, frontdesk):
    desk = login(Client(), frontdesk)
    desk.post(
        reverse("notes:doctors"),
        {
            "name": "Dr Ruth Ellis",
            "practice": "Poudre Valley",
            "phone": "970",
            "fax": "971",
            "address": "Main St",
            "secure_email": "",
        },
    )
    doctor = ReferringDoctor.objects.get()
    response = desk.post(
        reverse("notes:referrals", args=[alice.pk]),
        {"op": "link", "doctor": doctor.pk, "since": "2026-01-02"},
    )
    assert response.status_code == 302
    assert alice.referrals.get().doctor == doctor
    assert desk.get(reverse("notes:chart", args=[alice.pk])).status_code == 403


def test_patients_cannot_see_the_doctors_list(alice):
    assert login(Client(), alice.user).get(reverse("notes:doctors")).status_code == 403
