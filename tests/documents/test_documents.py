# SPDX-License-Identifier: AGPL-3.0-or-later
"""Uploads: generated storage names, type sniffing, size limits, checksums, attachment
downloads, access by role, rate limits."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from helpers import login
from nervepath.access.models import CareAssignment
from nervepath.audit.models import Action, AuditEvent
from nervepath.documents.models import Document

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 2000


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _post(client, data: bytes, name: str = "letter.pdf", url: str | None = None):
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    return client.post(
        url or reverse("documents:mine"),
        {"kind": "referral", "title": "Referral from Dr Park", "file": upload},
    )


def test_a_patient_adds_a_pdf_and_downloads_it_as_an_attachment(client, alice, media):
    login(client, alice.user)
    assert _post(client, PDF, name="../../etc/passwd.pdf").status_code == 302
    document = Document.objects.get(patient=alice)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest() and document.size == len(PDF)
    assert document.original_name == "passwd.pdf"
    assert "passwd" not in document.storage_name and ".." not in document.storage_name
    (stored,) = _files(media)
    assert stored.read_bytes() == PDF and stored.resolve().is_relative_to(media.resolve())
    response = client.get(reverse("documents:download", args=[document.public_id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(
        action=Action.DOWNLOAD, patient_id=alice.pk, object_id=str(document.pk)
    ).exists()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"#!/bin/sh\necho hi\n", "script.pdf", "Only PDF, PNG and JPEG"),
        (b"<html><script>alert(1)</script></html>", "page.png", "Only PDF, PNG and JPEG"),
        (b"", "empty.pdf", "empty"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused_and_nothing_is_kept(
    client, alice, media, data, name, message
):
    login(client, alice.user)
    response = _post(client, data, name=name)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Document.objects.exists() and _files(media) == []


def test_an_oversized_file_is_refused_while_streaming(client, alice, media, settings):
    settings.NERVEPATH = {**settings.NERVEPATH, "MAX_DOCUMENT_MB": 1}
    login(client, alice.user)
    response = _post(client, PDF + b"y" * (1024 * 1024))
    assert response.status_code == 400 and "larger than 1 MB" in response.content.decode()
    assert not Document.objects.exists() and _files(media) == []


def test_a_file_changed_in_storage_is_not_served(client, alice, media):
    login(client, alice.user)
    _post(client, PDF)
    document = Document.objects.get()
    (stored,) = _files(media)
    stored.write_bytes(PDF.replace(b"x", b"z", 1))
    response = client.get(reverse("documents:download", args=[document.public_id]))
    assert response.status_code == 409
    assert "no longer matches" in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.DENIED, object_id=str(document.pk)).exists()


def test_a_spanish_speaking_patient_reads_why_a_document_is_not_served(client, alice, media):
    alice.preferred_language = "es"
    alice.save()
    login(client, alice.user)
    _post(client, PDF)
    document = Document.objects.get()
    (stored,) = _files(media)
    stored.write_bytes(PDF.replace(b"x", b"z", 1))
    page = client.get(reverse("documents:download", args=[document.public_id])).content.decode()
    assert "No se puede abrir este documento" in page and "Volver a los documentos" in page
    assert "no longer matches" not in page


def test_only_the_patient_and_her_clinicians_reach_her_documents(
    client, alice, bob, hale, lindqvist, frontdesk, media
):
    login(client, alice.user)
    _post(client, PDF)
    document = Document.objects.get()
    url = reverse("documents:download", args=[document.public_id])
    record = reverse("documents:patient", args=[alice.pk])
    CareAssignment.objects.create(clinician=hale.user, patient=alice, assigned_by=frontdesk)
    expected = {bob.user: 404, lindqvist.user: 404, frontdesk: 403, hale.user: 200}
    for user, status in expected.items():
        client.logout()
        login(client, user)
        assert client.get(url).status_code == status, user
        if user != bob.user:
            assert client.get(record).status_code == status, user
    client.logout()
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page


def test_a_clinician_adds_a_document_to_a_patient_in_care(client, alice, hale, frontdesk, media):
    CareAssignment.objects.create(clinician=hale.user, patient=alice, assigned_by=frontdesk)
    login(client, hale.user)
    url = reverse("documents:patient", args=[alice.pk])
    assert _post(client, PDF, url=url).status_code == 302
    document = Document.objects.get()
    assert (document.patient, document.uploaded_by) == (alice, hale.user)
    assert "Referral from Dr Park" in client.get(url).content.decode()


def test_uploads_are_rate_limited(client, alice, media, settings):
    limits = {**settings.NERVEPATH["RATE_LIMITS"], "upload": (2, 60)}
    settings.NERVEPATH = {**settings.NERVEPATH, "RATE_LIMITS": limits}
    login(client, alice.user)
    statuses = [_post(client, PDF).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert Document.objects.count() == 2
