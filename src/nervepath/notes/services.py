# SPDX-License-Identifier: AGPL-3.0-or-later
"""Visit notes: a draft from the visit type's template, prefilled with the latest
questionnaire scores and flags (quoted with their dates); saved (and autosaved) while a
draft; signed, after which it is locked; corrected only by addenda (who, when, why).

Every write checks first and writes in one transaction, so a refused change stores
nothing; ``VisitNote.save`` refuses to rewrite a signed note as the last guard.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from nervepath.accounts.models import Patient, User
from nervepath.assessment import services as assessment_services
from nervepath.assessment import summary
from nervepath.notes import exam
from nervepath.notes.models import (
    Addendum,
    NoteStatus,
    NoteTemplate,
    VisitNote,
    authored,
)
from nervepath.scheduling.models import Appointment, Treatment

TEXT_LIMITS = {
    "reason": 4000,
    "present_history": 20000,
    "examination_text": 20000,
    "assessment": 20000,
    "plan": 20000,
}
LABELS = {
    "reason": "The reason for visit",
    "present_history": "The history",
    "examination_text": "The examination",
    "assessment": "The assessment",
    "plan": "The plan",
}


class NotesError(ValueError):
    """A refused change; the message says why in one sentence."""


def clean_text(value: Any, limit: int, what: str, *, required: bool = False) -> str:
    """Text as typed (line breaks kept), without NUL and trailing space."""
    text = str(value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if required and not text:
        raise NotesError(f"Give {what[0].lower()}{what[1:]}.")
    if len(text) > limit:
        raise NotesError(f"{what} is at most {limit} characters.")
    return text


# -- templates ---------------------------------------------------------------------------

# Appointment-type slugs of the demo clinic that match a template's slug; clinics link
# their own types to templates in the admin (``NoteTemplate.appointment_types``).
FALLBACK = "follow-up"
THERAPY = {Treatment.ESTIM, Treatment.LASER}


def template_for(appointment: Appointment | None) -> NoteTemplate | None:
    """The template for a visit: the one linked to its type, else the one named like the
    type, else the one for its treatment, else the follow-up template."""
    active = NoteTemplate.objects.filter(active=True)
    if appointment is not None:
        kind = appointment.appointment_type
        linked = active.filter(appointment_types=kind).first()
        if linked is not None:
            return linked
        named = active.filter(slug=kind.slug).first()
        if named is not None:
            return named
        if kind.treatment:
            treatment = "therapy" if kind.treatment in THERAPY else kind.treatment
            by_treatment = active.filter(treatment=treatment).first()
            if by_treatment is not None:
                return by_treatment
    return active.filter(slug=FALLBACK).first() or active.first()


# -- prefill -----------------------------------------------------------------------------


def _number(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def questionnaire_lines(patient: Patient) -> list[str]:
    """The latest score of each questionnaire and the red flags of the latest answers,
    each quoted with the date it was answered."""
    built = summary.build(patient)
    out: list[str] = []
    for row in built.rows:
        point = row.latest
        when = timezone.localtime(point.measured_at).date()
        scored = point.response.scored
        if scored is None or scored.total is None:
            out.append(f"- {row.inst.title}: answered {when:%b %-d, %Y}")
            continue
        band = f" ({scored.band_label})" if scored.band_label else ""
        of = f" of {row.max_score:g}" if row.max_score else ""
        out.append(f"- {row.inst.title}: {_number(scored.total)}{of}{band}, {when:%b %-d, %Y}")
    answered = {row.inst.id: row.latest.measured_at for row in built.rows}
    for flag, response in built.flags:
        when = timezone.localtime(answered[response.instrument_id]).date()
        out.append(
            f"- Flag ({flag.severity}): {flag.message} ({response.title}, {when:%b %-d, %Y})"
        )
    return out


def prefilled_history(patient: Patient, start: str) -> str:
    lines = questionnaire_lines(patient)
    if not lines:
        return start
    block = "Questionnaires (latest):\n" + "\n".join(lines)
    return f"{start.rstrip()}\n\n{block}" if start.strip() else block


# -- drafts, signing, addenda ------------------------------------------------------------


def start_note(
    patient: Patient,
    *,
    template: NoteTemplate,
    author: User,
    appointment: Appointment | None = None,
    on: date | None = None,
) -> VisitNote:
    if appointment is not None and appointment.patient_id != patient.pk:
        raise NotesError("That visit is another patient's.")
    if not template.active:
        raise NotesError("That template is no longer in use; choose another.")
    if appointment is not None:
        existing = VisitNote.objects.filter(appointment=appointment).first()
        if existing is not None:
            raise NotesError(f"This visit already has a note ({existing}); open it instead.")
    visit_date = on or (appointment.local_start.date() if appointment else timezone.localdate())
    note = VisitNote(
        patient=patient,
        appointment=appointment,
        template=template,
        visit_type=appointment.appointment_type.name if appointment else template.name,
        visit_date=visit_date,
        author=author,
        reason=template.reason,
        present_history=prefilled_history(patient, template.present_history),
        examination_text=template.examination,
        examination=exam.blank(),
        assessment=template.assessment,
        plan=template.plan,
    )
    with transaction.atomic():
        authored(note, author).save()
    return note


def _locked_draft(note: VisitNote) -> VisitNote:
    current = VisitNote.objects.select_for_update().get(pk=note.pk)
    if current.status == NoteStatus.SIGNED:
        raise NotesError(
            f"This note was signed on {timezone.localtime(current.signed_at):%b %-d, %Y} and "
            "is locked; add an addendum instead."
        )
    return current


def save_draft(note: VisitNote, *, texts: dict[str, Any], examination: Any, by: User) -> VisitNote:
    """Store the draft's text and examination (all or nothing)."""
    cleaned = {
        field: clean_text(texts.get(field, ""), limit, LABELS[field])
        for field, limit in TEXT_LIMITS.items()
    }
    try:
        findings = exam.clean(examination)
    except exam.ExamError as error:
        raise NotesError(str(error)) from None
    with transaction.atomic():
        current = _locked_draft(note)
        for field, value in cleaned.items():
            setattr(current, field, value)
        current.examination = findings
        authored(current, by).save()
    return current


def sign(note: VisitNote, *, by: User) -> VisitNote:
    with transaction.atomic():
        current = _locked_draft(note)
        if not (current.assessment.strip() or current.plan.strip()):
            raise NotesError("Write the assessment or the plan before signing.")
        current.status = NoteStatus.SIGNED
        current.signed_at = timezone.now()
        current.signed_by = by
        authored(current, by).save()
        record_mnsi_exam(current, by=by)
    return current


# The MNSI examination's answers from the leg examination's words (notes/exam.py uses
# the examination's own terms; the MNSI definition, assessment/mnsi_exam.yaml, the form's).
_MNSI_VALUES = {
    "vibration": {"present": "present", "reduced": "decreased", "absent": "absent"},
    "monofilament": {"present": "normal", "reduced": "reduced", "absent": "absent"},
}
_MNSI_SIGNS = ("appearance", "ulceration", "ankle_reflex", "vibration", "monofilament")


def mnsi_answers(examination: Any) -> dict[str, str] | None:
    """The MNSI physical examination (both feet) from a note's leg examination, or None
    when any of its ten findings was not examined: the MNSI is then not scored from the
    note (a clinician can still enter it on the patient's questionnaire page)."""
    if not examination:
        return None
    answers: dict[str, str] = {}
    for side, signs in exam.mnsi_inputs(examination).items():
        for sign in _MNSI_SIGNS:
            value = signs.get(sign)
            if value is None:
                return None
            answers[f"{side}_{sign}"] = _MNSI_VALUES.get(sign, {}).get(value, value)
    return answers


def record_mnsi_exam(note: VisitNote, *, by: User) -> None:
    """On signing: the note's leg examination becomes the patient's MNSI examination
    (clinician-entered), so the findings are written once (issue 20)."""
    answers = mnsi_answers(note.examination)
    if answers is None or not assessment_services.clinician_may_enter("mnsi_exam"):
        return
    assessment_services.enter(note.patient, "mnsi_exam", answers, by=by)


def add_addendum(note: VisitNote, *, text: str, reason: str, by: User) -> Addendum:
    body = clean_text(text, 8000, "The addendum", required=True)
    why = " ".join(clean_text(reason, 300, "Why").split())
    if not why:
        raise NotesError("Say why the addendum is added.")
    with transaction.atomic():
        current = VisitNote.objects.select_for_update().get(pk=note.pk)
        if current.status != NoteStatus.SIGNED:
            raise NotesError("A draft is still open: change it directly.")
        addendum = Addendum(
            note=current, patient_id=current.patient_id, text=body, reason=why, created_by=by
        )
        authored(addendum, by).save()
    return addendum
