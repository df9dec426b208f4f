# SPDX-License-Identifier: AGPL-3.0-or-later
"""Scheduling: locations, clinicians' hours, appointments and their overlap guards.

A squash of the app's migrations 0001_initial..0009_checkin_series_and_desk_location
(issue 14): one ``CreateModel`` per model with its final fields (in the order the old
chain left the columns on PostgreSQL), indexes and constraints, built from the old
chain's final model state rather than by concatenating its operations. Django applies it
on a fresh database and records the old migrations as applied; a database already
through the old chain, or part-way through it, goes on with the old files, which stay
until every installation has passed this point (docs/deployment.md, "Squashed
migrations").

Carried over: the database's own overlap guards, created once on the final table:
0002's (one clinician or one resource, buffers included) and 0008's (one patient, visit
times), as exclusion constraints on PostgreSQL and triggers on SQLite.

Left out, as no-ops on a fresh database: 0004's ``set_bases``, 0006's ``fill`` and
0007's ``_carry_over`` only rewrite existing appointment (type) rows, and there are none;
the ``restore_sqlite_triggers`` steps of 0004, 0007 and 0009 put back triggers that an
``AddField`` had dropped by rebuilding the table, and here the table is built once, before
the triggers.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import nervepath.scheduling.models

ACTIVE = "('booked', 'held')"
PATIENT_GUARD = "appointment_patient_no_overlap"

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    # 0002: one clinician, one resource (buffers included).
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_clinician_no_overlap
        EXCLUDE USING gist (clinician_id WITH =, tstzrange(blocked_from, blocked_until, '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_resource_no_overlap
        EXCLUDE USING gist (resource_id WITH =, tstzrange(blocked_from, blocked_until, '[)') WITH &&)
        WHERE (status IN {ACTIVE} AND resource_id IS NOT NULL)""",
    # 0008: one patient (visit times).
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT {PATIENT_GUARD}
        EXCLUDE USING gist (patient_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
]
PG_BACKWARD = [
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT appointment_clinician_no_overlap",
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT appointment_resource_no_overlap",
    f"ALTER TABLE scheduling_appointment DROP CONSTRAINT {PATIENT_GUARD}",
]

_CLASH = f"""EXISTS (

    SELECT 1 FROM scheduling_appointment a
    WHERE a.status IN {ACTIVE} AND a.id IS NOT NEW.id
      AND a.blocked_from < NEW.blocked_until AND NEW.blocked_from < a.blocked_until
      AND (a.clinician_id = NEW.clinician_id
           OR (NEW.resource_id IS NOT NULL AND a.resource_id = NEW.resource_id)))"""

_PATIENT_CLASH = f"""EXISTS (
    SELECT 1 FROM scheduling_appointment a
    WHERE a.status IN {ACTIVE} AND a.id IS NOT NEW.id AND a.patient_id = NEW.patient_id
      AND a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at)"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER appointment_no_overlap_insert BEFORE INSERT ON scheduling_appointment
        WHEN NEW.status IN {ACTIVE} AND {_CLASH}
        BEGIN SELECT RAISE(ABORT, 'appointment overlaps another for the same clinician or resource'); END""",
    f"""CREATE TRIGGER appointment_no_overlap_update BEFORE UPDATE ON scheduling_appointment
        WHEN NEW.status IN {ACTIVE} AND {_CLASH}
        BEGIN SELECT RAISE(ABORT, 'appointment overlaps another for the same clinician or resource'); END""",
    f"""CREATE TRIGGER {PATIENT_GUARD}_insert BEFORE INSERT ON scheduling_appointment
        WHEN NEW.status IN {ACTIVE} AND {_PATIENT_CLASH}
        BEGIN SELECT RAISE(ABORT, '{PATIENT_GUARD}: the patient has another appointment then'); END""",
    f"""CREATE TRIGGER {PATIENT_GUARD}_update BEFORE UPDATE ON scheduling_appointment
        WHEN NEW.status IN {ACTIVE} AND {_PATIENT_CLASH}
        BEGIN SELECT RAISE(ABORT, '{PATIENT_GUARD}: the patient has another appointment then'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER appointment_no_overlap_insert",
    "DROP TRIGGER appointment_no_overlap_update",
    f"DROP TRIGGER {PATIENT_GUARD}_insert",
    f"DROP TRIGGER {PATIENT_GUARD}_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"nervepath supports SQLite and PostgreSQL, not {schema_editor.connection.vendor}"
            )
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    replaces = [
        ("scheduling", "0001_initial"),
        ("scheduling", "0002_no_overlapping_appointments"),
        ("scheduling", "0003_historicalappointment"),
        ("scheduling", "0004_care_basis_and_confirmation"),
        ("scheduling", "0005_held_label"),
        ("scheduling", "0006_appointment_type_treatment"),
        ("scheduling", "0007_appointment_sequence"),
        ("scheduling", "0008_patient_no_overlapping_appointments"),
        ("scheduling", "0009_checkin_series_and_desk_location"),
    ]

    initial = True

    dependencies = [
        ("accounts", "0005_patient_demographics_and_optional_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Location",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(unique=True)),
                ("name", models.CharField(max_length=100)),
                ("address", models.CharField(max_length=200)),
                ("city", models.CharField(max_length=100)),
                ("state", models.CharField(max_length=40)),
                ("postal_code", models.CharField(max_length=20)),
                ("phone", models.CharField(max_length=32)),
                (
                    "timezone",
                    models.CharField(
                        default="America/Denver",
                        max_length=64,
                        validators=[nervepath.scheduling.models.validate_timezone],
                    ),
                ),
                (
                    "min_notice_hours",
                    models.PositiveIntegerField(
                        default=12,
                        help_text="Online bookings must start at least this many hours ahead.",
                    ),
                ),
                (
                    "max_horizon_days",
                    models.PositiveIntegerField(
                        default=90,
                        help_text="Online bookings can be made at most this many days ahead.",
                    ),
                ),
                (
                    "cancel_cutoff_hours",
                    models.PositiveIntegerField(
                        default=24,
                        help_text="Patients can cancel or move online until this many hours before.",
                    ),
                ),
                (
                    "reminder_hours_before",
                    models.PositiveIntegerField(
                        default=24,
                        help_text="The reminder email goes out this many hours before the visit.",
                    ),
                ),
                (
                    "waitlist_offer_hours",
                    models.PositiveIntegerField(
                        default=12,
                        help_text="How long a freed slot is held for the first patient waiting.",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="Clinician",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "title",
                    models.CharField(blank=True, help_text="e.g. DPM, MD, PA-C", max_length=60),
                ),
                ("bio", models.TextField(blank=True)),
                ("active", models.BooleanField(default=True)),
                (
                    "calendar_token",
                    models.CharField(
                        default=nervepath.scheduling.models.new_token, max_length=64, unique=True
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        limit_choices_to={"role": "clinician"},
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="clinician",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["user__last_name", "user__first_name"],
            },
        ),
        migrations.CreateModel(
            name="AppointmentType",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(unique=True)),
                ("name", models.CharField(max_length=100)),
                ("description", models.TextField(blank=True)),
                ("duration_minutes", models.PositiveIntegerField()),
                ("buffer_before_minutes", models.PositiveIntegerField(default=0)),
                ("buffer_after_minutes", models.PositiveIntegerField(default=0)),
                (
                    "resource_kind",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("procedure_room", "Procedure room"),
                            ("operating_room", "Operating room"),
                            ("therapy_chair", "Therapy chair"),
                        ],
                        help_text="Needs a room or chair.",
                        max_length=32,
                    ),
                ),
                (
                    "online_bookable",
                    models.BooleanField(
                        default=True, help_text="Patients may book it themselves online."
                    ),
                ),
                (
                    "surgery_leg",
                    models.CharField(
                        blank=True,
                        choices=[("right", "Right leg"), ("left", "Left leg")],
                        help_text="Decompression surgery of a leg.",
                        max_length=8,
                    ),
                ),
                (
                    "other_leg_min_days",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Minimum days from the other leg's surgery (empty: the clinic default).",
                        null=True,
                    ),
                ),
                ("active", models.BooleanField(default=True)),
                ("order", models.PositiveSmallIntegerField(default=100)),
                (
                    "clinicians",
                    models.ManyToManyField(
                        related_name="appointment_types", to="scheduling.clinician"
                    ),
                ),
                (
                    "locations",
                    models.ManyToManyField(
                        related_name="appointment_types", to="scheduling.location"
                    ),
                ),
                (
                    "treatment",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not a treatment"),
                            ("block", "Diagnostic nerve block"),
                            ("surgery", "Decompression surgery"),
                            ("estim", "Electrical stimulation"),
                            ("laser", "Laser therapy"),
                        ],
                        default="",
                        help_text="The treatment this visit gives (a nerve block, surgery, a therapy session): what the care pathway, the nights and the timeline go by.",
                        max_length=16,
                    ),
                ),
            ],
            options={
                "ordering": ["order", "name"],
            },
        ),
        migrations.CreateModel(
            name="DeskPreference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="scheduling.location",
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="desk_preference",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="AvailabilityException",
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
                            ("unavailable", "Unavailable (holiday, leave, closure)"),
                            ("extra", "Extra hours"),
                        ],
                        max_length=16,
                    ),
                ),
                ("starts_at", models.DateTimeField()),
                ("ends_at", models.DateTimeField()),
                ("reason", models.CharField(blank=True, max_length=200)),
                (
                    "clinician",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="exceptions",
                        to="scheduling.clinician",
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="exceptions",
                        to="scheduling.location",
                    ),
                ),
            ],
            options={
                "ordering": ["starts_at"],
            },
        ),
        migrations.CreateModel(
            name="OpeningHours",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "weekday",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "Monday"),
                            (1, "Tuesday"),
                            (2, "Wednesday"),
                            (3, "Thursday"),
                            (4, "Friday"),
                            (5, "Saturday"),
                            (6, "Sunday"),
                        ]
                    ),
                ),
                ("opens", models.TimeField()),
                ("closes", models.TimeField()),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="opening_hours",
                        to="scheduling.location",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "opening hours",
                "ordering": ["location", "weekday", "opens"],
            },
        ),
        migrations.CreateModel(
            name="Resource",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("procedure_room", "Procedure room"),
                            ("operating_room", "Operating room"),
                            ("therapy_chair", "Therapy chair"),
                        ],
                        max_length=32,
                    ),
                ),
                ("active", models.BooleanField(default=True)),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="resources",
                        to="scheduling.location",
                    ),
                ),
            ],
            options={
                "ordering": ["location", "kind", "name"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalAppointment",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("starts_at", models.DateTimeField()),
                ("ends_at", models.DateTimeField()),
                ("blocked_from", models.DateTimeField()),
                ("blocked_until", models.DateTimeField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("booked", "Booked"),
                            (
                                "held",
                                "Held (waitlist offer, or awaiting the patient's confirmation)",
                            ),
                            ("cancelled", "Cancelled"),
                            ("completed", "Completed"),
                            ("no_show", "No-show"),
                        ],
                        default="booked",
                        max_length=16,
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("online", "Online"),
                            ("staff", "Staff"),
                            ("api", "API"),
                            ("waitlist", "Waitlist offer"),
                        ],
                        default="online",
                        max_length=16,
                    ),
                ),
                ("hold_expires_at", models.DateTimeField(blank=True, null=True)),
                ("patient_note", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                ("reminder_sent_at", models.DateTimeField(blank=True, null=True)),
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
                    "clinician",
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
                    "resource",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="scheduling.resource",
                    ),
                ),
                (
                    "care_basis",
                    models.CharField(
                        choices=[
                            ("patient", "Booked by the patient, signed in"),
                            ("patient_confirmed", "Confirmed from the patient's mailbox"),
                            ("front_desk", "Booked by the front desk"),
                            ("caring_clinician", "Booked by a clinician caring for the patient"),
                            ("staff", "Booked by a clinician not caring for the patient"),
                            ("unconfirmed", "Awaiting confirmation from the patient's mailbox"),
                            (
                                "anonymous",
                                "Booked without sign-in before confirmation was required",
                            ),
                        ],
                        default="staff",
                        max_length=24,
                    ),
                ),
                ("sequence", models.PositiveIntegerField(default=0)),
                ("arrived_at", models.DateTimeField(blank=True, null=True)),
                (
                    "checkin",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not arrived"),
                            ("arrived", "Arrived"),
                            ("in_room", "In room"),
                            ("seen", "Seen"),
                        ],
                        default="",
                        max_length=16,
                    ),
                ),
                ("roomed_at", models.DateTimeField(blank=True, null=True)),
                ("seen_at", models.DateTimeField(blank=True, null=True)),
                ("series", models.CharField(blank=True, db_index=True, default="", max_length=32)),
            ],
            options={
                "verbose_name": "historical appointment",
                "verbose_name_plural": "historical appointments",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Appointment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("starts_at", models.DateTimeField()),
                ("ends_at", models.DateTimeField()),
                ("blocked_from", models.DateTimeField()),
                ("blocked_until", models.DateTimeField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("booked", "Booked"),
                            (
                                "held",
                                "Held (waitlist offer, or awaiting the patient's confirmation)",
                            ),
                            ("cancelled", "Cancelled"),
                            ("completed", "Completed"),
                            ("no_show", "No-show"),
                        ],
                        default="booked",
                        max_length=16,
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("online", "Online"),
                            ("staff", "Staff"),
                            ("api", "API"),
                            ("waitlist", "Waitlist offer"),
                        ],
                        default="online",
                        max_length=16,
                    ),
                ),
                ("hold_expires_at", models.DateTimeField(blank=True, null=True)),
                (
                    "manage_token",
                    models.CharField(
                        default=nervepath.scheduling.models.new_token, max_length=64, unique=True
                    ),
                ),
                ("patient_note", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                ("reminder_sent_at", models.DateTimeField(blank=True, null=True)),
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
                        related_name="appointments",
                        to="accounts.patient",
                    ),
                ),
                (
                    "appointment_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="appointments",
                        to="scheduling.appointmenttype",
                    ),
                ),
                (
                    "clinician",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="appointments",
                        to="scheduling.clinician",
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="appointments",
                        to="scheduling.location",
                    ),
                ),
                (
                    "resource",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="appointments",
                        to="scheduling.resource",
                    ),
                ),
                (
                    "care_basis",
                    models.CharField(
                        choices=[
                            ("patient", "Booked by the patient, signed in"),
                            ("patient_confirmed", "Confirmed from the patient's mailbox"),
                            ("front_desk", "Booked by the front desk"),
                            ("caring_clinician", "Booked by a clinician caring for the patient"),
                            ("staff", "Booked by a clinician not caring for the patient"),
                            ("unconfirmed", "Awaiting confirmation from the patient's mailbox"),
                            (
                                "anonymous",
                                "Booked without sign-in before confirmation was required",
                            ),
                        ],
                        default="staff",
                        max_length=24,
                    ),
                ),
                (
                    "confirm_token",
                    models.CharField(blank=True, max_length=64, null=True, unique=True),
                ),
                ("sequence", models.PositiveIntegerField(default=0)),
                ("arrived_at", models.DateTimeField(blank=True, null=True)),
                (
                    "checkin",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not arrived"),
                            ("arrived", "Arrived"),
                            ("in_room", "In room"),
                            ("seen", "Seen"),
                        ],
                        default="",
                        max_length=16,
                    ),
                ),
                ("roomed_at", models.DateTimeField(blank=True, null=True)),
                ("seen_at", models.DateTimeField(blank=True, null=True)),
                ("series", models.CharField(blank=True, db_index=True, default="", max_length=32)),
            ],
            options={
                "ordering": ["starts_at"],
                "indexes": [
                    models.Index(
                        fields=["clinician", "blocked_from"], name="scheduling__clinici_b05598_idx"
                    ),
                    models.Index(
                        fields=["resource", "blocked_from"], name="scheduling__resourc_c9bd53_idx"
                    ),
                    models.Index(
                        fields=["patient", "starts_at"], name="scheduling__patient_6d1824_idx"
                    ),
                    models.Index(
                        fields=["location", "starts_at"], name="scheduling__locatio_6e7321_idx"
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("starts_at__lt", models.F("ends_at"))),
                        name="appointment_starts_before_it_ends",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("blocked_from__lte", models.F("starts_at")),
                            ("blocked_until__gte", models.F("ends_at")),
                        ),
                        name="appointment_blocked_time_covers_visit",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="WaitlistEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("waiting", "Waiting"),
                            ("offered", "Offered a slot"),
                            ("booked", "Booked"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        default="waiting",
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "token",
                    models.CharField(
                        default=nervepath.scheduling.models.new_token, max_length=64, unique=True
                    ),
                ),
                (
                    "appointment_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="scheduling.appointmenttype"
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="scheduling.location"
                    ),
                ),
                (
                    "offered_appointment",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="waitlist_entry",
                        to="scheduling.appointment",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="waitlist",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "waitlist entries",
                "ordering": ["created_at", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status__in", ["waiting", "offered"])),
                        fields=("patient", "appointment_type", "location"),
                        name="one_open_waitlist_entry_per_patient_type_location",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="WorkingHours",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "weekday",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "Monday"),
                            (1, "Tuesday"),
                            (2, "Wednesday"),
                            (3, "Thursday"),
                            (4, "Friday"),
                            (5, "Saturday"),
                            (6, "Sunday"),
                        ]
                    ),
                ),
                ("start", models.TimeField()),
                ("end", models.TimeField()),
                (
                    "clinician",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hours",
                        to="scheduling.clinician",
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="working_hours",
                        to="scheduling.location",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "working hours",
                "ordering": ["clinician", "weekday", "start"],
            },
        ),
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
