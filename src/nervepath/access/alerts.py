# SPDX-License-Identifier: AGPL-3.0-or-later
"""E-mails to the clinic's administrators about emergency access (issue 22, finding 8).

Each active admin gets their own message (no one sees the others' addresses) through the
outbox like every other e-mail (nervepath.messaging), written with the grant. The message names the
clinician, the patient's record number and the time, and links to the grant in the
admin; it carries neither the patient's name nor the stated reason, which stay in the
app (minimum necessary: mail leaves the clinic's systems).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from nervepath.access.models import EmergencyAccess
from nervepath.accounts.models import Role, User
from nervepath.messaging.outbox import queue_email


def admin_addresses() -> list[str]:
    return sorted(
        email
        for email in User.objects.filter(role=Role.ADMIN, is_active=True)
        .exclude(email="")
        .exclude(email=None)
        .values_list("email", flat=True)
        if email
    )


def emergency_grant_opened(grant: EmergencyAccess) -> int:
    """Queue a message to every active admin, in the grant's transaction; returns how
    many. The worker sends them; a mail server that is down delays them and never
    becomes an error for the clinician who needed the record."""
    clinician = grant.user.get_full_name() or grant.user.email
    until = timezone.localtime(grant.expires_at)
    started = timezone.localtime(grant.started_at)
    link = settings.SITE_URL + reverse("admin:access_emergencyaccess_change", args=[grant.pk])
    clinic = settings.NERVEPATH["CLINIC_NAME"]
    subject = f"Emergency access opened by {clinician}"
    body = (
        f"{clinician} opened emergency access to patient record {grant.patient_id} at "
        f"{started:%Y-%m-%d %H:%M} until {until:%H:%M} ({clinic}).\n\n"
        f"Review the reason and the pages opened: {link}\n"
        "Every read during the grant is flagged 'emergency' in the audit trail.\n"
    )
    addresses = admin_addresses()
    for address in addresses:
        queue_email(address, subject, body, kind="emergency_access")
    return len(addresses)
