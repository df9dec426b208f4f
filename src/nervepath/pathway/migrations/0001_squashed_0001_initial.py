# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pathway: blocks, medications, surgery, follow-ups and therapy.

A squash of the app's migrations 0001_initial..0001_initial (issue 14): one
``CreateModel`` per model with its final fields (in the order the old chain left the
columns on PostgreSQL), indexes and constraints, built from the old chain's final model
state rather than by concatenating its operations. Django applies it on a fresh database
and records the old migrations as applied; a database already through the old chain, or
part-way through it, goes on with the old files, which stay until every installation has
passed this point (docs/deployment.md, "Squashed migrations").
"""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import nervepath.pathway.models


class Migration(migrations.Migration):
    replaces = [("pathway", "0001_initial")]

    initial = True

    dependencies = [
        ("accounts", "0005_patient_demographics_and_optional_email"),
        ("scheduling", "0009_checkin_series_and_desk_location"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalNerveBlock",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("given_on", models.DateField()),
                (
                    "leg",
                    models.CharField(
                        choices=[("right", "Right leg"), ("left", "Left leg")], max_length=8
                    ),
                ),
                (
                    "injections",
                    models.JSONField(validators=[nervepath.pathway.models.validate_injections]),
                ),
                ("notes", models.TextField(blank=True, max_length=4000)),
                ("diary_days", models.PositiveSmallIntegerField(default=14)),
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
                    "given_by",
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
                "verbose_name": "historical nerve block",
                "verbose_name_plural": "historical nerve blocks",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalTherapyCourse",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "modality",
                    models.CharField(
                        choices=[
                            ("estim", "Electrical stimulation"),
                            ("laser", "Laser"),
                            ("both", "Electrical stimulation and laser"),
                        ],
                        max_length=8,
                    ),
                ),
                (
                    "planned_sessions",
                    models.PositiveSmallIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(60),
                        ]
                    ),
                ),
                ("started_on", models.DateField()),
                ("ended_on", models.DateField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("active", "Under way"),
                            ("completed", "Completed"),
                            ("stopped", "Stopped early"),
                        ],
                        default="active",
                        max_length=16,
                    ),
                ),
                (
                    "improvement_pct",
                    models.SmallIntegerField(
                        blank=True,
                        help_text="The patient's reported improvement at the end (negative: worse).",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(-100),
                            django.core.validators.MaxValueValidator(100),
                        ],
                    ),
                ),
                ("notes", models.TextField(blank=True, max_length=4000)),
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
                    "clinician",
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
                "verbose_name": "historical therapy course",
                "verbose_name_plural": "historical therapy courses",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Medication",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                (
                    "dose",
                    models.DecimalField(
                        decimal_places=3,
                        max_digits=8,
                        validators=[django.core.validators.MinValueValidator(0)],
                    ),
                ),
                ("unit", models.CharField(max_length=16)),
                ("frequency", models.CharField(blank=True, max_length=80)),
                ("started_on", models.DateField()),
                ("stopped_on", models.DateField(blank=True, null=True)),
                ("stop_reason", models.CharField(blank=True, max_length=300)),
                ("side_effects", models.CharField(blank=True, max_length=500)),
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
                        related_name="medications",
                        to="accounts.patient",
                    ),
                ),
                (
                    "replaces",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="replaced_by",
                        to="pathway.medication",
                    ),
                ),
            ],
            options={
                "ordering": ["-started_on", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("stopped_on__isnull", True),
                            ("stopped_on__gte", models.F("started_on")),
                            _connector="OR",
                        ),
                        name="medication_stops_after_it_starts",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoricalMedication",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                (
                    "dose",
                    models.DecimalField(
                        decimal_places=3,
                        max_digits=8,
                        validators=[django.core.validators.MinValueValidator(0)],
                    ),
                ),
                ("unit", models.CharField(max_length=16)),
                ("frequency", models.CharField(blank=True, max_length=80)),
                ("started_on", models.DateField()),
                ("stopped_on", models.DateField(blank=True, null=True)),
                ("stop_reason", models.CharField(blank=True, max_length=300)),
                ("side_effects", models.CharField(blank=True, max_length=500)),
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
                (
                    "replaces",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.medication",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical medication",
                "verbose_name_plural": "historical medications",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="NerveBlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("given_on", models.DateField()),
                (
                    "leg",
                    models.CharField(
                        choices=[("right", "Right leg"), ("left", "Left leg")], max_length=8
                    ),
                ),
                (
                    "injections",
                    models.JSONField(validators=[nervepath.pathway.models.validate_injections]),
                ),
                ("notes", models.TextField(blank=True, max_length=4000)),
                ("diary_days", models.PositiveSmallIntegerField(default=14)),
                ("reminded_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "appointment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
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
                    "given_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="nerve_blocks",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "ordering": ["-given_on", "-id"],
                "indexes": [
                    models.Index(
                        fields=["patient", "given_on"], name="pathway_ner_patient_2bd861_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoricalReliefEntry",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                (
                    "relief_pct",
                    models.PositiveSmallIntegerField(
                        validators=[django.core.validators.MaxValueValidator(100)]
                    ),
                ),
                (
                    "sleep_hours",
                    models.DecimalField(
                        decimal_places=1,
                        help_text="Hours slept the night after this day.",
                        max_digits=3,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(24),
                        ],
                    ),
                ),
                (
                    "sleep_quality",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="0 (very poor) to 10.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(10)],
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=500)),
                ("entered_at", models.DateTimeField(blank=True, editable=False)),
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
                    "entered_by",
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
                    "block",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.nerveblock",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical relief entry",
                "verbose_name_plural": "historical relief entries",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalCandidacyReview",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "computed",
                    models.CharField(help_text="nervepath's verdict when decided.", max_length=16),
                ),
                (
                    "relief_days",
                    models.PositiveSmallIntegerField(help_text="Days of relief when decided."),
                ),
                (
                    "decision",
                    models.CharField(
                        choices=[
                            ("candidate", "Likely surgical candidate"),
                            ("not_candidate", "Not a candidate"),
                        ],
                        max_length=16,
                    ),
                ),
                ("reason", models.TextField(blank=True, max_length=2000)),
                ("decided_at", models.DateTimeField(blank=True, editable=False)),
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
                    "decided_by",
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
                    "block",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.nerveblock",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical candidacy review",
                "verbose_name_plural": "historical candidacy reviews",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="CandidacyReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "computed",
                    models.CharField(help_text="nervepath's verdict when decided.", max_length=16),
                ),
                (
                    "relief_days",
                    models.PositiveSmallIntegerField(help_text="Days of relief when decided."),
                ),
                (
                    "decision",
                    models.CharField(
                        choices=[
                            ("candidate", "Likely surgical candidate"),
                            ("not_candidate", "Not a candidate"),
                        ],
                        max_length=16,
                    ),
                ),
                ("reason", models.TextField(blank=True, max_length=2000)),
                ("decided_at", models.DateTimeField(auto_now=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "block",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="review",
                        to="pathway.nerveblock",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ReliefEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                (
                    "relief_pct",
                    models.PositiveSmallIntegerField(
                        validators=[django.core.validators.MaxValueValidator(100)]
                    ),
                ),
                (
                    "sleep_hours",
                    models.DecimalField(
                        decimal_places=1,
                        help_text="Hours slept the night after this day.",
                        max_digits=3,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(24),
                        ],
                    ),
                ),
                (
                    "sleep_quality",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="0 (very poor) to 10.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(10)],
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=500)),
                ("entered_at", models.DateTimeField(auto_now=True)),
                (
                    "block",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="diary",
                        to="pathway.nerveblock",
                    ),
                ),
                (
                    "entered_by",
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
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "relief entries",
                "ordering": ["block", "day"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("block", "day"), name="one_relief_entry_per_day"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("relief_pct__lte", 100)), name="relief_at_most_100"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("sleep_hours__gte", 0), ("sleep_hours__lte", 24)),
                        name="sleep_hours_in_a_day",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Surgery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "leg",
                    models.CharField(
                        choices=[("right", "Right leg"), ("left", "Left leg")], max_length=8
                    ),
                ),
                ("operated_on", models.DateField()),
                (
                    "tunnels",
                    models.JSONField(validators=[nervepath.pathway.models.validate_nerves]),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("planned", "Planned"),
                            ("done", "Done"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="planned",
                        max_length=16,
                    ),
                ),
                ("findings", models.TextField(blank=True, max_length=4000)),
                ("complications", models.TextField(blank=True, max_length=4000)),
                (
                    "repeat_reason",
                    models.TextField(
                        blank=True,
                        help_text="Why a tunnel already released on this leg is operated on again.",
                        max_length=2000,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "appointment",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="surgery",
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
                    "first_leg",
                    models.ForeignKey(
                        blank=True,
                        help_text="For staged bilateral surgery: the other leg's operation.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="second_legs",
                        to="pathway.surgery",
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="scheduling.location",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="surgeries",
                        to="accounts.patient",
                    ),
                ),
                (
                    "surgeon",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="surgeries",
                        to="scheduling.clinician",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "surgeries",
                "ordering": ["operated_on", "id"],
                "indexes": [
                    models.Index(
                        fields=["patient", "operated_on"], name="pathway_sur_patient_cc355c_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MonitoringReading",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "nerve",
                    models.CharField(
                        choices=[
                            ("common_peroneal", "Common peroneal nerve (fibular neck)"),
                            (
                                "superficial_peroneal",
                                "Superficial peroneal nerve (lower third of the leg)",
                            ),
                            ("tibial", "Tibial nerve (soleal sling)"),
                        ],
                        max_length=32,
                    ),
                ),
                (
                    "phase",
                    models.CharField(
                        choices=[("before", "Before release"), ("after", "After release")],
                        max_length=8,
                    ),
                ),
                (
                    "amplitude_uv",
                    models.FloatField(validators=[django.core.validators.MinValueValidator(0)]),
                ),
                ("latency_ms", models.FloatField(blank=True, null=True)),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("manual", "Entered by hand"),
                            ("csv", "Imported from the device's CSV"),
                        ],
                        default="manual",
                        max_length=8,
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "surgery",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="readings",
                        to="pathway.surgery",
                    ),
                ),
            ],
            options={
                "ordering": ["surgery", "nerve", "phase"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("surgery", "nerve", "phase"), name="one_reading_per_nerve_and_phase"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("amplitude_uv__gte", 0)), name="amplitude_not_negative"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoricalSurgery",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "leg",
                    models.CharField(
                        choices=[("right", "Right leg"), ("left", "Left leg")], max_length=8
                    ),
                ),
                ("operated_on", models.DateField()),
                (
                    "tunnels",
                    models.JSONField(validators=[nervepath.pathway.models.validate_nerves]),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("planned", "Planned"),
                            ("done", "Done"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="planned",
                        max_length=16,
                    ),
                ),
                ("findings", models.TextField(blank=True, max_length=4000)),
                ("complications", models.TextField(blank=True, max_length=4000)),
                (
                    "repeat_reason",
                    models.TextField(
                        blank=True,
                        help_text="Why a tunnel already released on this leg is operated on again.",
                        max_length=2000,
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
                    "location",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="scheduling.location",
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
                    "surgeon",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="scheduling.clinician",
                    ),
                ),
                (
                    "first_leg",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="For staged bilateral surgery: the other leg's operation.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.surgery",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical surgery",
                "verbose_name_plural": "historical surgeries",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalMonitoringReading",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "nerve",
                    models.CharField(
                        choices=[
                            ("common_peroneal", "Common peroneal nerve (fibular neck)"),
                            (
                                "superficial_peroneal",
                                "Superficial peroneal nerve (lower third of the leg)",
                            ),
                            ("tibial", "Tibial nerve (soleal sling)"),
                        ],
                        max_length=32,
                    ),
                ),
                (
                    "phase",
                    models.CharField(
                        choices=[("before", "Before release"), ("after", "After release")],
                        max_length=8,
                    ),
                ),
                (
                    "amplitude_uv",
                    models.FloatField(validators=[django.core.validators.MinValueValidator(0)]),
                ),
                ("latency_ms", models.FloatField(blank=True, null=True)),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("manual", "Entered by hand"),
                            ("csv", "Imported from the device's CSV"),
                        ],
                        default="manual",
                        max_length=8,
                    ),
                ),
                ("recorded_at", models.DateTimeField(blank=True, editable=False)),
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
                    "recorded_by",
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
                    "surgery",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.surgery",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical monitoring reading",
                "verbose_name_plural": "historical monitoring readings",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalFollowUp",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("label", models.CharField(max_length=40)),
                ("days_after", models.PositiveIntegerField()),
                ("due_on", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("to_book", "To book"),
                            ("booked", "Booked"),
                            ("done", "Done"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="to_book",
                        max_length=16,
                    ),
                ),
                ("questionnaires_sent_on", models.DateField(blank=True, null=True)),
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
                    "surgery",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.surgery",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical follow up",
                "verbose_name_plural": "historical follow ups",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="FollowUp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("label", models.CharField(max_length=40)),
                ("days_after", models.PositiveIntegerField()),
                ("due_on", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("to_book", "To book"),
                            ("booked", "Booked"),
                            ("done", "Done"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="to_book",
                        max_length=16,
                    ),
                ),
                ("questionnaires_sent_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "appointment",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="follow_up",
                        to="scheduling.appointment",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="follow_ups",
                        to="accounts.patient",
                    ),
                ),
                (
                    "surgery",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="follow_ups",
                        to="pathway.surgery",
                    ),
                ),
            ],
            options={
                "ordering": ["due_on", "id"],
                "indexes": [
                    models.Index(fields=["status", "due_on"], name="pathway_fol_status_ba3906_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("surgery", "days_after"), name="one_follow_up_per_interval"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TherapyCourse",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "modality",
                    models.CharField(
                        choices=[
                            ("estim", "Electrical stimulation"),
                            ("laser", "Laser"),
                            ("both", "Electrical stimulation and laser"),
                        ],
                        max_length=8,
                    ),
                ),
                (
                    "planned_sessions",
                    models.PositiveSmallIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(60),
                        ]
                    ),
                ),
                ("started_on", models.DateField()),
                ("ended_on", models.DateField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("active", "Under way"),
                            ("completed", "Completed"),
                            ("stopped", "Stopped early"),
                        ],
                        default="active",
                        max_length=16,
                    ),
                ),
                (
                    "improvement_pct",
                    models.SmallIntegerField(
                        blank=True,
                        help_text="The patient's reported improvement at the end (negative: worse).",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(-100),
                            django.core.validators.MaxValueValidator(100),
                        ],
                    ),
                ),
                ("notes", models.TextField(blank=True, max_length=4000)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "clinician",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="therapy_courses",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "ordering": ["-started_on", "-id"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalTherapySession",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveSmallIntegerField()),
                ("on_date", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[("planned", "Planned"), ("done", "Done"), ("missed", "Missed")],
                        default="planned",
                        max_length=8,
                    ),
                ),
                ("parameters", models.JSONField(blank=True, default=dict)),
                ("notes", models.CharField(blank=True, max_length=1000)),
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
                    "recorded_by",
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
                    "course",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.therapycourse",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical therapy session",
                "verbose_name_plural": "historical therapy sessions",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="TherapySession",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveSmallIntegerField()),
                ("on_date", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[("planned", "Planned"), ("done", "Done"), ("missed", "Missed")],
                        default="planned",
                        max_length=8,
                    ),
                ),
                ("parameters", models.JSONField(blank=True, default=dict)),
                ("notes", models.CharField(blank=True, max_length=1000)),
                (
                    "appointment",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="therapy_session",
                        to="scheduling.appointment",
                    ),
                ),
                (
                    "course",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sessions",
                        to="pathway.therapycourse",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["course", "number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("course", "number"), name="one_session_per_number"
                    )
                ],
            },
        ),
    ]
