# SPDX-License-Identifier: AGPL-3.0-or-later
"""Medications: a change is a new record, never an overwrite; refusals store nothing; the
symptom-history flags next to the list, augmentation marked on dopaminergic rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from helpers import login
from nervepath.assessment import services as assessment
from nervepath.demo import assessment as demo
from nervepath.pathway import drugs, medications
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import Medication, MedicationRewritten

TODAY = timezone.localdate


@pytest.fixture
def pramipexole(alice, hale, in_care):
    return medications.add(
        alice,
        name="Pramipexole",
        dose="0.125",
        unit="mg",
        frequency="at bedtime",
        started_on=TODAY() - timedelta(days=60),
        side_effects="",
        by=hale.user,
    )


def stored() -> tuple[list[tuple], int]:
    rows = list(Medication.objects.order_by("pk").values_list())
    return rows, Medication.history.count()


def test_a_change_is_a_new_record_and_the_old_one_is_kept(pramipexole, hale):
    day = TODAY() - timedelta(days=5)
    new = medications.change(
        pramipexole,
        dose="0.25",
        unit="mg",
        frequency="at bedtime",
        on=day,
        reason="symptoms earlier in the day",
        by=hale.user,
    )
    old = Medication.objects.get(pk=pramipexole.pk)
    assert (old.dose, old.started_on, old.stopped_on) == (
        Decimal("0.125"),
        pramipexole.started_on,
        day,
    )
    assert old.stop_reason == "symptoms earlier in the day"
    assert (new.name, new.dose, new.started_on, new.replaces) == (
        "Pramipexole",
        Decimal("0.25"),
        day,
        old,
    )
    assert new.current and not old.current
    # Who and when: the old record's history shows its creation and its end, by Dr Hale.
    history = list(Medication.history.filter(id=old.pk).order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert [h.dose for h in history] == [Decimal("0.125"), Decimal("0.125")]
    assert all(h.history_user == hale.user for h in history)
    assert Medication.history.get(id=new.pk).history_user == hale.user

    (chain,) = medications.chains(pramipexole.patient)
    assert chain.records == [old, new]
    assert chain.steps[1] == (
        f"Pramipexole 0.125 mg → 0.25 mg on {day:%b %-d, %Y}: symptoms earlier in the day"
    )


def test_a_record_is_never_rewritten(pramipexole):
    pramipexole.dose = Decimal("0.5")
    with pytest.raises(MedicationRewritten):
        pramipexole.save()
    pramipexole.refresh_from_db()
    assert pramipexole.dose == Decimal("0.125")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dose": "0"}, "more than 0"),
        ({"dose": "-1"}, "more than 0"),
        ({"dose": "lots"}, "as a number"),
        ({"dose": "0.0001"}, "three decimals"),
        ({"dose": "1000000"}, "check the unit"),
        ({"on": TODAY() + timedelta(days=1)}, "in the future"),
        ({"on": TODAY() - timedelta(days=90)}, "cannot be before it"),
        ({"dose": "0.125"}, "nothing to change"),
        ({"reason": "  "}, "Give the reason"),
        ({"unit": ""}, "Give the unit"),
    ],
)
def test_bad_changes_are_refused_and_nothing_stored(pramipexole, hale, changes, message):
    args = {
        "dose": "0.25",
        "unit": "mg",
        "frequency": "at bedtime",
        "on": TODAY(),
        "reason": "symptoms earlier in the day",
    } | changes
    before = stored()
    with pytest.raises(PathwayError, match=message):
        medications.change(pramipexole, **args, by=hale.user)
    assert stored() == before


def test_a_stopped_record_cannot_be_changed_or_stopped(pramipexole, hale):
    medications.stop(pramipexole, on=TODAY(), reason="nausea", by=hale.user)
    stale = Medication.objects.get(pk=pramipexole.pk)
    before = stored()
    with pytest.raises(PathwayError, match="already stopped"):
        medications.change(
            stale, dose="0.25", unit="mg", frequency="", on=TODAY(), reason="x y z", by=hale.user
        )
    with pytest.raises(PathwayError, match="already stopped"):
        medications.stop(stale, on=TODAY(), reason="again", by=hale.user)
    # An out-of-date copy read before the stop is refused too (checked in the transaction).
    with pytest.raises(PathwayError, match="already stopped"):
        medications.change(
            pramipexole,
            dose="0.25",
            unit="mg",
            frequency="",
            on=TODAY(),
            reason="x y z",
            by=hale.user,
        )
    assert stored() == before
    (chain,) = medications.chains(pramipexole.patient)
    assert chain.steps[-1] == f"Stopped {TODAY():%b %-d, %Y}: nausea"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dose": "0"}, "more than 0"),
        ({"name": ""}, "Give the medication's name"),
        ({"started_on": TODAY() + timedelta(days=3)}, "in the future"),
        ({"unit": "milligrams per day"}, "at most 16"),
    ],
)
def test_bad_additions_are_refused_and_nothing_stored(alice, hale, changes, message):
    args = {
        "name": "Gabapentin",
        "dose": "300",
        "unit": "mg",
        "frequency": "at 5 pm",
        "started_on": TODAY(),
        "side_effects": "",
    } | changes
    with pytest.raises(PathwayError, match=message):
        medications.add(alice, **args, by=hale.user)
    assert not Medication.objects.exists()
    assert not Medication.history.exists()


def test_the_same_medication_twice_is_a_change_not_an_addition(pramipexole, alice, hale):
    with pytest.raises(PathwayError, match="record a change"):
        medications.add(
            alice, name="pramipexole", dose="0.25", unit="mg", started_on=TODAY(), by=hale.user
        )
    assert Medication.objects.count() == 1


def test_a_stop_date_before_the_start_is_refused(pramipexole, hale):
    before = stored()
    with pytest.raises(PathwayError, match="cannot be before it"):
        medications.stop(
            pramipexole, on=pramipexole.started_on - timedelta(days=1), reason="x", by=hale.user
        )
    assert stored() == before


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Pramipexole", drugs.DOPAMINE_AGONIST),
        ("MIRAPEX ER", drugs.DOPAMINE_AGONIST),
        ("Requip XL", drugs.DOPAMINE_AGONIST),
        ("Neupro patch", drugs.DOPAMINE_AGONIST),
        ("carbidopa/levodopa 25/100", drugs.LEVODOPA),
        ("Sinemet", drugs.LEVODOPA),
        ("Gabapentin enacarbil", drugs.ALPHA2DELTA),
        ("Horizant", drugs.ALPHA2DELTA),
        ("Lyrica", drugs.ALPHA2DELTA),
        ("oxycodone-naloxone", drugs.OPIOID),
        ("Tramadol", drugs.OPIOID),
        ("Ferric carboxymaltose", drugs.IRON),
        ("Injectafer", drugs.IRON),
        ("ferrous sulfate", drugs.IRON),
        ("Dipyridamole", drugs.DIPYRIDAMOLE),
    ],
)
def test_drug_classes(name, code):
    found = drugs.classify(name)
    assert found is not None and found.code == code


def test_enacarbil_is_told_from_gabapentin_and_unknown_names_have_no_class():
    assert drugs.classify("Gabapentin enacarbil").generic == "gabapentin enacarbil"
    assert drugs.classify("gabapentin").generic == "gabapentin"
    assert drugs.classify("Markerol") is None
    assert drugs.classify("") is None
    assert drugs.classify("Pramipexole").dopaminergic
    assert not drugs.classify("Pregabalin").dopaminergic


# -- the staff page ----------------------------------------------------------------------


def _augmentation_answers(alice):
    return assessment.record_response(
        alice,
        "symptom_history",
        demo.history(
            medications=["pramipexole", "gabapentin"],
            aug_earlier_onset="yes",
            aug_spread_arms="no",
            aug_shorter_relief="no",
        ),
        by=alice.user,
    )


def test_flags_are_shown_next_to_the_list_and_augmentation_on_the_agonist(
    hale_client, pramipexole, alice, hale
):
    gabapentin = medications.add(
        alice, name="Gabapentin", dose="300", unit="mg", started_on=TODAY(), by=hale.user
    )
    url = reverse("pathway:medications", args=[alice.pk])
    quiet = hale_client.get(url)
    assert "No symptom-history questionnaire" in quiet.content.decode()
    assert not any(r.augmentation for r in quiet.context["rows"])

    _augmentation_answers(alice)
    page = hale_client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "possible_augmentation" in text and "Questionnaire flags" in text
    rows = {r.med.pk: r for r in page.context["rows"]}
    assert (
        rows[pramipexole.pk].augmentation and rows[pramipexole.pk].drug.label == "Dopamine agonist"
    )
    assert not rows[gabapentin.pk].augmentation
    assert rows[gabapentin.pk].drug.label == "Alpha-2-delta ligand"
    assert f'<tr id="med-{pramipexole.pk}" class="augmentation">' in text
    assert f'<tr id="med-{gabapentin.pk}">' in text
    # Once the agonist is stopped, no current row carries the flag.
    medications.stop(pramipexole, on=TODAY(), reason="augmentation", by=hale.user)
    after = hale_client.get(url)
    assert not any(r.augmentation for r in after.context["rows"])


def test_staff_add_change_and_stop_from_the_page(hale_client, alice, hale):
    url = reverse("pathway:medications", args=[alice.pk])
    start = TODAY() - timedelta(days=30)
    added = hale_client.post(
        url,
        {"op": "add", "name": "Pramipexole", "dose": "0.125", "unit": "mg",
         "frequency": "at bedtime", "started_on": start.isoformat()},
    )  # fmt: skip
    assert added.status_code == 302
    med = Medication.objects.get()
    bad = hale_client.post(
        url,
        {"op": "change", "medication": med.pk, "dose": "0", "unit": "mg",
         "frequency": "at bedtime", "on": TODAY().isoformat(), "reason": "earlier"},
    )  # fmt: skip
    assert bad.status_code == 400 and "more than 0" in bad.content.decode()
    assert Medication.objects.count() == 1
    changed = hale_client.post(
        url,
        {"op": "change", "medication": med.pk, "dose": "0.25", "unit": "mg",
         "frequency": "at bedtime", "on": TODAY().isoformat(),
         "reason": "symptoms earlier in the day"},
    )  # fmt: skip
    assert changed.status_code == 302
    text = hale_client.get(url).content.decode()
    assert (
        f"Pramipexole 0.125 mg → 0.25 mg on {TODAY():%b %-d, %Y}: symptoms earlier in the day"
        in text
    )
    new = Medication.objects.get(stopped_on__isnull=True)
    stopped = hale_client.post(
        url, {"op": "stop", "medication": new.pk, "on": TODAY().isoformat(), "reason": "nausea"}
    )
    assert stopped.status_code == 302
    assert not Medication.objects.filter(stopped_on__isnull=True).exists()
    assert Medication.objects.count() == 2
    record = hale_client.get(reverse("access:patient", args=[alice.pk])).content.decode()
    who = hale.user.get_full_name()
    assert (
        f"<td>{who}</td><td>medication {new.pk}</td><td>Changed: stop_reason, stopped_on" in record
    )


def test_bad_form_input_gets_a_message(hale_client, alice):
    url = reverse("pathway:medications", args=[alice.pk])
    response = hale_client.post(url, {"op": "add", "name": "Ropinirole", "dose": "1", "unit": "mg"})
    assert response.status_code == 400
    assert "Started on" in response.content.decode()
    assert hale_client.post(url, {"op": "rewrite"}).status_code == 400
    assert not Medication.objects.exists()


def test_access_front_desk_403_unrelated_clinician_404_other_patients_id_404(
    client, hale_client, pramipexole, alice, bob, frontdesk, okafor, hale
):
    url = reverse("pathway:medications", args=[alice.pk])
    theirs = medications.add(
        bob, name="Ropinirole", dose="0.5", unit="mg", started_on=TODAY(), by=hale.user
    )
    before = stored()
    response = hale_client.post(
        url, {"op": "stop", "medication": theirs.pk, "on": TODAY().isoformat(), "reason": "x"}
    )
    assert response.status_code == 404
    assert hale_client.get(reverse("pathway:medications", args=[bob.pk])).status_code == 404

    other = type(client)()
    login(other, frontdesk)
    assert other.get(url).status_code == 403
    assert other.post(url, {"op": "stop", "medication": pramipexole.pk, "on": TODAY().isoformat(),
                            "reason": "x"}).status_code == 403  # fmt: skip
    login(other, okafor.user)
    assert other.get(url).status_code == 404
    assert stored() == before


# -- the portal --------------------------------------------------------------------------


def test_the_patient_sees_current_and_past_read_only(alice_client, pramipexole, alice, hale):
    medications.change(
        pramipexole, dose="0.25", unit="mg", frequency="at bedtime", on=TODAY(),
        reason="symptoms earlier in the day", by=hale.user,
    )  # fmt: skip
    _augmentation_answers(alice)
    page = alice_client.get(reverse("pathway:my_medications"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Pramipexole" in text and "0.25 mg" in text
    assert "0.125 mg → 0.25 mg" in text
    assert "<form" not in text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "possible_augmentation" not in text
    assert alice_client.post(reverse("pathway:my_medications")).status_code == 405


def test_another_patient_sees_none_of_it(client, pramipexole, bob):
    login(client, bob.user)
    text = client.get(reverse("pathway:my_medications")).content.decode()
    assert "Pramipexole" not in text and "No current medication" in text


# -- review fixes ------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [False, True])
def test_a_round_dose_reads_as_written_on_both_lists(hale_client, alice, hale, settings, separator):
    # A dose is written by medications.dose_text everywhere (never str() of a normalised
    # Decimal, "3E+2"), so the list reads like the change history whatever the number
    # formatting settings: "1200 mg", not "1,200 mg" above "300 mg → 1200 mg".
    settings.USE_THOUSAND_SEPARATOR = separator
    gabapentin = medications.add(
        alice, name="Gabapentin", dose="300", unit="mg", started_on=TODAY() - timedelta(days=30),
        by=hale.user,
    )  # fmt: skip
    medications.change(
        gabapentin, dose="1200", unit="mg", frequency="", on=TODAY(), reason="still waking",
        by=hale.user,
    )  # fmt: skip
    staff = hale_client.get(reverse("pathway:medications", args=[alice.pk]))
    login(hale_client, alice.user)
    portal = hale_client.get(reverse("pathway:my_medications"))
    for page in (staff, portal):
        text = page.content.decode()
        assert page.status_code == 200
        assert "<td>1200 mg<br>" in text and "was 300 mg" in text
        assert "300 mg → 1200 mg" in text
        assert "E+" not in text and "1,200" not in text


@pytest.mark.parametrize("raw", ["²", "١٢", "1e3", "-1", ""])
def test_a_medication_id_that_is_not_a_plain_number_is_not_found(
    hale_client, pramipexole, alice, raw
):
    # "²".isdigit() is true but int("²") raises: this was a 500.
    before = stored()
    response = hale_client.post(
        reverse("pathway:medications", args=[alice.pk]),
        {"op": "stop", "medication": raw, "on": TODAY().isoformat(), "reason": "x"},
    )
    assert response.status_code == 404
    assert stored() == before
