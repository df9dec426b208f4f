# SPDX-License-Identifier: AGPL-3.0-or-later
"""Assessment: questionnaires, requests, schedules and responses.

A squash of the app's migrations 0001_initial..0003_response_language (issue 14): one
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

import nervepath.assessment.models


class Migration(migrations.Migration):
    replaces = [
        ("assessment", "0001_initial"),
        ("assessment", "0002_response_collection_mode"),
        ("assessment", "0003_response_language"),
    ]

    initial = True

    dependencies = [
        ("accounts", "0005_patient_demographics_and_optional_email"),
        ("scheduling", "0009_checkin_series_and_desk_location"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalSchedule",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "instrument_ids",
                    models.JSONField(
                        validators=[nervepath.assessment.models.validate_instrument_ids]
                    ),
                ),
                ("every_days", models.PositiveIntegerField()),
                ("next_due", models.DateField()),
                ("until", models.DateField(blank=True, null=True)),
                ("active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
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
                    "created_by",
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
            ],
            options={
                "verbose_name": "historical schedule",
                "verbose_name_plural": "historical schedules",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalTypeQuestionnaires",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "instrument_ids",
                    models.JSONField(
                        help_text='Questionnaire ids in the order the patient fills them, e.g. ["irls", "pain_nrs"].',
                        validators=[nervepath.assessment.models.validate_instrument_ids],
                    ),
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
                    "appointment_type",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="scheduling.appointmenttype",
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
            ],
            options={
                "verbose_name": "historical questionnaires of an appointment type",
                "verbose_name_plural": "historical questionnaires of appointment types",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Request",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "instrument_id",
                    models.CharField(
                        max_length=64,
                        validators=[nervepath.assessment.models.validate_instrument_id],
                    ),
                ),
                ("instrument_version", models.CharField(max_length=32)),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("intake", "Before a booked visit"),
                            ("scheduled", "On a schedule"),
                            ("follow_up", "Follow-up"),
                            ("staff", "Sent by the clinic"),
                        ],
                        max_length=16,
                    ),
                ),
                ("due_date", models.DateField(blank=True, null=True)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Not started"),
                            ("draft", "Started"),
                            ("submitted", "Submitted"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "appointment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="questionnaire_requests",
                        to="scheduling.appointment",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="questionnaire_requests",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "ordering": ["due_date", "created_at", "id"],
                "indexes": [
                    models.Index(fields=["patient", "state"], name="assessment__patient_0020ff_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="Response",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "instrument_id",
                    models.CharField(
                        max_length=64,
                        validators=[nervepath.assessment.models.validate_instrument_id],
                    ),
                ),
                ("instrument_version", models.CharField(max_length=32)),
                ("answers", models.JSONField(default=dict)),
                ("result", models.JSONField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("submitted", "Submitted")],
                        default="draft",
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("submitted_at", models.DateTimeField(blank=True, null=True)),
                ("correction_reason", models.TextField(blank=True)),
                (
                    "corrects",
                    models.OneToOneField(
                        blank=True,
                        help_text="The submitted response this one corrects.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="corrected_by",
                        to="assessment.response",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="questionnaire_responses",
                        to="accounts.patient",
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="responses",
                        to="assessment.request",
                    ),
                ),
                (
                    "submitted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "mode",
                    models.CharField(
                        choices=[
                            ("self_report", "Self-report (the patient)"),
                            ("clinician", "Entered by the clinician"),
                        ],
                        default="self_report",
                        help_text="Self-report by the patient, or entered by the clinician in the visit.",
                        max_length=16,
                    ),
                ),
                ("language", models.CharField(blank=True, default="", max_length=8)),
            ],
            options={
                "ordering": ["-submitted_at", "-created_at", "-id"],
                "indexes": [
                    models.Index(
                        fields=["patient", "instrument_id", "status"],
                        name="assessment__patient_c1fa1e_idx",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("status", "draft"),
                            models.Q(("result__isnull", False), ("submitted_at__isnull", False)),
                            _connector="OR",
                        ),
                        name="submitted_response_has_time_and_result",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoricalResponse",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "instrument_id",
                    models.CharField(
                        max_length=64,
                        validators=[nervepath.assessment.models.validate_instrument_id],
                    ),
                ),
                ("instrument_version", models.CharField(max_length=32)),
                ("answers", models.JSONField(default=dict)),
                ("result", models.JSONField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("submitted", "Submitted")],
                        default="draft",
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
                ("submitted_at", models.DateTimeField(blank=True, null=True)),
                ("correction_reason", models.TextField(blank=True)),
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
                    "submitted_by",
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
                    "request",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="assessment.request",
                    ),
                ),
                (
                    "corrects",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="The submitted response this one corrects.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="assessment.response",
                    ),
                ),
                (
                    "mode",
                    models.CharField(
                        choices=[
                            ("self_report", "Self-report (the patient)"),
                            ("clinician", "Entered by the clinician"),
                        ],
                        default="self_report",
                        help_text="Self-report by the patient, or entered by the clinician in the visit.",
                        max_length=16,
                    ),
                ),
                ("language", models.CharField(blank=True, default="", max_length=8)),
            ],
            options={
                "verbose_name": "historical response",
                "verbose_name_plural": "historical responses",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Schedule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "instrument_ids",
                    models.JSONField(
                        validators=[nervepath.assessment.models.validate_instrument_ids]
                    ),
                ),
                ("every_days", models.PositiveIntegerField()),
                ("next_due", models.DateField()),
                ("until", models.DateField(blank=True, null=True)),
                ("active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="questionnaire_schedules",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "ordering": ["next_due", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("every_days__gte", 1)),
                        name="schedule_every_at_least_one_day",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="request",
            name="schedule",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="requests",
                to="assessment.schedule",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalRequest",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "instrument_id",
                    models.CharField(
                        max_length=64,
                        validators=[nervepath.assessment.models.validate_instrument_id],
                    ),
                ),
                ("instrument_version", models.CharField(max_length=32)),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("intake", "Before a booked visit"),
                            ("scheduled", "On a schedule"),
                            ("follow_up", "Follow-up"),
                            ("staff", "Sent by the clinic"),
                        ],
                        max_length=16,
                    ),
                ),
                ("due_date", models.DateField(blank=True, null=True)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Not started"),
                            ("draft", "Started"),
                            ("submitted", "Submitted"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
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
                    "appointment",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="scheduling.appointment",
                    ),
                ),
                (
                    "created_by",
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
                    "schedule",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="assessment.schedule",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical request",
                "verbose_name_plural": "historical requests",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="TypeQuestionnaires",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "instrument_ids",
                    models.JSONField(
                        help_text='Questionnaire ids in the order the patient fills them, e.g. ["irls", "pain_nrs"].',
                        validators=[nervepath.assessment.models.validate_instrument_ids],
                    ),
                ),
                (
                    "appointment_type",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questionnaires",
                        to="scheduling.appointmenttype",
                    ),
                ),
            ],
            options={
                "verbose_name": "questionnaires of an appointment type",
                "verbose_name_plural": "questionnaires of appointment types",
            },
        ),
    ]
