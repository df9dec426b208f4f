# SPDX-License-Identifier: AGPL-3.0-or-later
"""Messaging: messages to patients and their bounces.

A squash of the app's migrations 0001_initial..0002_bounces (issue 14): one
``CreateModel`` per model with its final fields (in the order the old chain left the
columns on PostgreSQL), indexes and constraints, built from the old chain's final model
state rather than by concatenating its operations. Django applies it on a fresh database
and records the old migrations as applied; a database already through the old chain, or
part-way through it, goes on with the old files, which stay until every installation has
passed this point (docs/deployment.md, "Squashed migrations").
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("messaging", "0001_initial"), ("messaging", "0002_bounces")]

    initial = True

    dependencies = [
        ("accounts", "0005_patient_demographics_and_optional_email"),
    ]

    operations = [
        migrations.CreateModel(
            name="Message",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[("email", "E-mail"), ("text", "Text message")], max_length=8
                    ),
                ),
                ("kind", models.CharField(help_text="What the message is about.", max_length=40)),
                ("to", models.CharField(max_length=254)),
                ("subject", models.CharField(blank=True, max_length=255)),
                ("body", models.TextField()),
                ("attachment_name", models.CharField(blank=True, max_length=100)),
                ("attachment_type", models.CharField(blank=True, max_length=100)),
                ("attachment", models.BinaryField(blank=True, default=b"")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("failing", "Failing, will retry"),
                            ("failed", "Failed for good"),
                            ("refused", "Refused by the provider"),
                            ("bounced", "Bounced after sending"),
                        ],
                        default="queued",
                        max_length=8,
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("claimed_until", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.CharField(blank=True, max_length=500)),
                ("provider_id", models.CharField(blank=True, max_length=100)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="messages",
                        to="accounts.patient",
                    ),
                ),
                ("bounce_status", models.CharField(blank=True, max_length=12)),
                ("bounced_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["status", "next_attempt_at"], name="message_due"),
                    models.Index(fields=["provider_id"], name="message_provider_id"),
                ],
            },
        ),
        migrations.CreateModel(
            name="TextConsent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("phone", models.CharField(help_text="E.164, e.g. +19705550123.", max_length=16)),
                ("wording", models.TextField()),
                ("given_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("given_via", models.CharField(max_length=20)),
                ("withdrawn_at", models.DateTimeField(blank=True, null=True)),
                ("withdrawn_via", models.CharField(blank=True, max_length=20)),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="text_consents",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "ordering": ["-given_at", "-pk"],
                "indexes": [models.Index(fields=["phone"], name="textconsent_phone")],
            },
        ),
    ]
