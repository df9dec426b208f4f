# SPDX-License-Identifier: AGPL-3.0-or-later
"""Consent forms: prepared by the clinician, signed by the patient (typed name, drawn
signature, time, version), witnessed where required, stored as a PDF and never changed;
a withdrawal is a new signed record; the surgery and block pages show what is on file."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
from django.core.files.storage import default_storage
from django.forms import ModelChoiceField
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from helpers import login
from nervepath.documents.models import Kind
from nervepath.notes import consent
from nervepath.notes.models import ConsentStatus, ConsentTemplate, RecordLocked


def _drawn() -> str:
    image = Image.new("RGB", (120, 40), "white")
    for x in range(10, 110):
        image.putpixel((x, 20 + (x % 7)), (0, 0, 0))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.fixture
def surgery_form(alice, hale, todays_visit):
    return consent.request_consent(
        alice,
        template=ConsentTemplate.objects.get(slug="surgery"),
        by=hale.user,
        leg="right",
        tunnels=["tibial", "common_peroneal"],
    )


def test_surgery_consent_names_the_leg_and_the_tunnels(alice, hale, todays_visit):
    template = ConsentTemplate.objects.get(slug="surgery")
    with pytest.raises(consent.NotesError, match="leg"):
        consent.request_consent(alice, template=template, by=hale.user, tunnels=["tibial"])
    with pytest.raises(consent.NotesError, match="tunnels"):
        consent.request_consent(alice, template=template, by=hale.user, leg="left")
    assert not alice.consents.exists()


def test_the_patient_signs_in_the_portal_and_a_witness_completes_it(
    alice, hale, frontdesk, surgery_form
):
    portal = login(Client(), alice.user)
    page = portal.get(reverse("notes:my_consent", args=[surgery_form.pk]))
    assert page.status_code == 200 and b"Tibial nerve at the soleal sling" in page.content
    refused = portal.post(
        reverse("notes:my_consent", args=[surgery_form.pk]),
        {"op": "sign", "typed_name": "", "agree": "on"},
    )
    assert refused.status_code == 400
    signed = portal.post(
        reverse("notes:my_consent", args=[surgery_form.pk]),
        {"op": "sign", "typed_name": "Alice Archer", "agree": "on", "signature": _drawn()},
    )
    assert signed.status_code == 302
    surgery_form.refresh_from_db()
    assert surgery_form.status == ConsentStatus.WITNESS  # the surgery form needs a witness
    assert surgery_form.signed_via == "portal" and bytes(surgery_form.signature_png).startswith(
        b"\x89PNG"
    )
    assert consent.on_file(alice, "surgery", leg="right") is None
    staff = login(Client(), hale.user)
    staff.post(reverse("notes:consent", args=[alice.pk, surgery_form.pk]), {"op": "witness"})
    surgery_form.refresh_from_db()
    assert surgery_form.status == ConsentStatus.SIGNED and surgery_form.witness == hale.user
    document = surgery_form.document
    assert document.kind == Kind.CONSENT
    with default_storage.open(document.storage_name, "rb") as fh:
        pdf = pdfium.PdfDocument(fh.read())
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Alice Archer" in text and "Form version 1" in text and "Witnessed by" in text
    assert consent.on_file(alice, "surgery", leg="right", tunnels=["tibial"]) == surgery_form
    assert consent.on_file(alice, "surgery", leg="left") is None
    # Front desk cannot witness or read it.
    assert (
        login(Client(), frontdesk)
        .get(reverse("notes:consent", args=[alice.pk, surgery_form.pk]))
        .status_code
        == 403
    )


def test_on_a_tablet_the_staff_member_witnesses_and_no_js_signs_by_typed_name(
    alice, hale, surgery_form
):
    staff = login(Client(), hale.user)
    staff.post(
        reverse("notes:consent", args=[alice.pk, surgery_form.pk]),
        {"op": "sign", "typed_name": "Alice Archer", "agree": "on"},
    )
    surgery_form.refresh_from_db()
    assert surgery_form.status == ConsentStatus.SIGNED and surgery_form.signed_via == "tablet"
    assert surgery_form.witness == hale.user and bytes(surgery_form.signature_png) == b""


def test_a_signed_consent_never_changes_and_a_withdrawal_is_a_new_record(alice, hale, surgery_form):
    consent.sign(
        surgery_form,
        typed_name="Alice Archer",
        signature="",
        via="tablet",
        by=hale.user,
        witness=hale.user,
    )
    surgery_form.refresh_from_db()
    surgery_form.typed_name = "Someone Else"
    with pytest.raises(RecordLocked):
        surgery_form.save()
    with pytest.raises(consent.NotesError, match="already signed"):
        consent.sign(surgery_form, typed_name="Again", signature="", via="portal", by=alice.user)
    portal = login(Client(), alice.user)
    portal.post(
        reverse("notes:my_consent", args=[surgery_form.pk]),
        {"op": "withdraw", "typed_name": "Alice Archer"},
    )
    withdrawal = alice.consents.get(withdraws=surgery_form)
    assert withdrawal.status == ConsentStatus.SIGNED and withdrawal.document is not None
    surgery_form.refresh_from_db()
    assert surgery_form.typed_name == "Alice Archer"  # the original is untouched
    assert consent.on_file(alice, "surgery", leg="right") is None
    with pytest.raises(consent.NotesError, match="already withdrawn"):
        consent.withdraw(surgery_form, typed_name="A", signature="", via="portal", by=alice.user)


def test_a_forged_signature_is_refused_and_changes_nothing(alice, surgery_form):
    bad = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nnot really").decode()
    with pytest.raises(consent.NotesError, match="signature could not be read"):
        consent.sign(surgery_form, typed_name="Alice", signature=bad, via="portal", by=alice.user)
    surgery_form.refresh_from_db()
    assert surgery_form.status == ConsentStatus.REQUESTED and not surgery_form.typed_name


def test_another_patient_cannot_open_her_consent(bob, surgery_form):
    other = login(Client(), bob.user)
    assert other.get(reverse("notes:my_consent", args=[surgery_form.pk])).status_code == 404
    assert (
        other.post(
            reverse("notes:my_consent", args=[surgery_form.pk]),
            {"op": "sign", "typed_name": "Bob", "agree": "on"},
        ).status_code
        == 404
    )
    surgery_form.refresh_from_db()
    assert surgery_form.status == ConsentStatus.REQUESTED


def test_the_surgery_page_warns_without_consent_and_shows_it_on_file(
    alice, hale, clinic, surgery_form
):
    from nervepath.pathway import surgery

    planned = surgery.record_surgery(
        alice,
        leg="right",
        operated_on=timezone.localdate() + timedelta(days=10),
        surgeon=hale,
        location=clinic["fort-collins"],
        tunnels=["tibial"],
        status="planned",
        by=hale.user,
    )
    staff = login(Client(), hale.user)
    page = staff.get(planned.get_absolute_url()).content.decode()
    assert "No valid surgery consent on file (right leg)" in page
    consent.sign(
        surgery_form,
        typed_name="Alice Archer",
        signature="",
        via="tablet",
        by=hale.user,
        witness=hale.user,
    )
    page = staff.get(planned.get_absolute_url()).content.decode()
    assert "Consent on file: Consent to decompression surgery" in page
    block_page = staff.get(reverse("pathway:block_new", args=[alice.pk])).content.decode()
    assert "No valid nerve-block consent on file" in block_page


def test_a_surgery_visit_says_whether_consent_is_on_file_to_clinicians_only(
    alice, hale, frontdesk, clinic, surgery_form
):
    from .conftest import visit

    booked = visit(
        alice, hale, clinic["fort-collins"], "surgery-right", timezone.now() + timedelta(days=7)
    )
    url = reverse("scheduling:staff_appointment", args=[booked.pk])
    staff = login(Client(), hale.user)
    assert "No valid consent to decompression surgery on file" in staff.get(url).content.decode()
    consent.sign(
        surgery_form,
        typed_name="Alice Archer",
        signature="",
        via="tablet",
        by=hale.user,
        witness=hale.user,
    )
    assert "Consent on file: Consent to decompression surgery" in staff.get(url).content.decode()
    desk = login(Client(), frontdesk).get(url).content.decode()
    assert "Consent on file" not in desk and "No valid consent" not in desk
    left = visit(
        alice, hale, clinic["fort-collins"], "surgery-left", timezone.now() + timedelta(days=30)
    )
    page = staff.get(reverse("scheduling:staff_appointment", args=[left.pk])).content.decode()
    assert (
        "No valid consent to decompression surgery on file" in page
    )  # the right leg's does not cover the left


def _pdf_text(document) -> str:
    with default_storage.open(document.storage_name, "rb") as fh:
        pdf = pdfium.PdfDocument(fh.read())
    return "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def test_each_shipped_form_has_a_spanish_translation(db):
    for slug in ("nerve-block", "surgery", "therapy"):
        original = ConsentTemplate.objects.get(slug=slug)
        spanish = original.translations.get(language="es")
        assert spanish.kind == original.kind and spanish.active
        assert spanish.requires_witness == original.requires_witness
        assert "Acepto" in spanish.body and "Puedo" in spanish.body
    # The clinician picks among the originals only.
    from nervepath.notes.forms import ConsentRequestForm

    field = ConsentRequestForm().fields["template"]
    assert isinstance(field, ModelChoiceField)
    assert {t.language for t in field.queryset} == {"en"}


def test_a_spanish_speaking_patient_sees_and_signs_the_spanish_form(alice, hale, todays_visit):
    alice.preferred_language = "Español"
    alice.save()
    form = consent.request_consent(
        alice,
        template=ConsentTemplate.objects.get(slug="surgery"),
        by=hale.user,
        leg="left",
        tunnels=["tibial"],
    )
    spanish = ConsentTemplate.objects.get(slug="surgery-es")
    assert form.template == spanish and form.language == "es"
    assert form.version == spanish.version and form.title == spanish.title
    portal = login(Client(), alice.user)
    url = reverse("notes:my_consent", args=[form.pk])
    page = portal.get(url).content.decode()
    assert "Consentimiento para una cirugía de descompresión" in page
    assert "Acepto una cirugía" in page and "Nervio tibial en el arco del sóleo" in page
    assert "Pierna izquierda" in page and "Firmar el formulario" in page
    assert "versión del formulario 1, en Español" in page
    assert "Sign the form" not in page and "Type your full name" not in page
    refused = portal.post(url, {"op": "sign", "typed_name": "", "agree": "on"})
    assert refused.status_code == 400
    assert "Escriba su nombre completo" in refused.content.decode()
    signed = portal.post(url, {"op": "sign", "typed_name": "Alice Archer", "agree": "on"})
    assert signed.status_code == 302
    assert "su formulario firmado" in portal.get(signed["Location"]).content.decode()
    staff = login(Client(), hale.user)
    staff.post(reverse("notes:consent", args=[alice.pk, form.pk]), {"op": "witness"})
    form.refresh_from_db()
    assert form.status == ConsentStatus.SIGNED and form.language == "es"
    assert form.document.title == (
        f"Consentimiento: {spanish.title}, versión {spanish.version} (Español)"
    )
    text = _pdf_text(form.document)
    assert "Versión del formulario 1, en Español" in text
    assert "Acepto una cirugía" in text and "Firmado (nombre escrito): Alice Archer" in text
    assert "Testigo:" in text and "Pierna: Pierna izquierda" in text
    assert "Form version" not in text and "Witnessed by" not in text


def test_an_english_record_gets_the_english_form_and_says_so(alice, hale, surgery_form):
    assert surgery_form.language == "en"
    assert surgery_form.template.slug == "surgery"
    staff = login(Client(), hale.user)
    staff.post(
        reverse("notes:consent", args=[alice.pk, surgery_form.pk]),
        {"op": "sign", "typed_name": "Alice Archer", "agree": "on"},
    )
    surgery_form.refresh_from_db()
    assert "Form version 1, in English" in _pdf_text(surgery_form.document)
    assert surgery_form.document.title.endswith("version 1 (English)")


def test_a_spanish_withdrawal_is_in_spanish(alice, hale, todays_visit):
    alice.preferred_language = "es"
    alice.save()
    form = consent.request_consent(
        alice, template=ConsentTemplate.objects.get(slug="therapy"), by=hale.user
    )
    portal = login(Client(), alice.user)
    url = reverse("notes:my_consent", args=[form.pk])
    portal.post(url, {"op": "sign", "typed_name": "Alice Archer", "agree": "on"})
    page = portal.get(url).content.decode()
    assert "Retirar mi consentimiento" in page
    portal.post(url, {"op": "withdraw", "typed_name": "Alice Archer"})
    withdrawal = alice.consents.get(withdraws=form)
    assert withdrawal.language == "es"
    text = _pdf_text(withdrawal.document)
    assert "Retiro del consentimiento" in text and "Retiro el consentimiento que firmé" in text
    assert "Retirado el" in portal.get(url).content.decode()
