# SPDX-License-Identifier: AGPL-3.0-or-later
from django.contrib import admin

from nervepath.documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Administrators see that a document exists (for storage housekeeping), not its
    content: the download goes through the clinical access policy."""

    list_display = ["public_id", "patient_id", "kind", "size", "uploaded_at"]
    # No title or file name: those describe the patient's health.
    fields = ("public_id", "patient", "kind", "content_type", "size", "sha256", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
