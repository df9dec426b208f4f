# SPDX-License-Identifier: AGPL-3.0-or-later
"""Visit notes: the list (front desk sees that a note exists, never its text), a new
note from the visit's template, the draft (saved by the button, autosaved by
``notes/autosave.js`` where scripts run), signing, addenda and the letter."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.notes import exam, letters, services
from nervepath.notes.forms import (
    AddendumForm,
    ExamForm,
    LetterForm,
    NewNoteForm,
    NoteForm,
    exam_initial,
)
from nervepath.notes.models import NoteTemplate, ReferringDoctor, VisitNote
from nervepath.notes.views import staff_patient
from nervepath.scheduling.models import Appointment, Status


def _appointment(patient: Any, raw: str) -> Appointment | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise Http404("No such visit.")
    return get_object_or_404(
        Appointment.objects.exclude(status=Status.CANCELLED).select_related(
            "appointment_type", "location"
        ),
        pk=int(raw),
        patient=patient,
    )


@login_required
def note_list(request: SignedInRequest, pk: int) -> HttpResponse:
    patient = staff_patient(request, pk, Scope.APPOINTMENTS)
    content = policy.role_may(request.user, Scope.CLINICAL)
    notes = VisitNote.objects.filter(patient=patient).select_related("author", "signed_by")
    return render(
        request,
        "notes/list.html",
        {"patient": patient, "notes": notes, "content": content},
    )


@login_required
def note_new(request: SignedInRequest, pk: int) -> HttpResponse:
    posted = request.method == "POST"
    patient = staff_patient(request, pk, action=Action.CREATE if posted else Action.VIEW)
    source = request.POST if posted else request.GET
    appointment = _appointment(patient, source.get("appointment", ""))
    if appointment is not None:
        existing = VisitNote.objects.filter(appointment=appointment).first()
        if existing is not None:
            return redirect(existing)
    default = services.template_for(appointment)
    form = NewNoteForm(request.POST if posted else None, initial={"template": default})
    if posted and form.is_valid():
        try:
            note = services.start_note(
                patient,
                template=form.cleaned_data["template"],
                author=request.user,
                appointment=appointment,
            )
        except services.NotesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Draft started from the template.")
            return redirect(note)
    return render(
        request,
        "notes/new.html",
        {
            "patient": patient,
            "form": form,
            "appointment": appointment,
            "templates": NoteTemplate.objects.filter(active=True),
        },
        status=400 if posted else 200,
    )


def _get_note(patient: Any, note_pk: int) -> VisitNote:
    return get_object_or_404(
        VisitNote.objects.select_related(
            "author", "signed_by", "appointment__location", "template"
        ),
        pk=note_pk,
        patient=patient,
    )


def _note_forms(note: VisitNote, data: Any = None) -> tuple[NoteForm, ExamForm]:
    initial = {f: getattr(note, f) for f in services.TEXT_LIMITS}
    return NoteForm(data, initial=initial), ExamForm(data, initial=exam_initial(note.examination))


def _save(
    request: SignedInRequest, note: VisitNote
) -> tuple[VisitNote | None, str, NoteForm, ExamForm]:
    note_form, exam_form = _note_forms(note, request.POST)
    if not (note_form.is_valid() and exam_form.is_valid()):
        errors = [*note_form.errors.values(), *exam_form.errors.values()]
        first = errors[0][0] if errors else "Check the form."
        return None, str(first), note_form, exam_form
    try:
        saved = services.save_draft(
            note,
            texts=note_form.cleaned_data,
            examination=exam_form.examination(),
            by=request.user,
        )
    except services.NotesError as error:
        return None, str(error), note_form, exam_form
    return saved, "", note_form, exam_form


@login_required
def note_detail(request: SignedInRequest, pk: int, note_pk: int) -> HttpResponse:
    posted = request.method == "POST"
    patient = staff_patient(request, pk, action=Action.UPDATE if posted else Action.VIEW)
    note = _get_note(patient, note_pk)
    error = ""
    note_form, exam_form = _note_forms(note)
    if posted:
        if note.signed:
            error = "This note is signed and locked; add an addendum instead."
        else:
            saved, error, note_form, exam_form = _save(request, note)
            if saved is not None and request.POST.get("op") == "sign":
                try:
                    services.sign(saved, by=request.user)
                except services.NotesError as exc:
                    error = str(exc)
                else:
                    messages.success(
                        request, "Note signed. It is now locked; corrections are addenda."
                    )
                    return redirect(saved)
            elif saved is not None:
                messages.success(request, "Draft saved.")
                return redirect(saved)
    doctors = ReferringDoctor.objects.filter(
        referrals__patient=patient, referrals__ended_on__isnull=True
    ).distinct()
    return render(
        request,
        "notes/note.html",
        {
            "patient": patient,
            "note": note,
            "note_form": note_form,
            "exam_form": exam_form,
            "exam_lines": exam.lines(note.examination),
            "mnsi": exam.mnsi_inputs(note.examination),
            "addenda": note.addenda.select_related("created_by"),
            "addendum_form": AddendumForm(),
            "letter_form": LetterForm(doctors=doctors),
            "doctors": doctors,
            "letters": note.letters.select_related("doctor", "document"),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def note_autosave(request: SignedInRequest, pk: int, note_pk: int) -> HttpResponse:
    patient = staff_patient(request, pk, action=Action.UPDATE)
    note = _get_note(patient, note_pk)
    if note.signed:
        return JsonResponse({"error": "This note is signed and locked."}, status=409)
    saved, error, _n, _e = _save(request, note)
    if saved is None:
        return JsonResponse({"error": error}, status=400)
    return JsonResponse({"saved": f"{timezone.localtime(saved.updated_at):%H:%M:%S}"})


@login_required
@require_POST
def note_addendum(request: SignedInRequest, pk: int, note_pk: int) -> HttpResponse:
    patient = staff_patient(request, pk, action=Action.UPDATE)
    note = _get_note(patient, note_pk)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.add_addendum(note, by=request.user, **form.cleaned_data)
        except services.NotesError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Addendum added.")
    else:
        messages.error(request, "Write the addendum and say why.")
    return redirect(note)


@login_required
@require_POST
def note_letter(request: SignedInRequest, pk: int, note_pk: int) -> HttpResponse:
    patient = staff_patient(request, pk, action=Action.CREATE)
    note = _get_note(patient, note_pk)
    doctors = ReferringDoctor.objects.filter(
        referrals__patient=patient, referrals__ended_on__isnull=True
    ).distinct()
    form = LetterForm(request.POST, doctors=doctors)
    if not form.is_valid():
        messages.error(request, "Choose one of the patient's referring doctors.")
        return redirect(note)
    try:
        letter = letters.write_letter(
            note,
            doctor=form.cleaned_data["doctor"],
            by=request.user,
            mail=form.cleaned_data["mail"],
        )
    except services.NotesError as error:
        messages.error(request, str(error))
        return redirect(note)
    if letter.sent_to:
        messages.success(request, f"Letter stored in the documents and sent to {letter.sent_to}.")
    else:
        messages.success(request, "Letter stored in the documents, ready to print.")
    return redirect(note)
