# SPDX-License-Identifier: AGPL-3.0-or-later
"""Nights in the portal (the patient's own) and on the staff record (clinicians in care).

Every page, poll and download names its patient to the access policy, which checks and
audits; another patient's ids answer 404. Files are read through Django's storage API
and served as attachments (or, for the figures, as images to this site's own pages).
"""

from __future__ import annotations

import json
import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts import language
from nervepath.accounts.models import Patient
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.documents import storage
from nervepath.ratelimit import rate_limit
from nervepath.wearables import clinical, compare, events, plain, plots, services
from nervepath.wearables.forms import CompareForm, UploadForm
from nervepath.wearables.models import Analysis, Night, Recording, State
from nervepath.wearables.pdf import night_pdf

log = logging.getLogger(__name__)


def _upload(request: SignedInRequest, patient: Patient, form: UploadForm) -> bool:
    if not form.is_valid():
        return False
    upload = form.cleaned_data["file"]
    try:
        recording, created = services.add_recording(
            patient, upload, by=request.user, body_location=form.cleaned_data["body_location"]
        )
    except storage.UploadRefused as exc:
        form.add_error("file", str(exc))
        return False
    if created:
        audit.record(request, Action.CREATE, patient_id=patient.pk, obj=recording)
        messages.success(request, _("File received. The analysis runs in the background."))
    else:
        messages.info(
            request,
            _("This file was already uploaded on %(day)s as “%(name)s”; it is not analysed again.")
            % {"day": language.day(recording.uploaded_at, "date"), "name": recording.original_name},
        )
    return True


def _list_page(
    request: HttpRequest, patient: Patient, form: UploadForm, *, staff: bool
) -> HttpResponse:
    recordings = list(
        Recording.objects.filter(patient=patient)
        .select_related("analysis", "uploaded_by")
        .prefetch_related("nights")
    )
    services.recover_stale([r.analysis for r in recordings if hasattr(r, "analysis")])
    nights = list(Night.objects.filter(patient=patient).order_by("night_of"))
    context = {
        "patient": patient,
        "recordings": recordings,
        "nights": nights,
        "form": form,
        "staff": staff,
        "max_mb": settings.NERVEPATH["MAX_RECORDING_MB"],
        "cutoff": clinical.PLMS_CUTOFF_ADULT,
        "cutoff_source": clinical.CUTOFF_SOURCE,
    }
    if staff:
        found = events.events_for(patient)
        picked = CompareForm(request.GET or None, events=found)
        context.update(events=found, compare_form=picked)
        if found and picked.is_valid():
            event = next(e for e in found if e.key == picked.cleaned_data["event"])
            context["comparison"] = compare.compare(nights, event, picked.cleaned_data["days"])
    status = 400 if request.method == "POST" else 200
    return render(request, "wearables/list.html", context, status=status)


@login_required
@rate_limit("upload", key="user")
def my_nights(request: SignedInRequest) -> HttpResponse:
    action = Action.CREATE if request.method == "POST" else Action.VIEW
    patient = policy.own_patient(request, Scope.CLINICAL, action=action)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _upload(request, patient, form):
        return redirect("wearables:mine")
    return _list_page(request, patient, form, staff=False)


@login_required
@rate_limit("upload", key="user")
def patient_nights(request: SignedInRequest, pk: int) -> HttpResponse:
    action = Action.CREATE if request.method == "POST" else Action.VIEW
    patient = policy.get_patient(request, pk, Scope.CLINICAL, action=action)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _upload(request, patient, form):
        return redirect("wearables:patient", pk)
    return _list_page(request, patient, form, staff=True)


@login_required
def timeline(request: SignedInRequest, pk: int) -> HttpResponse:
    patient = policy.get_patient(request, pk, Scope.CLINICAL)
    nights = list(Night.objects.filter(patient=patient).order_by("night_of"))
    svg = plots.timeline_svg(nights, events.events_for(patient))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "no-store, private"
    return response


def _night(request: HttpRequest, public_id: uuid.UUID, action: str = Action.VIEW) -> Night:
    night = (
        Night.objects.select_related("recording", "patient__user")
        .filter(public_id=public_id)
        .first()
    )
    if night is None:
        raise Http404("No such night.")
    policy.require(request, night.patient_id, Scope.CLINICAL, action=action, obj=night)
    return night


def _back(request: SignedInRequest, patient_id: int) -> str:
    if request.user.is_patient:
        return reverse("wearables:mine")
    return reverse("wearables:patient", args=[patient_id])


@login_required
def night_page(request: SignedInRequest, public_id: uuid.UUID) -> HttpResponse:
    night = _night(request, public_id)
    report = night.night_report
    if request.user.is_patient:
        # Plain language, no index and no alarm (issue 16 §3); the clinician's page
        # keeps every detail.
        return render(
            request,
            "wearables/night_patient.html",
            {
                "night": night,
                "patient": night.patient,
                "plain": plain.plain_night(report),
                "back": _back(request, night.patient_id),
            },
        )
    return render(
        request,
        "wearables/night.html",
        {
            "night": night,
            "patient": night.patient,
            "report": report,
            "above_cutoff": clinical.above_cutoff(night.plms_index),
            "cutoff": clinical.PLMS_CUTOFF_ADULT,
            "cutoff_source": clinical.CUTOFF_SOURCE,
            "window_start": report.sleep_window_start[11:16],
            "window_end": report.sleep_window_end[11:16],
            "back": _back(request, night.patient_id),
        },
    )


def _stored_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return fh.read()


@login_required
def night_figure(request: SignedInRequest, public_id: uuid.UUID) -> HttpResponse:
    night = _night(request, public_id)
    if not night.figure_name:
        raise Http404("No figure for this night.")
    response = HttpResponse(_stored_bytes(night.figure_name), content_type="image/png")
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def night_download(request: SignedInRequest, public_id: uuid.UUID, kind: str) -> HttpResponse:
    night = _night(request, public_id, action=Action.DOWNLOAD)
    stem = f"night-{night.night_of}"
    if kind == "json":
        body = json.dumps(night.report, indent=2)
        return storage.attachment_of(body, filename=f"{stem}.json", content_type="application/json")
    if kind == "csv":
        return storage.attachment_of(
            _stored_bytes(night.csv_name), filename=f"{stem}.csv", content_type="text/csv"
        )
    if kind in ("pdf", "patient-pdf"):
        # A patient gets the patient's version whichever link; staff get either.
        for_patient = kind == "patient-pdf" or request.user.is_patient
        pdf = night_pdf(
            patient_name=night.patient.user.get_full_name() or str(night.patient),
            record_number=night.patient_id,
            night=night,
            figure_png=(
                _stored_bytes(night.figure_name) if night.figure_name and not for_patient else b""
            ),
            clinic=settings.NERVEPATH["CLINIC_NAME"],
            for_patient=for_patient,
        )
        name = f"{stem}-summary.pdf" if for_patient else f"{stem}.pdf"
        return storage.attachment_of(pdf, filename=name, content_type="application/pdf")
    raise Http404("No such report.")


def _recording(request: HttpRequest, public_id: uuid.UUID, action: str = Action.VIEW) -> Recording:
    recording = Recording.objects.select_related("analysis").filter(public_id=public_id).first()
    if recording is None:
        raise Http404("No such recording.")
    policy.require(request, recording.patient_id, Scope.CLINICAL, action=action, obj=recording)
    return recording


@login_required
def recording_status(request: SignedInRequest, public_id: uuid.UUID) -> JsonResponse:
    recording = _recording(request, public_id)
    analysis: Analysis = recording.analysis
    services.recover_stale([analysis])
    analysis.refresh_from_db()
    response = JsonResponse(
        {
            "state": analysis.state,
            "label": analysis.get_state_display(),
            "message": analysis.error_message,
            "attempts": analysis.attempts,
            "finished": analysis.state in (State.DONE, State.FAILED),
            "nights": [
                reverse("wearables:night", args=[n.public_id]) for n in recording.nights.all()
            ],
        }
    )
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def recording_file(request: SignedInRequest, public_id: uuid.UUID) -> HttpResponseBase:
    recording = _recording(request, public_id, action=Action.DOWNLOAD)
    try:
        return storage.attachment(
            recording.storage_name,
            sha256=recording.sha256,
            filename=f"recording-{recording.public_id.hex[:8]}{recording.file_format}",
            content_type="application/octet-stream",
        )
    except (storage.StoredFileDamaged, FileNotFoundError):
        log.error("Stored recording %s failed its checksum or is missing", recording.pk)
        audit.record(
            request,
            Action.DENIED,
            patient_id=recording.patient_id,
            obj=recording,
            detail="checksum mismatch or missing file",
        )
        messages.error(
            request, _("The stored file no longer matches its checksum; it is not served.")
        )
        return redirect(_back(request, recording.patient_id))


@login_required
@require_POST
def rerun(request: SignedInRequest, public_id: uuid.UUID) -> HttpResponse:
    recording = _recording(request, public_id, action=Action.UPDATE)
    if request.user.is_patient:
        raise PermissionDenied("Staff run analyses again.")
    if services.rerun(recording.analysis):
        messages.success(request, "The analysis is queued again.")
    else:
        messages.info(request, "The analysis is still queued or running.")
    return redirect("wearables:patient", recording.patient_id)
