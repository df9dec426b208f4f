# SPDX-License-Identifier: AGPL-3.0-or-later
"""Consent forms: prepared by a clinician from a template (for surgery, the leg and the
tunnels), signed by the patient in the portal or on a clinic tablet (typed name, drawn
signature when the browser can draw, date and time, form version), witnessed by staff
where the form requires it, then stored as a PDF in the patient's documents and never
changed. A withdrawal is a new signed record that points at the consent it withdraws.

The clinician picks a form (in English); the patient gets it in the language on their
record when the form has a translation in it (``ConsentTemplate.translations``). The
consent keeps which form, its version and its language, and the signed PDF is written in
the language signed.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from nervepath.accounts import language
from nervepath.accounts.models import Patient, User
from nervepath.documents.models import Kind
from nervepath.documents.views import add_document
from nervepath.notes import exam, pdf
from nervepath.notes.models import (
    Consent,
    ConsentKind,
    ConsentStatus,
    ConsentTemplate,
    SignedVia,
    authored,
)
from nervepath.notes.services import NotesError
from nervepath.scheduling.models import Leg, Location

MAX_SIGNATURE_BYTES = 300_000
PNG = b"\x89PNG\r\n\x1a\n"


def request_consent(
    patient: Patient,
    *,
    template: ConsentTemplate,
    by: User,
    leg: str = "",
    tunnels: list[str] | None = None,
) -> Consent:
    if not template.active:
        raise NotesError("That consent form is no longer in use.")
    tunnels = [t for t in exam.TUNNELS if t in (tunnels or [])]
    if template.kind == ConsentKind.SURGERY:
        if leg not in Leg.values:
            raise NotesError("Surgery consent is per leg: choose the leg.")
        if not tunnels:
            raise NotesError("Name the tunnels to be released.")
    elif leg and leg not in Leg.values:
        raise NotesError("Choose the left or the right leg.")
    form = in_language(template, patient)
    consent = Consent(
        patient=patient,
        template=form,
        kind=form.kind,
        version=form.version,
        language=form.language,
        title=form.title,
        body=form.body,
        requires_witness=template.requires_witness,
        leg=leg,
        tunnels=tunnels if template.kind == ConsentKind.SURGERY else [],
        requested_by=by,
    )
    with transaction.atomic():
        authored(consent, by).save()
    return consent


def in_language(template: ConsentTemplate, patient: Patient) -> ConsentTemplate:
    """The form in the patient's language: the active translation of ``template`` in the
    language on their record, else ``template`` itself (English, or as chosen)."""
    code = patient.language_code or language.DEFAULT
    if code == template.language:
        return template
    original = template.original or template
    if original.language == code and original.active:
        return original
    found = original.translations.filter(language=code, active=True).order_by("pk").first()
    return found or template


def signature_bytes(data_url: str) -> bytes:
    """The drawn signature from the canvas script (a PNG data URL); empty when none was
    drawn (the typed name alone signs, as without JavaScript)."""
    data_url = (data_url or "").strip()
    if not data_url:
        return b""
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise NotesError(gettext("The drawn signature could not be read; clear it and sign again."))
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise NotesError(
            gettext("The drawn signature could not be read; clear it and sign again.")
        ) from None
    if len(raw) > MAX_SIGNATURE_BYTES or not raw.startswith(PNG):
        raise NotesError(gettext("The drawn signature could not be read; clear it and sign again."))
    from PIL import Image

    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.verify()
    except Exception:
        raise NotesError(
            gettext("The drawn signature could not be read; clear it and sign again.")
        ) from None
    return raw


def _typed(name: str, patient: Patient) -> str:
    typed = " ".join((name or "").replace("\x00", "").split())
    if not typed:
        raise NotesError(gettext("Type your full name to sign."))
    if len(typed) > 160:
        raise NotesError(gettext("The typed name is at most 160 characters."))
    return typed


def _letterhead() -> pdf.Letterhead:
    from django.conf import settings

    location = Location.objects.order_by("pk").first()
    lines = (
        [
            f"{location.address}, {location.city}, {location.state} {location.postal_code}",
            gettext("Phone %(phone)s") % {"phone": location.phone},
        ]
        if location
        else []
    )
    return pdf.Letterhead(settings.NERVEPATH["CLINIC_NAME"], lines)


def _at(value: Any) -> str:
    """Date, time and zone in the active language ("Dec 8, 2026, 2:11 PM MST")."""
    local = timezone.localtime(value)
    return f"{language.day(local, 'date')}, {language.clock(local)} {local:%Z}"


def _store(consent: Consent, by: User) -> None:
    """Write the PDF, in the language the form was signed in, into the patient's
    documents and mark the consent signed (the caller holds the row lock)."""
    with translation.override(consent.language or language.DEFAULT):
        body = _pdf(consent)
        title = (
            gettext("Withdrawal: %(title)s, version %(version)s (%(language)s)")
            if consent.withdraws_id
            else gettext("Consent: %(title)s, version %(version)s (%(language)s)")
        ) % {
            "title": consent.title,
            "version": consent.version,
            "language": language.name_of(consent.language),
        }
    upload = SimpleUploadedFile("consent.pdf", body, content_type="application/pdf")
    setattr(upload, "detected_type", "application/pdf")  # noqa: B010 (as documents.forms sets it)
    document = add_document(consent.patient, upload, kind=Kind.CONSENT, title=title, by=by)
    consent.document = document
    consent.status = ConsentStatus.SIGNED
    try:
        authored(consent, by).save()
    except Exception:
        default_storage.delete(document.storage_name)
        raise


def _pdf(consent: Consent) -> bytes:
    patient = consent.patient
    name = patient.user.get_full_name() or str(patient)
    scope = []
    if consent.leg:
        scope.append(gettext("Leg: %(leg)s") % {"leg": consent.leg_label})
    if consent.tunnels:
        scope.append(
            gettext("Tunnels: %(tunnels)s") % {"tunnels": "; ".join(consent.tunnel_labels)}
        )
    witness = gettext("Not required by this form.")
    if consent.witness is not None:
        who = consent.witness.get_full_name() or consent.witness.email
        witness = gettext("Witnessed by %(who)s, %(when)s") % {
            "who": who,
            "when": _at(consent.witnessed_at),
        }
    withdrawn = ""
    original = consent.withdraws
    if original is not None:
        withdrawn = gettext(
            "I withdraw the consent I signed on %(day)s (form version %(version)s)."
        ) % {
            "day": language.day(timezone.localtime(original.signed_at), "date"),
            "version": original.version,
        }
    patient_line = gettext("Patient: %(name)s") % {"name": name}
    if patient.date_of_birth:
        patient_line = gettext("Patient: %(name)s, born %(born)s") % {
            "name": name,
            "born": language.day(patient.date_of_birth, "date"),
        }
    via = SignedVia(consent.signed_via)
    how = (
        gettext("via the patient portal")
        if via == SignedVia.PORTAL
        else gettext("on a clinic tablet")
    )
    return pdf.consent_pdf(
        pdf.ConsentContent(
            letterhead=_letterhead(),
            title=(gettext("Withdrawal of consent: %(title)s") % {"title": consent.title})
            if consent.withdraws_id
            else consent.title,
            version=consent.version,
            language=language.name_of(consent.language),
            patient_line=patient_line,
            scope_lines=scope,
            body="" if consent.withdraws_id else consent.body,
            withdrawal_of=withdrawn,
            typed_name=consent.typed_name,
            signature_png=bytes(consent.signature_png or b""),
            signed_line=gettext("Signed %(when)s %(how)s")
            % {"when": _at(consent.signed_at), "how": how},
            witness_line=witness,
        )
    )


def sign(
    consent: Consent,
    *,
    typed_name: str,
    signature: str,
    via: str,
    by: User,
    witness: User | None = None,
) -> Consent:
    """The patient signs. On a tablet the signed-in staff member witnesses; in the portal
    a form that needs a witness waits for one."""
    typed = _typed(typed_name, consent.patient)
    drawn = signature_bytes(signature)
    if via not in SignedVia.values:
        raise NotesError("Unknown way of signing.")
    with transaction.atomic():
        current = (
            Consent.objects.select_for_update().select_related("patient__user").get(pk=consent.pk)
        )
        if current.status != ConsentStatus.REQUESTED:
            raise NotesError(gettext("This form was already signed."))
        current.typed_name = typed
        current.signature_png = drawn
        current.signed_at = timezone.now()
        current.signed_via = via
        current.signed_by = by
        if witness is not None:
            current.witness = witness
            current.witnessed_at = current.signed_at
        if current.requires_witness and current.witness_id is None:
            current.status = ConsentStatus.WITNESS
            authored(current, by).save()
        else:
            _store(current, by)
    return current


def witness(consent: Consent, *, by: User) -> Consent:
    with transaction.atomic():
        current = (
            Consent.objects.select_for_update().select_related("patient__user").get(pk=consent.pk)
        )
        if current.status != ConsentStatus.WITNESS:
            raise NotesError("This form is not waiting for a witness.")
        current.witness = by
        current.witnessed_at = timezone.now()
        _store(current, by)
    return current


def withdraw(
    consent: Consent,
    *,
    typed_name: str,
    signature: str,
    via: str,
    by: User,
    witness: User | None = None,
) -> Consent:
    """A new signed record withdrawing ``consent``."""
    if consent.status != ConsentStatus.SIGNED or consent.withdraws_id:
        raise NotesError(gettext("Only a signed consent can be withdrawn."))
    if Consent.objects.filter(withdraws=consent).exists():
        raise NotesError(gettext("This consent was already withdrawn."))
    with transaction.atomic():
        record = Consent(
            patient=consent.patient,
            template=consent.template,
            kind=consent.kind,
            version=consent.version,
            language=consent.language,
            title=consent.title,
            body=consent.body,
            requires_witness=False,
            leg=consent.leg,
            tunnels=consent.tunnels,
            withdraws=consent,
            requested_by=by,
        )
        authored(record, by).save()
        return sign(
            record, typed_name=typed_name, signature=signature, via=via, by=by, witness=witness
        )


# -- is a valid consent on file? ---------------------------------------------------------


def valid(patient: Patient | int, kind: str) -> QuerySet[Consent]:
    """Signed consents of this kind that were not withdrawn."""
    pid = patient.pk if isinstance(patient, Patient) else patient
    return Consent.objects.filter(
        patient_id=pid,
        kind=kind,
        status=ConsentStatus.SIGNED,
        withdraws__isnull=True,
        withdrawal__isnull=True,
    ).order_by("-signed_at")


def on_file(
    patient: Patient | int, kind: str, *, leg: str = "", tunnels: Any = ()
) -> Consent | None:
    """The latest valid consent covering this treatment: for surgery, the same leg and
    every tunnel named; for a block, the same leg when the consent names one."""
    wanted = set(tunnels or ())
    for consent in valid(patient, kind):
        if kind == ConsentKind.SURGERY:
            if consent.leg == leg and wanted <= set(consent.tunnels or []):
                return consent
        elif not consent.leg or not leg or consent.leg == leg:
            return consent
    return None


def visit_notice(request: Any, appointment: Any) -> list[str]:
    """For a block or surgery visit's staff page: whether a valid consent is on file.
    Said only to someone who may see the patient's clinical record (audited)."""
    from nervepath.access import policy
    from nervepath.access.policy import Scope
    from nervepath.audit.log import record
    from nervepath.audit.models import Action
    from nervepath.scheduling.models import Treatment

    kind = appointment.appointment_type
    wanted = {Treatment.BLOCK: ConsentKind.BLOCK, Treatment.SURGERY: ConsentKind.SURGERY}
    if kind.treatment not in wanted:
        return []
    if not policy.decide(request.user, appointment.patient_id, Scope.CLINICAL).allowed:
        return []
    record(request, Action.VIEW, patient_id=appointment.patient_id, detail="consent on file")
    found = on_file(appointment.patient_id, wanted[kind.treatment], leg=kind.surgery_leg)
    label = ConsentKind(wanted[kind.treatment]).label.lower()
    if found is None:
        return [f"No valid consent to {label} on file for this visit."]
    return [
        f"Consent on file: {found.title}, signed {timezone.localtime(found.signed_at):%b %-d, %Y}."
    ]
