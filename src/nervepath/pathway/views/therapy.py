# SPDX-License-Identifier: AGPL-3.0-or-later
"""Therapy course pages: the staff list and course page (clinicians in the patient's
care), and the patient's own courses in the portal.

Every POST names its patient to the access policy with the action it takes; every course
and session id is looked up within that patient (another patient's id answers 404). A
refused change re-renders the page with the message and status 400, having stored
nothing (the services check first and write in one transaction).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext

from nervepath.accounts.models import Patient, Role, User
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.pathway import blocks, therapy
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.forms import form_error, posted_id
from nervepath.pathway.models import (
    CourseStatus,
    Modality,
    SessionStatus,
    TherapyCourse,
    TherapySession,
)
from nervepath.pathway.views import clinical_patient, portal_patient
from nervepath.scheduling import availability
from nervepath.scheduling.models import Appointment, AppointmentType, Clinician, Location, Status

SLOTS_OFFERED = 8
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PERCENT = forms.NumberInput(attrs={"min": -100, "max": 100, "step": 1})


class StartForm(forms.Form):
    modality = forms.ChoiceField(choices=Modality.choices, label="Therapy")
    planned_sessions = forms.IntegerField(
        label="Planned sessions", widget=forms.NumberInput(attrs={"min": 1, "max": 60})
    )
    clinician = forms.ModelChoiceField(
        queryset=blocks.clinician_users(),
        empty_label="Choose a clinician",
        label="Clinician in charge",
    )
    started_on = forms.DateField(label="Starts on", widget=DATE)
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class BookForm(forms.Form):
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none())
    location = forms.ModelChoiceField(queryset=Location.objects.all())
    clinician = forms.ModelChoiceField(queryset=Clinician.objects.filter(active=True))
    starts_at = forms.DateTimeField()

    def __init__(self, course: TherapyCourse, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["appointment_type"]
        ).queryset = AppointmentType.objects.filter(treatment__in=therapy.types_for(course))


class RecordForm(forms.Form):
    session = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        choices=[(SessionStatus.DONE, "Done"), (SessionStatus.MISSED, "Missed")],
        widget=forms.RadioSelect,
        initial=SessionStatus.DONE,
    )
    held_on = forms.DateField(label="Day", widget=DATE)
    notes = forms.CharField(required=False, max_length=1000)

    def __init__(self, modalities: tuple[str, ...], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.modalities = modalities
        for modality in modalities:
            for p in therapy.PARAMETERS[modality]:
                self.fields[f"{modality}_{p.key}"] = forms.CharField(
                    required=False,
                    max_length=20,
                    label=f"{p.label} ({p.unit})",
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
                )

    def parameter_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (
                therapy.MODALITY_LABELS[m],
                [self[f"{m}_{p.key}"] for p in therapy.PARAMETERS[m]],
            )
            for m in self.modalities
        ]

    def parameters(self) -> dict[str, str]:
        """The values of the one modality filled in (both filled in: refused)."""
        filled = {}
        for m in self.modalities:
            values = {
                p.key: self.cleaned_data[f"{m}_{p.key}"]
                for p in therapy.PARAMETERS[m]
                if self.cleaned_data.get(f"{m}_{p.key}")
            }
            if values:
                filled[m] = values
        if len(filled) > 1:
            raise PathwayError("Record the settings of one modality per session.")
        return next(iter(filled.values()), {})


class EndForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(CourseStatus.COMPLETED, "Completed"), (CourseStatus.STOPPED, "Stopped early")],
        label="Outcome",
    )
    ended_on = forms.DateField(label="Ended on", widget=DATE)
    improvement_pct = forms.IntegerField(
        required=False,
        label="Patient's reported improvement (%)",
        help_text="−100 (much worse) to 100 (symptoms gone); leave empty if not known yet.",
        widget=PERCENT,
    )


class ImprovementForm(forms.Form):
    improvement_pct = forms.IntegerField(label="Improvement (%)", widget=PERCENT)


def _courses(patient: Patient) -> list[dict[str, Any]]:
    """The patient's courses with their progress and next session, from one query for
    the courses and one for all their sessions (however many courses)."""
    sessions = TherapySession.objects.select_related(
        "appointment__location", "appointment__clinician__user"
    )
    courses = (
        TherapyCourse.objects.filter(patient=patient)
        .select_related("clinician")
        .prefetch_related(Prefetch("sessions", queryset=sessions))
    )
    now = timezone.now()
    out = []
    for course in courses:
        rows = list(course.sessions.all())
        out.append(
            {
                "course": course,
                "progress": therapy.progress(course, rows),
                "next": therapy.next_booked(course, now, sessions=rows),
            }
        )
    return out


# -- staff -------------------------------------------------------------------------------


@login_required
def therapy_list(request: SignedInRequest, pk: int) -> HttpResponse:
    posting = request.method == "POST"
    patient = clinical_patient(request, pk, action=Action.CREATE if posting else Action.VIEW)
    initial: dict[str, object] = {"started_on": timezone.localdate()}
    if getattr(request.user, "role", None) == Role.CLINICIAN:
        initial["clinician"] = request.user.pk
    form = StartForm(request.POST if posting else None, initial=initial)
    error = ""
    if posting:
        if form.is_valid():
            data = form.cleaned_data
            try:
                course = therapy.start_course(
                    patient,
                    modality=data["modality"],
                    planned_sessions=data["planned_sessions"],
                    clinician=data["clinician"],
                    started_on=data["started_on"],
                    notes=data["notes"],
                    by=request.user,
                )
            except PathwayError as exc:
                error = str(exc)
            else:
                messages.success(request, f"Course started: {course}.")
                return redirect(course)
        else:
            error = form_error(form)
    return render(
        request,
        "pathway/therapy/list.html",
        {"patient": patient, "courses": _courses(patient), "form": form, "error": error},
        status=400 if error else 200,
    )


def _slot_from(request: HttpRequest) -> date | None:
    """The day the offered times start from (``?from=``), kept between today and the
    staff booking horizon; a day that is not one is ignored (None: from now)."""
    raw = request.GET.get("from", "")
    try:
        day = date.fromisoformat(raw) if raw.isascii() and len(raw) == 10 else None
    except ValueError:
        return None
    if day is None:
        return None
    today = timezone.localdate()
    latest = timezone.localdate(availability.staff_window().latest)
    return min(max(day, today), latest)


def _slot_start(day: date | None) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


@login_required
def therapy_course(request: SignedInRequest, pk: int, course_pk: int) -> HttpResponse:
    posting = request.method == "POST"
    patient = clinical_patient(request, pk, action=Action.UPDATE if posting else Action.VIEW)
    course = get_object_or_404(TherapyCourse, pk=course_pk, patient=patient)
    user: User = request.user
    op = request.POST.get("op", "") if posting else ""
    error = ""
    record_form = None
    end_form = EndForm(
        request.POST if op == "end" else None,
        initial={"ended_on": timezone.localdate(), "status": CourseStatus.COMPLETED},
    )
    improvement_form = ImprovementForm(request.POST if op == "improvement" else None)
    try:
        if op == "book":
            form = BookForm(course, request.POST)
            if not form.is_valid():
                raise PathwayError("That time is not one of the times offered; choose again.")
            session = therapy.book_session(course, **form.cleaned_data, by=user)
            messages.success(
                request,
                f"Session {session.number} booked for "
                f"{cast(Appointment, session.appointment).local_start:%a %b %-d, %-I:%M %p}.",
            )
            return redirect(course)
        if op == "record":
            session = get_object_or_404(
                TherapySession.objects.select_related("appointment__appointment_type"),
                pk=posted_id(request, "session"),
                course=course,
                patient=patient,
            )
            record_form = RecordForm(therapy.session_modalities(session), request.POST)
            if not record_form.is_valid():
                raise PathwayError(form_error(record_form))
            data = record_form.cleaned_data
            therapy.record_session(
                session,
                status=data["status"],
                parameters=record_form.parameters() if data["status"] == SessionStatus.DONE else {},
                notes=data["notes"],
                on=data["held_on"],
                by=user,
            )
            messages.success(request, f"Session {session.number} recorded.")
            return redirect(course)
        if op == "end":
            if not end_form.is_valid():
                raise PathwayError(form_error(end_form))
            therapy.end_course(course, **end_form.cleaned_data, by=user)
            messages.success(request, "Course ended.")
            return redirect(course)
        if op == "improvement":
            if not improvement_form.is_valid():
                raise PathwayError(form_error(improvement_form))
            therapy.report_improvement(
                course, improvement_pct=improvement_form.cleaned_data["improvement_pct"], by=user
            )
            messages.success(request, "Improvement recorded.")
            return redirect(course)
        if posting:
            raise PathwayError("Choose what to do: book, record or end.")
    except PathwayError as exc:
        error = str(exc)
    return render(
        request,
        "pathway/therapy/course.html",
        _course_context(request, patient, course, error, record_form, end_form, improvement_form),
        status=400 if error else 200,
    )


def _course_context(
    request: HttpRequest,
    patient: Patient,
    course: TherapyCourse,
    error: str,
    posted_record: RecordForm | None,
    end_form: EndForm,
    improvement_form: ImprovementForm,
) -> dict[str, Any]:
    course.refresh_from_db()
    sessions = list(
        TherapySession.objects.filter(course=course).select_related(
            "appointment__location",
            "appointment__clinician__user",
            "appointment__appointment_type",
            "recorded_by",
        )
    )
    now = timezone.now()
    rows = []
    for s in sessions:
        appointment = s.appointment
        recordable = (
            course.status == CourseStatus.ACTIVE
            and s.status == SessionStatus.PLANNED
            and (appointment is None or appointment.status != Status.CANCELLED)
            and (appointment is None or appointment.starts_at <= now)
        )
        form = None
        if recordable:
            if posted_record is not None and str(posted_record.data.get("session")) == str(s.pk):
                form = posted_record
            else:
                form = RecordForm(
                    therapy.session_modalities(s),
                    initial={"session": s.pk, "held_on": s.on_date},
                    prefix=None,
                    auto_id=f"id_s{s.pk}_%s",
                )
        rows.append(
            {
                "session": s,
                "appointment": appointment,
                "cancelled": appointment is not None and appointment.status == Status.CANCELLED,
                "parameters": therapy.parameter_text(s),
                "form": form,
            }
        )
    room = therapy.has_room(course)
    day = _slot_from(request)
    slots = (
        therapy.session_slots(course, SLOTS_OFFERED, after=_slot_start(day), per_day=2)
        if room
        else []
    )
    return {
        "patient": patient,
        "course": course,
        "progress": therapy.progress(course, sessions),
        "rows": rows,
        "slots": slots,
        "room": room,
        "error": error,
        "end_form": end_form,
        "improvement_form": improvement_form,
        "active": course.status == CourseStatus.ACTIVE,
        "from": day.isoformat() if day is not None else "",
    }


# -- portal ------------------------------------------------------------------------------


@login_required
def my_therapy(request: SignedInRequest) -> HttpResponse:
    posting = request.method == "POST"
    patient = portal_patient(request, action=Action.UPDATE if posting else Action.VIEW)
    error = ""
    form = ImprovementForm(request.POST if posting else None)
    if posting:
        course = get_object_or_404(TherapyCourse, pk=posted_id(request, "course"), patient=patient)
        try:
            if not form.is_valid():
                raise PathwayError(
                    gettext(
                        "Give your improvement as a whole number from −100 (much worse) to 100."
                    )
                )
            therapy.report_improvement(
                course,
                improvement_pct=form.cleaned_data["improvement_pct"],
                by=request.user,
            )
        except PathwayError as exc:
            error = str(exc)
        else:
            messages.success(request, gettext("Thank you: your improvement is recorded."))
            return redirect("pathway:my_therapy")
    return render(
        request,
        "pathway/therapy/my_therapy.html",
        {"patient": patient, "courses": _courses(patient), "error": error},
        status=400 if error else 200,
    )
