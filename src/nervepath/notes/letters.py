# SPDX-License-Identifier: AGPL-3.0-or-later
"""Letters to the referring doctor, from a signed note.

A letter is built from a letter template (the words around the findings), the note
(findings, assessment, plan), the questionnaire results quoted in the note, and what
other apps add through ``register_letter_section`` (the pathway adds, after surgery, the
tunnels released and the nerve-monitoring change: it sits above this app, which cannot
import it). The PDF is stored in the patient's documents; it is mailed where the doctor
has a secure address, else it waits to be printed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from nervepath.accounts.models import User
from nervepath.documents.models import Kind
from nervepath.documents.views import add_document
from nervepath.messaging.outbox import queue_email
from nervepath.notes import exam, pdf
from nervepath.notes.models import (
    Letter,
    LetterDelivery,
    LetterTemplate,
    NoteStatus,
    ReferringDoctor,
    VisitNote,
    authored,
)
from nervepath.notes.services import NotesError
from nervepath.scheduling.models import Clinician, Location

LetterSection = Callable[[VisitNote], list[tuple[str, list[str]]]]
_SECTIONS: dict[str, LetterSection] = {}


def register_letter_section(name: str, section: LetterSection) -> None:
    """Add (or replace, under the same name) headed paragraphs to every letter; called
    from an app's ``AppConfig.ready``."""
    _SECTIONS[name] = section


def letterhead(note: VisitNote) -> pdf.Letterhead:
    location = (
        note.appointment.location
        if note.appointment is not None
        else Location.objects.order_by("pk").first()
    )
    lines = []
    if location is not None:
        lines = [
            f"{location.address}, {location.city}, {location.state} {location.postal_code}",
            f"Phone {location.phone}",
        ]
    return pdf.Letterhead(settings.NERVEPATH["CLINIC_NAME"], lines)


def _signer(note: VisitNote) -> list[str]:
    user = note.signed_by or note.author
    clinician = Clinician.objects.filter(user=user).first()
    name = user.get_full_name() or user.email or ""
    return [
        "Yours sincerely,",
        "",
        f"{name}, {clinician.title}" if clinician and clinician.title else name,
    ]


def _criteria_lines(note: VisitNote) -> list[str]:
    """The questionnaire results quoted in the note's history (scores and flags)."""
    marker = "Questionnaires (latest):"
    if marker not in note.present_history:
        return []
    block = note.present_history.split(marker, 1)[1]
    return [
        line.lstrip("- ").strip() for line in block.strip().split("\n") if line.startswith("- ")
    ]


def content(
    note: VisitNote, doctor: ReferringDoctor, template: LetterTemplate
) -> pdf.LetterContent:
    patient = note.patient
    born = f", born {patient.date_of_birth:%b %-d, %Y}" if patient.date_of_birth else ""
    name = patient.user.get_full_name() or str(patient)
    fill = {"patient": name, "visit_date": f"{note.visit_date:%B %-d, %Y}"}
    findings = [note.examination_text] if note.examination_text.strip() else []
    sections: list[tuple[str, list[str]]] = [("Findings", findings)]
    criteria = _criteria_lines(note)
    if criteria:
        sections.append(("Questionnaires and diagnosis criteria", criteria))
    sections += [("Assessment", [note.assessment]), ("Plan", [note.plan])]
    for section in _SECTIONS.values():
        sections += section(note)
    to_lines = [doctor.name]
    if doctor.practice:
        to_lines.append(doctor.practice)
    if doctor.address:
        to_lines += doctor.address.splitlines()
    if doctor.fax:
        to_lines.append(f"Fax {doctor.fax}")
    return pdf.LetterContent(
        letterhead=letterhead(note),
        date_line=f"{timezone.localdate():%B %-d, %Y}",
        to_lines=to_lines,
        regarding=f"Re: {name}{born}, seen {note.visit_date:%B %-d, %Y} ({note.visit_type})",
        opening=_fill(template.opening, fill),
        sections=sections,
        table=[(line.what, line.left, line.right) for line in exam.lines(note.examination)],
        closing=_fill(template.closing, fill),
        signer=_signer(note),
    )


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def send_letter(letter: Letter, body: bytes) -> None:
    """Queue the letter's PDF to the doctor's secure address in the durable outbox (the
    one place mail leaves this app); the task worker sends it, with retries."""
    queue_email(
        letter.sent_to,
        f"Letter from {settings.NERVEPATH['CLINIC_NAME']} about a shared patient",
        (
            "Please find attached our letter about a patient you referred to us.\n\n"
            f"{settings.NERVEPATH['CLINIC_NAME']}"
        ),
        kind="referral_letter",
        patient=letter.patient,
        attachment=(
            f"letter-{letter.document.public_id.hex[:8]}.pdf",
            body,
            "application/pdf",
        ),
    )


def write_letter(
    note: VisitNote,
    *,
    doctor: ReferringDoctor,
    by: User,
    template: LetterTemplate | None = None,
    mail: bool = True,
) -> Letter:
    """Build the PDF, store it in the patient's documents, and mail it when the doctor
    has a secure address (and ``mail``), else mark it to print."""
    if note.status != NoteStatus.SIGNED:
        raise NotesError("Sign the note before writing a letter from it.")
    if not note.patient.referrals.filter(doctor=doctor, ended_on__isnull=True).exists():
        raise NotesError("That doctor is not among this patient's referring doctors.")
    template = template or LetterTemplate.objects.filter(active=True).order_by("pk").first()
    if template is None:
        raise NotesError("No letter template is set up; add one in the administration.")
    body = pdf.letter_pdf(content(note, doctor, template))
    upload = SimpleUploadedFile("letter.pdf", body, content_type="application/pdf")
    setattr(upload, "detected_type", "application/pdf")  # noqa: B010 (as documents.forms sets it)
    send = bool(mail and doctor.secure_email)
    document = None
    try:
        with transaction.atomic():
            document = add_document(
                note.patient,
                upload,
                kind=Kind.LETTER,
                title=f"Letter to {doctor.name} about the visit of {note.visit_date:%b %-d, %Y}",
                by=by,
            )
            letter = Letter(
                note=note,
                patient_id=note.patient_id,
                doctor=doctor,
                template=template,
                document=document,
                delivery=LetterDelivery.MAIL if send else LetterDelivery.PRINT,
                sent_to=doctor.secure_email if send else "",
                sent_at=timezone.now() if send else None,
                created_by=by,
            )
            authored(letter, by).save()
            if send:
                transaction.on_commit(lambda: send_letter(letter, body))
    except Exception:
        if document is not None:  # the row went with the transaction: the bytes go too
            default_storage.delete(document.storage_name)
        raise
    return letter
