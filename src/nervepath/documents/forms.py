# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from nervepath.documents.models import MADE_BY_CLINIC, Kind

# The first bytes of each accepted type (its "magic number"); the browser's claimed type
# and the file name are not trusted.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


def sniff(head: bytes) -> str | None:
    for content_type, starts in SIGNATURES.items():
        if head.startswith(starts):
            return content_type
    return None


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(k, label) for k, label in Kind.choices if k not in MADE_BY_CLINIC],
        initial=Kind.OTHER,
        label=_("What is it"),
    )
    title = forms.CharField(max_length=200, label=_("Short description"))
    file = forms.FileField(label=_("File (PDF, PNG or JPEG)"))

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if "\x00" in title or not title:
            raise forms.ValidationError(_("Give a short description."))
        return title

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.NERVEPATH["MAX_DOCUMENT_MB"] * 1024 * 1024
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.")
                % {"mb": settings.NERVEPATH["MAX_DOCUMENT_MB"]}
            )
        head = upload.read(16)
        upload.seek(0)
        content_type = sniff(head)
        if content_type is None:
            raise forms.ValidationError(_("Only PDF, PNG and JPEG files can be added."))
        upload.detected_type = content_type
        return upload
