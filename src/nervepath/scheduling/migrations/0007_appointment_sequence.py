# SPDX-License-Identifier: AGPL-3.0-or-later
"""A stored iCalendar SEQUENCE per appointment that grows with every change (issue 17).

Until now the SEQUENCE sent was the start time in minutes modulo 100000, so calendar
apps already hold those numbers: existing rows start from the number last sent, and
grow from there, so that the next update is never taken for an older one."""

import importlib

from django.db import migrations, models

_0004 = importlib.import_module("nervepath.scheduling.migrations.0004_care_basis_and_confirmation")


def _carry_over(apps, schema_editor):
    Appointment = apps.get_model("scheduling", "Appointment")
    rows = []
    for appointment in Appointment.objects.only("id", "starts_at").iterator(chunk_size=2000):
        appointment.sequence = int(appointment.starts_at.timestamp()) // 60 % 100000
        rows.append(appointment)
        if len(rows) >= 2000:
            Appointment.objects.bulk_update(rows, ["sequence"])
            rows = []
    Appointment.objects.bulk_update(rows, ["sequence"])


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0006_appointment_type_treatment")]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="sequence",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="sequence",
            field=models.PositiveIntegerField(default=0),
        ),
        # Adding the column rebuilds the table on SQLite, which drops its triggers.
        migrations.RunPython(_0004.restore_sqlite_triggers, migrations.RunPython.noop),
        migrations.RunPython(_carry_over, migrations.RunPython.noop),
    ]
