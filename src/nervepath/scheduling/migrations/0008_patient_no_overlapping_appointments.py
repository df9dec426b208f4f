# SPDX-License-Identifier: AGPL-3.0-or-later
"""The database itself refuses two active appointments of one patient that overlap
(visit times, buffers excluded): an exclusion constraint on PostgreSQL, triggers on
SQLite. The booking service locks the patient and checks first, so users see a
friendly message; this is the guard that holds under any concurrency (issue 17: one
patient booked at two locations at once). Both refusals name
``appointment_patient_no_overlap``, which the service recognises.

A later migration that adds a column to the appointment table rebuilds it on SQLite,
which drops every trigger: it must put these back as well as migration 0002's
(:func:`restore_sqlite_triggers`, as 0004 and 0007 do for 0002's)."""

from django.db import migrations

ACTIVE = "('booked', 'held')"
NAME = "appointment_patient_no_overlap"

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT {NAME}
        EXCLUDE USING gist (patient_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
]
PG_BACKWARD = [f"ALTER TABLE scheduling_appointment DROP CONSTRAINT {NAME}"]

_CLASH = f"""EXISTS (
    SELECT 1 FROM scheduling_appointment a
    WHERE a.status IN {ACTIVE} AND a.id IS NOT NEW.id AND a.patient_id = NEW.patient_id
      AND a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at)"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER {NAME}_insert BEFORE INSERT ON scheduling_appointment
        WHEN NEW.status IN {ACTIVE} AND {_CLASH}
        BEGIN SELECT RAISE(ABORT, '{NAME}: the patient has another appointment then'); END""",
    f"""CREATE TRIGGER {NAME}_update BEFORE UPDATE ON scheduling_appointment
        WHEN NEW.status IN {ACTIVE} AND {_CLASH}
        BEGIN SELECT RAISE(ABORT, '{NAME}: the patient has another appointment then'); END""",
]
SQLITE_BACKWARD = [f"DROP TRIGGER {NAME}_insert", f"DROP TRIGGER {NAME}_update"]


def restore_sqlite_triggers(apps, schema_editor):
    """For a later migration that rebuilds the table on SQLite (see the docstring)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in SQLITE_BACKWARD:
        schema_editor.execute(sql.replace("DROP TRIGGER", "DROP TRIGGER IF EXISTS"))
    for sql in SQLITE_FORWARD:
        schema_editor.execute(sql)


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
    dependencies = [("scheduling", "0007_appointment_sequence")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
