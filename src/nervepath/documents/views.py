# SPDX-License-Identifier: AGPL-3.0-or-later
"""Documents in the portal (the patient's own) and on the staff record (clinicians in
care). Every list, upload and download goes through the access policy and is audited."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.models import Patient, User
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.documents import storage
from nervepath.documents.forms import DocumentForm
from nervepath.documents.models import Document
from nervepath.ratelimit import rate_limit

log = logging.getLogger(__name__)


def add_document(
    patient: Patient, upload: UploadedFile, *, kind: str, title: str, by: User
) -> Document:
    """Store the bytes, then the row; if the row cannot be written, the bytes go too."""
    limit = settings.NERVEPATH["MAX_DOCUMENT_MB"] * 1024 * 1024
    stored = storage.store(upload, prefix=f"documents/{patient.pk}", max_bytes=limit)
    try:
        with transaction.atomic():
            return Document.objects.create(
                patient=patient,
                kind=kind,
                title=title,
                original_name=storage.safe_display_name(upload.name or "file"),
                storage_name=stored.name,
                # DocumentForm.clean_file sniffs the bytes and notes the type on the upload.
                content_type=upload.detected_type,  # type: ignore[attr-defined]
                size=stored.size,
                sha256=stored.sha256,
                uploaded_by=by,
            )
    except Exception:
        storage.default_storage.delete(stored.name)
        raise


def _upload(request: SignedInRequest, patient: Patient, form: DocumentForm) -> Document | None:
    if not form.is_valid():
        return None
    try:
        document = add_document(
            patient,
            form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            by=request.user,
        )
    except storage.UploadRefused as exc:
        form.add_error("file", str(exc))
        return None
    audit.record(request, Action.CREATE, patient_id=patient.pk, obj=document)
    return document


def _page(
    request: HttpRequest, patient: Patient, form: DocumentForm, *, staff: bool
) -> HttpResponse:
    documents = Document.objects.filter(patient=patient).select_related("uploaded_by")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "documents/list.html",
        {
            "patient": patient,
            "documents": documents,
            "form": form,
            "staff": staff,
            "max_mb": settings.NERVEPATH["MAX_DOCUMENT_MB"],
        },
        status=status,
    )


@login_required
@rate_limit("upload", key="user")
def my_documents(request: SignedInRequest) -> HttpResponse:
    action = Action.CREATE if request.method == "POST" else Action.VIEW
    patient = policy.own_patient(request, Scope.CLINICAL, action=action)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _upload(request, patient, form):
        messages.success(request, "Document added to your record.")
        return redirect("documents:mine")
    return _page(request, patient, form, staff=False)


@login_required
@rate_limit("upload", key="user")
def patient_documents(request: SignedInRequest, pk: int) -> HttpResponse:
    action = Action.CREATE if request.method == "POST" else Action.VIEW
    patient = policy.get_patient(request, pk, Scope.CLINICAL, action=action)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _upload(request, patient, form):
        messages.success(request, "Document added to the record.")
        return redirect("documents:patient", pk)
    return _page(request, patient, form, staff=True)


@login_required
def download(request: SignedInRequest, public_id: uuid.UUID) -> HttpResponseBase:
    document = Document.objects.filter(public_id=public_id).first()
    if document is None:
        raise Http404("No such document.")
    policy.require(
        request, document.patient_id, Scope.CLINICAL, action=Action.DOWNLOAD, obj=document
    )
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
    filename = (
        f"document-{document.public_id.hex[:8]}.{extension.get(document.content_type, 'bin')}"
    )
    try:
        return storage.attachment(
            document.storage_name,
            sha256=document.sha256,
            filename=filename,
            content_type=document.content_type,
        )
    except (storage.StoredFileDamaged, FileNotFoundError):
        log.error("Stored document %s failed its checksum or is missing", document.pk)
        audit.record(
            request,
            Action.DENIED,
            patient_id=document.patient_id,
            obj=document,
            detail="checksum mismatch or missing file",
        )
        back = (
            reverse("documents:mine")
            if request.user.is_patient
            else reverse("documents:patient", args=[document.patient_id])
        )
        return render(
            request,
            "documents/damaged.html",
            {"document": document, "back": back},
            status=409,
        )
