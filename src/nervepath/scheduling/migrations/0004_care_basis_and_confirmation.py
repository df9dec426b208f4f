# SPDX-License-Identifier: AGPL-3.0-or-later
"""Record how each appointment came to be (issue 22, finding 1).

Existing rows are given the basis they would have had (docs/security.md):
- API bookings were made by the signed-in patient: "patient";
- accepted waitlist offers were answered from the patient's mailbox: "patient_confirmed";
- bookings made by a front desk or admin account: "front_desk";
- bookings made by a clinician (staff form, pathway helpers, or the public form while
  signed in): "staff" (no care by themselves; a completed visit still confers it);
- online bookings made by the patient signed in: "patient";
- online bookings made by nobody signed in: "anonymous": they were never confirmed from
  the mailbox, so they confer no care until the visit is recorded as completed.
"""

import importlib

from django.db import migrations, models

_0002 = importlib.import_module("nervepath.scheduling.migrations.0002_no_overlapping_appointments")


def restore_sqlite_triggers(apps, schema_editor):
    """Adding these columns rebuilds the table on SQLite, which drops its triggers: put
    the overlap guard of migration 0002 back (PostgreSQL keeps its constraints)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in _0002.SQLITE_BACKWARD:
        schema_editor.execute(sql.replace("DROP TRIGGER", "DROP TRIGGER IF EXISTS"))
    for sql in _0002.SQLITE_FORWARD:
        schema_editor.execute(sql)


def set_bases(apps, schema_editor):
    Appointment = apps.get_model("scheduling", "Appointment")
    rows = Appointment.objects.select_related("created_by", "patient").only(
        "id", "source", "created_by__role", "created_by_id", "patient__user_id"
    )
    for row in rows.iterator():
        by = row.created_by
        if row.source == "api":
            basis = "patient"
        elif row.source == "waitlist":
            basis = "patient_confirmed"
        elif by is None:
            basis = "anonymous" if row.source == "online" else "staff"
        elif by.role in ("frontdesk", "admin"):
            basis = "front_desk"
        elif row.created_by_id == row.patient.user_id:
            basis = "patient"
        else:
            basis = "staff"
        Appointment.objects.filter(pk=row.pk).update(care_basis=basis)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0003_historicalappointment"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="care_basis",
            field=models.CharField(
                choices=[
                    ("patient", "Booked by the patient, signed in"),
                    ("patient_confirmed", "Confirmed from the patient's mailbox"),
                    ("front_desk", "Booked by the front desk"),
                    ("caring_clinician", "Booked by a clinician caring for the patient"),
                    ("staff", "Booked by a clinician not caring for the patient"),
                    ("unconfirmed", "Awaiting confirmation from the patient's mailbox"),
                    ("anonymous", "Booked without sign-in before confirmation was required"),
                ],
                default="staff",
                max_length=24,
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="confirm_token",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="care_basis",
            field=models.CharField(
                choices=[
                    ("patient", "Booked by the patient, signed in"),
                    ("patient_confirmed", "Confirmed from the patient's mailbox"),
                    ("front_desk", "Booked by the front desk"),
                    ("caring_clinician", "Booked by a clinician caring for the patient"),
                    ("staff", "Booked by a clinician not caring for the patient"),
                    ("unconfirmed", "Awaiting confirmation from the patient's mailbox"),
                    ("anonymous", "Booked without sign-in before confirmation was required"),
                ],
                default="staff",
                max_length=24,
            ),
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
        migrations.RunPython(set_bases, migrations.RunPython.noop),
    ]
