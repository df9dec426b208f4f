# SPDX-License-Identifier: AGPL-3.0-or-later
"""The staff inbox: things about a patient that a person on staff must see and
act on (issue 19: red flags; issue 18: the work inbox of the front desk and clinicians).

An item names its kind, the patient, how urgent it is, where it came from (``source``,
e.g. "assessment.Response:42") and the text staff read. Acknowledging it records who and
when (and the access policy writes the audit event); an urgent item not acknowledged by
``ack_due_at`` is escalated to the clinic's admin address once (``escalated_at``).
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from nervepath.accounts.models import Patient, User


class Kind(models.TextChoices):
    # Clinical (clinicians, for patients in their care).
    RED_FLAG = "red_flag", "Urgent red flag"
    FLAG = "flag", "Flag for the next visit"
    NIGHT_FAILED = "night_failed", "Night analysis failed"
    DIARY_MISSING = "diary_missing", "Relief diary missing days"
    # The front desk's (demographics and visits only, never clinical detail).
    FOLLOW_UP = "follow_up", "Follow-up to book"
    WAITLIST_OFFER = "waitlist_offer", "Waitlist offer pending"
    MESSAGE_FAILED = "message_failed", "Message failed"
    REFERRAL = "referral", "New referral: book a new-patient visit"


class Urgency(models.TextChoices):
    URGENT = "urgent", "Urgent: act today"
    NEXT_VISIT = "next_visit", "For the next visit"
    ROUTINE = "routine", "Routine"


class InboxItem(models.Model):
    kind = models.CharField(max_length=32, choices=Kind.choices)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="inbox_items")
    urgency = models.CharField(max_length=16, choices=Urgency.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    source = models.CharField(
        max_length=100, blank=True, help_text='What raised it, e.g. "assessment.Response:42".'
    )
    code = models.CharField(max_length=64, blank=True, help_text="The rule's code, if any.")
    created_at = models.DateTimeField(auto_now_add=True)
    ack_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    alerted = models.TextField(blank=True, help_text="Who was alerted by message, and when.")
    link = models.CharField(
        max_length=300, blank=True, help_text="The page where the item is handled."
    )
    resolved_at = models.DateTimeField(
        null=True, blank=True, help_text="When its cause went away (the item closed itself)."
    )
    resolved_note = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["acknowledged_at", "urgency", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["acknowledged_at", "urgency"]),
            models.Index(
                fields=["kind", "acknowledged_at", "resolved_at"], name="inbox_open_by_kind"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "code"],
                condition=~models.Q(source=""),
                name="inbox_one_item_per_source_and_code",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_urgency_display()}: {self.title} ({self.patient})"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.resolved_at is None
