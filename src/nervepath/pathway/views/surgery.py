# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinician's surgery pages: the patient's surgeries, recording one, and one
surgery with its details, intraoperative monitoring (by hand or from the device's CSV),
follow-ups, history and the scheduling of the other leg.

Each view names its patient to the access policy (``clinical_patient``) before anything
else and looks every id up within that patient: another patient's surgery is 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from nervepath.accounts.models import Patient
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.pathway import surgery as services
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.forms import parse_id
from nervepath.pathway.models import Nerve, Phase, Surgery, SurgeryStatus
from nervepath.pathway.surgery_forms import ImportForm, OtherLegForm, ReadingsForm, SurgeryForm
from nervepath.pathway.views import clinical_patient, consent_check
from nervepath.scheduling.models import Appointment, Leg, Status
from nervepath.scheduling.views.common import slot_days


def _surgery_appointments(patient: Patient) -> Any:
    """The patient's surgery visits not cancelled and not yet linked to a record."""
    return (
        Appointment.objects.filter(
            patient=patient, appointment_type__surgery_leg__in=Leg.values, surgery__isnull=True
        )
        .exclude(status=Status.CANCELLED)
        .select_related("appointment_type", "location", "clinician__user")
        .order_by("starts_at")
    )


@login_required
def surgeries(request: SignedInRequest, pk: int) -> HttpResponse:
    patient = clinical_patient(request, pk)
    return render(
        request,
        "pathway/surgery/list.html",
        {
            "patient": patient,
            "surgeries": patient.surgeries.select_related("surgeon__user", "location"),
            "appointments": _surgery_appointments(patient),
        },
    )


@login_required
def surgery_new(request: SignedInRequest, pk: int) -> HttpResponse:
    posted = request.method == "POST"
    patient = clinical_patient(request, pk, action=Action.CREATE if posted else Action.VIEW)
    appointment = None
    raw = (request.POST if posted else request.GET).get("appointment", "")
    if raw:
        appointment_id = parse_id(raw)
        if appointment_id is None:
            raise Http404("No such appointment.")
        appointment = get_object_or_404(_surgery_appointments(patient), pk=appointment_id)
    initial: dict[str, Any] = {"status": SurgeryStatus.PLANNED}
    if appointment is not None:
        initial |= {
            "leg": appointment.appointment_type.surgery_leg,
            "operated_on": appointment.local_start.date(),
            "surgeon": appointment.clinician_id,
            "location": appointment.location_id,
        }
    form = SurgeryForm(request.POST or None, initial=initial)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            surgery = services.record_surgery(
                patient,
                leg=data["leg"],
                operated_on=data["operated_on"],
                surgeon=data["surgeon"],
                location=data["location"],
                tunnels=data["tunnels"],
                status=data["status"],
                appointment=appointment,
                findings=data["findings"],
                complications=data["complications"],
                repeat_reason=data["repeat_reason"],
                by=request.user,
            )
        except PathwayError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Recorded: {surgery}.")
            return redirect(surgery)
    return render(
        request,
        "pathway/surgery/new.html",
        {
            "patient": patient,
            "form": form,
            "appointment": appointment,
            "appointments": _surgery_appointments(patient),
            "consent_check": consent_check(
                patient,
                "surgery",
                leg=appointment.appointment_type.surgery_leg if appointment else "",
            ),
        },
        status=400 if posted else 200,
    )


@dataclass(frozen=True)
class Change:
    when: datetime
    who: str
    kind: str
    fields: list[str]


def _history(surgery: Surgery) -> list[Change]:
    records = list(surgery.history.select_related("history_user").order_by("history_date")[:200])
    out = []
    previous = None
    for record in records:
        fields: list[str] = []
        if previous is not None:
            fields = sorted(
                str(cast(models.Field, Surgery._meta.get_field(c.field)).verbose_name)
                for c in record.diff_against(previous).changes
            )
        who = record.history_user
        out.append(
            Change(
                record.history_date,
                (who.get_full_name() or who.email) if who else "—",
                record.get_history_type_display(),
                fields,
            )
        )
        previous = record
    return list(reversed(out))


def _readings_initial(surgery: Surgery) -> dict[str, float | None]:
    return {
        f"{r.nerve}_{r.phase}_{w}": v
        for r in surgery.readings.all()
        for w, v in (("amp", r.amplitude_uv), ("lat", r.latency_ms))
    }


@login_required
def surgery_detail(request: SignedInRequest, pk: int, surgery_pk: int) -> HttpResponse:
    posted = request.method == "POST"
    patient = clinical_patient(request, pk, action=Action.UPDATE if posted else Action.VIEW)
    surgery = get_object_or_404(
        Surgery.objects.select_related("surgeon__user", "location", "appointment", "first_leg"),
        pk=surgery_pk,
        patient=patient,
    )
    which = request.POST.get("form", "") if posted else ""
    data = request.POST if posted else None
    edit_form = SurgeryForm(
        data if which == "edit" else None,
        edit=True,
        surgeon_id=surgery.surgeon_id,
        prefix="edit",
        initial={
            "operated_on": surgery.operated_on,
            "surgeon": surgery.surgeon_id,
            "location": surgery.location_id,
            "tunnels": surgery.tunnels,
            "status": surgery.status,
            "findings": surgery.findings,
            "complications": surgery.complications,
            "repeat_reason": surgery.repeat_reason,
        },
    )
    readings_form = ReadingsForm(
        data if which == "readings" else None, prefix="mon", initial=_readings_initial(surgery)
    )
    import_form = ImportForm(
        data if which == "import" else None,
        request.FILES if which == "import" else None,
        prefix="csv",
    )
    leg_form = OtherLegForm(
        data if which == "other_leg" else None, prefix="leg", initial={"tunnels": surgery.tunnels}
    )
    error = ""
    if posted:
        user = request.user
        try:
            if which == "edit" and edit_form.is_valid():
                services.update_surgery(surgery, by=user, **edit_form.cleaned_data)
                messages.success(request, "Saved.")
                return redirect(surgery)
            if which == "readings" and readings_form.is_valid():
                services.enter_readings(surgery, readings_form.values(), by=user)
                messages.success(request, "Monitoring readings saved.")
                return redirect(surgery)
            if which == "import" and import_form.is_valid():
                upload = import_form.cleaned_data["file"]
                services.check_csv_size(upload.size)  # before reading it
                made = services.import_csv(
                    surgery,
                    upload.read(),
                    replace=import_form.cleaned_data["replace"],
                    by=user,
                )
                messages.success(request, f"Imported {len(made)} reading(s).")
                return redirect(surgery)
            if which == "other_leg" and leg_form.is_valid():
                starts_at, clinician = leg_form.cleaned_data["slot"]
                second = services.schedule_other_leg(
                    surgery,
                    starts_at,
                    by=user,
                    clinician=clinician,
                    tunnels=leg_form.cleaned_data["tunnels"],
                )
                messages.success(request, f"Booked: {second}.")
                return redirect(second)
            if which not in ("edit", "readings", "import", "other_leg"):
                error = "Nothing to save."
        except PathwayError as exc:
            error = str(exc)
    other = services.other_leg_surgery(surgery)
    slots, slots_error = [], ""
    if other is None and surgery.status != SurgeryStatus.CANCELLED:
        try:
            found = services.other_leg_slots(surgery)
        except PathwayError as exc:
            slots_error = str(exc)
        else:
            slots = slot_days(found, surgery.location, one_per_time=False)
    try:
        table = services.monitoring_table(surgery)
    except services.monitoring.MonitoringError as exc:  # rows written before a rule existed
        table, error = [], error or str(exc)
    context = {
        "patient": patient,
        "surgery": surgery,
        "edit_form": edit_form,
        "readings_form": readings_form,
        "import_form": import_form,
        "leg_form": leg_form,
        "which": which,
        "error": error,
        "table": table,
        "nerves": Nerve.choices,
        "phases": Phase.choices,
        "follow_ups": surgery.follow_ups.select_related("appointment__location"),
        "other": other,
        "second_legs": surgery.second_legs.all(),
        "slots": slots,
        "slots_error": slots_error,
        "history": _history(surgery),
        "today": timezone.localdate(),
        "consent_check": consent_check(
            patient, "surgery", leg=surgery.leg, tunnels=surgery.tunnels
        ),
    }
    return render(request, "pathway/surgery/detail.html", context, status=400 if posted else 200)
