# SPDX-License-Identifier: AGPL-3.0-or-later
"""Inbox: the work inbox.

A squash of the app's migrations 0001_inbox_item..0002_work_inbox (issue 14): one
``CreateModel`` per model with its final fields (in the order the old chain left the
columns on PostgreSQL), indexes and constraints, built from the old chain's final model
state rather than by concatenating its operations. Django applies it on a fresh database
and records the old migrations as applied; a database already through the old chain, or
part-way through it, goes on with the old files, which stay until every installation has
passed this point (docs/deployment.md, "Squashed migrations").
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("inbox", "0001_inbox_item"), ("inbox", "0002_work_inbox")]

    initial = True

    dependencies = [
        ("accounts", "0005_patient_demographics_and_optional_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalInboxItem",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("red_flag", "Urgent red flag"),
                            ("flag", "Flag for the next visit"),
                            ("night_failed", "Night analysis failed"),
                            ("diary_missing", "Relief diary missing days"),
                            ("follow_up", "Follow-up to book"),
                            ("waitlist_offer", "Waitlist offer pending"),
                            ("message_failed", "Message failed"),
                            ("referral", "New referral: book a new-patient visit"),
                        ],
                        max_length=32,
                    ),
                ),
                (
                    "urgency",
                    models.CharField(
                        choices=[
                            ("urgent", "Urgent: act today"),
                            ("next_visit", "For the next visit"),
                            ("routine", "Routine"),
                        ],
                        max_length=16,
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                ("body", models.TextField(blank=True)),
                (
                    "source",
                    models.CharField(
                        blank=True,
                        help_text='What raised it, e.g. "assessment.Response:42".',
                        max_length=100,
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        blank=True, help_text="The rule's code, if any.", max_length=64
                    ),
                ),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("ack_due_at", models.DateTimeField(blank=True, null=True)),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                ("escalated_at", models.DateTimeField(blank=True, null=True)),
                (
                    "alerted",
                    models.TextField(blank=True, help_text="Who was alerted by message, and when."),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "acknowledged_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "link",
                    models.CharField(
                        blank=True, help_text="The page where the item is handled.", max_length=300
                    ),
                ),
                (
                    "resolved_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="When its cause went away (the item closed itself).",
                        null=True,
                    ),
                ),
                ("resolved_note", models.CharField(blank=True, max_length=200)),
            ],
            options={
                "verbose_name": "historical inbox item",
                "verbose_name_plural": "historical inbox items",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="InboxItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("red_flag", "Urgent red flag"),
                            ("flag", "Flag for the next visit"),
                            ("night_failed", "Night analysis failed"),
                            ("diary_missing", "Relief diary missing days"),
                            ("follow_up", "Follow-up to book"),
                            ("waitlist_offer", "Waitlist offer pending"),
                            ("message_failed", "Message failed"),
                            ("referral", "New referral: book a new-patient visit"),
                        ],
                        max_length=32,
                    ),
                ),
                (
                    "urgency",
                    models.CharField(
                        choices=[
                            ("urgent", "Urgent: act today"),
                            ("next_visit", "For the next visit"),
                            ("routine", "Routine"),
                        ],
                        max_length=16,
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                ("body", models.TextField(blank=True)),
                (
                    "source",
                    models.CharField(
                        blank=True,
                        help_text='What raised it, e.g. "assessment.Response:42".',
                        max_length=100,
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        blank=True, help_text="The rule's code, if any.", max_length=64
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("ack_due_at", models.DateTimeField(blank=True, null=True)),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                ("escalated_at", models.DateTimeField(blank=True, null=True)),
                (
                    "alerted",
                    models.TextField(blank=True, help_text="Who was alerted by message, and when."),
                ),
                (
                    "acknowledged_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="inbox_items",
                        to="accounts.patient",
                    ),
                ),
                (
                    "link",
                    models.CharField(
                        blank=True, help_text="The page where the item is handled.", max_length=300
                    ),
                ),
                (
                    "resolved_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="When its cause went away (the item closed itself).",
                        null=True,
                    ),
                ),
                ("resolved_note", models.CharField(blank=True, max_length=200)),
            ],
            options={
                "ordering": ["acknowledged_at", "urgency", "-created_at", "-id"],
                "indexes": [
                    models.Index(
                        fields=["acknowledged_at", "urgency"], name="inbox_inbox_acknowl_55617c_idx"
                    ),
                    models.Index(
                        fields=["kind", "acknowledged_at", "resolved_at"], name="inbox_open_by_kind"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("source", ""), _negated=True),
                        fields=("source", "code"),
                        name="inbox_one_item_per_source_and_code",
                    )
                ],
            },
        ),
    ]
