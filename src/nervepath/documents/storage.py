# SPDX-License-Identifier: AGPL-3.0-or-later
"""Storing and serving uploaded files safely (OWASP ASVS 4.0 V12).

- The name in storage is generated here (a random hex id under a prefix); a user's file
  name is kept only as display text and never becomes part of a path.
- Files go through Django's default storage (a folder outside the web root by default,
  an S3-compatible bucket when configured), never through a public URL.
- The size limit is enforced while streaming, so an oversized upload never lands whole.
- The SHA-256 is computed while writing and checked again before every download: a file
  changed or damaged in storage is refused, not served.
- Downloads are attachments with ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from typing import IO, TypeVar, cast

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

CHUNK = 1024 * 1024


class UploadRefused(ValueError):
    """The upload cannot be kept; the message says why in plain words."""


class StoredFileDamaged(RuntimeError):
    """A stored file no longer matches the checksum taken when it was uploaded."""


@dataclass(frozen=True)
class Stored:
    name: str
    size: int
    sha256: str


class _HashingReader:
    """Wraps an upload: counts and hashes what storage reads, stops past the limit."""

    def __init__(self, source: IO[bytes], max_bytes: int) -> None:
        self.source = source
        self.max_bytes = max_bytes
        self.size = 0
        self.digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(CHUNK if n is None or n < 0 else n)
        self.size += len(data)
        if self.size > self.max_bytes:
            raise UploadRefused(f"The file is larger than {self.max_bytes // (1024 * 1024)} MB.")
        self.digest.update(data)
        return data


def safe_display_name(name: str, *, limit: int = 120) -> str:
    """The user's file name as text to show: no folders, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(
        ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C"
    ).strip()
    return cleaned[:limit] or "file"


def store(source: IO[bytes], *, prefix: str, max_bytes: int) -> Stored:
    """Write ``source`` to default storage under a generated name; refuse (and leave
    nothing behind) when it is empty or larger than ``max_bytes``."""
    name = f"{prefix.strip('/')}/{secrets.token_hex(16)}"
    reader = _HashingReader(source, max_bytes)
    try:
        saved = default_storage.save(name, File(cast(IO[bytes], reader), name=name))  # reads alike
    except UploadRefused:
        if default_storage.exists(name):
            default_storage.delete(name)
        raise
    if reader.size == 0:
        default_storage.delete(saved)
        raise UploadRefused("The file is empty.")
    return Stored(saved, reader.size, reader.digest.hexdigest())


def sha256_of(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


_Response = TypeVar("_Response", bound=HttpResponseBase)


def _as_download(response: _Response) -> _Response:
    """Headers every download of patient data carries: never sniffed, never cached,
    never run as a page."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def attachment(name: str, *, sha256: str, filename: str, content_type: str) -> FileResponse:
    """The stored file as a download, after checking it still has its checksum."""
    if sha256_of(name) != sha256:
        raise StoredFileDamaged(name)
    response = FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=filename,
        content_type=content_type,
    )
    return _as_download(response)


def attachment_of(body: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    """Bytes made on the fly (a report, a PDF) as a download with the same headers."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return _as_download(response)
