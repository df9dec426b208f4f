# SPDX-License-Identifier: AGPL-3.0-or-later
"""Research: studies, grants and research jobs.

A squash of the app's migrations 0001_initial..0004_job_files_in_storage_and_heartbeat
(issue 14): one ``CreateModel`` per model with its final fields (in the order the old
chain left the columns on PostgreSQL), indexes and constraints, built from the old
chain's final model state rather than by concatenating its operations. Django applies it
on a fresh database and records the old migrations as applied; a database already
through the old chain, or part-way through it, goes on with the old files, which stay
until every installation has passed this point (docs/deployment.md, "Squashed
migrations").

Left out, as a no-op on a fresh database: 0004's ``move_files_to_storage`` moves the bytes
of existing research jobs to file storage, and there are none.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [
        ("research", "0001_initial"),
        ("research", "0002_research_grant"),
        ("research", "0003_research_job"),
        ("research", "0004_job_files_in_storage_and_heartbeat"),
    ]

    initial = True

    dependencies = [
        ("accounts", "0005_patient_demographics_and_optional_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Cohort",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                ("description", models.TextField(blank=True, max_length=2000)),
                ("filters", models.JSONField(default=dict)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-updated_at"],
            },
        ),
        migrations.CreateModel(
            name="AnalysisRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "definition",
                    models.JSONField(help_text="The cohort's name and filters at the time."),
                ),
                ("snapshot_at", models.DateTimeField(help_text="When the data were read.")),
                ("code_version", models.CharField(max_length=80)),
                ("patients", models.PositiveIntegerField()),
                ("legs", models.PositiveIntegerField()),
                ("result", models.JSONField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "cohort",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="runs",
                        to="research.cohort",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="ResearchGrant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.CharField(max_length=500)),
                ("granted_at", models.DateTimeField(auto_now_add=True)),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
                (
                    "granted_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="research_grants",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-granted_at"],
            },
        ),
        migrations.CreateModel(
            name="ResearchJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("analysis", "Analysis"),
                            ("report_pdf", "Analysis report (PDF)"),
                            ("report_docx", "Analysis report (Word)"),
                            ("deidentified", "De-identified CSV (zip)"),
                            ("fhir", "FHIR R4 bulk export (zip)"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=10,
                    ),
                ),
                (
                    "progress",
                    models.PositiveSmallIntegerField(default=0, help_text="Per cent done."),
                ),
                ("error", models.CharField(blank=True, max_length=500)),
                (
                    "patients",
                    models.PositiveIntegerField(default=0, help_text="Patients in what it made."),
                ),
                ("created_at", models.DateTimeField()),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("expires_at", models.DateTimeField(blank=True, null=True)),
                ("file_name", models.CharField(blank=True, max_length=120)),
                ("content_type", models.CharField(blank=True, max_length=120)),
                ("data", models.BinaryField(blank=True, null=True)),
                ("size", models.PositiveIntegerField(default=0)),
                ("task_id", models.CharField(blank=True, max_length=64)),
                (
                    "cohort",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jobs",
                        to="research.cohort",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        blank=True,
                        help_text="The run a report is made of, or the run an analysis made.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jobs",
                        to="research.analysisrun",
                    ),
                ),
                ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                ("storage_name", models.CharField(blank=True, max_length=200)),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="StudyCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=12, unique=True)),
                (
                    "date_shift_days",
                    models.SmallIntegerField(
                        help_text="Days added to every date of this patient in a date-shifted export."
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "patient",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="study_code",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "ordering": ["code"],
            },
        ),
    ]
