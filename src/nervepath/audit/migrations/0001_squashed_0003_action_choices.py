# SPDX-License-Identifier: AGPL-3.0-or-later
"""Audit: the append-only audit trail.

A squash of the app's migrations 0001_initial..0003_action_choices (issue 14): one
``CreateModel`` per model with its final fields (in the order the old chain left the
columns on PostgreSQL), indexes and constraints, built from the old chain's final model
state rather than by concatenating its operations. Django applies it on a fresh database
and records the old migrations as applied; a database already through the old chain, or
part-way through it, goes on with the old files, which stay until every installation has
passed this point (docs/deployment.md, "Squashed migrations").

Carried over: 0002's triggers that refuse to rewrite the trail (PostgreSQL: UPDATE
and DELETE; SQLite: UPDATE).
"""

import django.utils.timezone
from django.db import migrations, models

PG_UP = """
CREATE OR REPLACE FUNCTION nervepath_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION nervepath_audit_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS nervepath_audit_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_event_no_update;"


def append_only(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def not_append_only(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    replaces = [
        ("audit", "0001_initial"),
        ("audit", "0002_append_only"),
        ("audit", "0003_action_choices"),
    ]

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("actor_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                ("actor_role", models.CharField(blank=True, max_length=16)),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("view", "Viewed a record"),
                            ("list", "Listed in a page"),
                            ("create", "Created"),
                            ("update", "Changed"),
                            ("delete", "Deleted"),
                            ("download", "Downloaded a file"),
                            ("export", "Exported"),
                            ("denied", "Access refused"),
                            ("emergency", "Emergency access opened"),
                            ("login", "Signed in"),
                            ("login_failed", "Failed sign-in"),
                            ("2fa", "Gave the second factor"),
                            ("2fa_failed", "Wrong second factor"),
                            ("locked_out", "Account locked out"),
                            ("logout", "Signed out"),
                        ],
                        db_index=True,
                        max_length=16,
                    ),
                ),
                ("patient_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                ("object_type", models.CharField(blank=True, max_length=64)),
                ("object_id", models.CharField(blank=True, max_length=64)),
                (
                    "route",
                    models.CharField(
                        blank=True, help_text="URL name, never the path", max_length=100
                    ),
                ),
                ("method", models.CharField(blank=True, max_length=8)),
                ("ip", models.GenericIPAddressField(blank=True, null=True)),
                ("request_id", models.CharField(blank=True, db_index=True, max_length=32)),
                ("emergency", models.BooleanField(db_index=True, default=False)),
                ("detail", models.CharField(blank=True, max_length=200)),
            ],
            options={
                "ordering": ["-at", "-id"],
                "indexes": [
                    models.Index(fields=["patient_id", "at"], name="audit_audit_patient_75268e_idx")
                ],
            },
        ),
        migrations.RunPython(append_only, not_append_only),
    ]
