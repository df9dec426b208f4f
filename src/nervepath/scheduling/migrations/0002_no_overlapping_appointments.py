# SPDX-License-Identifier: AGPL-3.0-or-later
"""The database itself refuses two active appointments that overlap for one clinician
or one resource (buffers included): an exclusion constraint on PostgreSQL, triggers on
SQLite. The booking service locks first and checks, so users see a friendly message;
this is the guard that holds even if a code path forgets."""

from django.db import migrations

ACTIVE = "('booked', 'held')"

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_clinician_no_overlap
        EXCLUDE USING gist (clinician_id WITH =, tstzrange(blocked_from, blocked_until, '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_resource_no_overlap
        EXCLUDE USING gist (resource_id WITH =, tstzrange(blocked_from, blocked_until, '[)') WITH &&)
        WHERE (status IN {ACTIVE} AND resource_id IS NOT NULL)""",
]
PG_BACKWARD = [
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT appointment_clinician_no_overlap",
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT appointment_resource_no_overlap",
]

_CLASH = f"""EXISTS (

    SELECT 1 FROM scheduling_appointment a
    WHERE a.status IN {ACTIVE} AND a.id IS NOT NEW.id
      AND a.blocked_from < NEW.blocked_until AND NEW.blocked_from < a.blocked_until
      AND (a.clinician_id = NEW.clinician_id
           OR (NEW.resource_id IS NOT NULL AND a.resource_id = NEW.resource_id)))"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER appointment_no_overlap_insert BEFORE INSERT ON scheduling_appointment
        WHEN NEW.status IN {ACTIVE} AND {_CLASH}
        BEGIN SELECT RAISE(ABORT, 'appointment overlaps another for the same clinician or resource'); END""",
    f"""CREATE TRIGGER appointment_no_overlap_update BEFORE UPDATE ON scheduling_appointment
        WHEN NEW.status IN {ACTIVE} AND {_CLASH}
        BEGIN SELECT RAISE(ABORT, 'appointment overlaps another for the same clinician or resource'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER appointment_no_overlap_insert",
    "DROP TRIGGER appointment_no_overlap_update",
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
    dependencies = [("scheduling", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
