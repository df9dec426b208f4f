# SPDX-License-Identifier: AGPL-3.0-or-later
"""The outbox (one row per message the clinic sends) and consent to text messages.

This app sits below accounts in the layers (accounts queues the password-reset e-mail),
so it names the patient model by its label and imports nothing from accounts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    TEXT = "text", "Text message"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILING = "failing", "Failing, will retry"
    FAILED = "failed", "Failed for good"
    REFUSED = "refused", "Refused by the provider"
    BOUNCED = "bounced", "Bounced after sending"


# A message in one of these may still go out.
PENDING = (MessageStatus.QUEUED, MessageStatus.FAILING, MessageStatus.SENDING)
# One in these will not go out unless staff send it again.
GAVE_UP = (MessageStatus.FAILED, MessageStatus.REFUSED, MessageStatus.BOUNCED)


class Message(models.Model):
    """One message, written in the transaction of the change that causes it and sent by
    the task worker (outbox.deliver). ``sent`` means the provider accepted it."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=40, help_text="What the message is about.")
    to = models.CharField(max_length=254)
    patient = models.ForeignKey(
        "accounts.Patient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField()
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment = models.BinaryField(blank=True, default=b"")
    status = models.CharField(
        max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # While ``sending``: a worker that died mid-send leaves the message to others after this.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set when a delivery report says an accepted message did not arrive (``bounced``;
    # the reason is in last_error). bounce_status is the report's RFC 3463 status code
    # (e.g. 5.1.1; empty for texts): a 5.x.x marks the address itself as bad.
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_status = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            models.Index(fields=["provider_id"], name="message_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.kind} #{self.pk} ({self.status})"


class TextConsent(models.Model):
    """A patient's agreement to receive texts at one mobile number (E.164), with the words
    they agreed to and when; withdrawn from the portal or by replying STOP. Rows are
    never deleted: a new agreement is a new row, so the history stays."""

    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.CASCADE, related_name="text_consents"
    )
    phone = models.CharField(max_length=16, help_text="E.164, e.g. +19705550123.")
    wording = models.TextField()
    given_at = models.DateTimeField(default=timezone.now)
    given_via = models.CharField(max_length=20)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_via = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-given_at", "-pk"]
        indexes = [models.Index(fields=["phone"], name="textconsent_phone")]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "active"
        return f"Texts to {self.phone} ({state})"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
