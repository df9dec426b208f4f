# SPDX-License-Identifier: AGPL-3.0-or-later
"""The squashed migrations (issue 14) stand for the old chain they replace.

Cheap checks on the migration graph and the test database; the full proof (fresh, fully
and part-way migrated databases on SQLite and PostgreSQL, compared with the old chain)
is ``tests/deploy/squash_check.py``, run by hand (docs/deployment.md)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ModelState

PROJECT = (
    "accounts",
    "audit",
    "access",
    "messaging",
    "documents",
    "scheduling",
    "inbox",
    "assessment",
    "wearables",
    "notes",
    "pathway",
    "research",
)


def _squashes(loader: MigrationLoader) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    found = {}
    for (app, name), migration in loader.disk_migrations.items():
        if migration.replaces:
            assert app not in found, f"{app} has two squashed migrations"
            found[app] = (name, list(migration.replaces))
    return found


def test_each_app_has_one_squash_replacing_every_migration_up_to_its_number() -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True, replace_migrations=False)
    squashes = _squashes(loader)
    assert set(squashes) == set(PROJECT)
    for app, (name, replaces) in squashes.items():
        last = re.fullmatch(r"0001_squashed_(\d{4})_\w+", name)
        assert last, name
        old = sorted(
            (a, n)
            for a, n in loader.disk_migrations
            if a == app and n != name and n[:4] <= last.group(1)
        )
        assert sorted(replaces) == old, app
        assert replaces[-1][1] == name.removeprefix("0001_squashed_")


def _fields(state: ModelState) -> list[tuple[str, tuple]]:
    return [(n, f.deconstruct()[1:]) for n, f in state.fields.items()]


def test_the_squashed_model_state_is_the_old_chains_to_the_field_order() -> None:
    """Fields (in the order that gives the old chain's PostgreSQL columns), options with
    indexes and constraints, bases and managers: model by model, the same."""
    old_loader = MigrationLoader(None, ignore_no_migrations=True, replace_migrations=False)
    old_leaves = [(app, replaces[-1][1]) for app, (_, replaces) in _squashes(old_loader).items()]
    old = old_loader.project_state(nodes=old_leaves, at_end=True)
    new = MigrationLoader(None, ignore_no_migrations=True).project_state()
    keys = {key for key in old.models if key[0] in PROJECT}
    assert keys == {key for key in new.models if key[0] in PROJECT}
    assert len(keys) > 80
    for key in sorted(keys):
        before, after = old.models[key], new.models[key]
        assert _fields(after) == _fields(before), key
        assert after.options == before.options, key
        assert after.bases == before.bases, key
        assert [(n, m.deconstruct()) for n, m in after.managers] == [
            (n, m.deconstruct()) for n, m in before.managers
        ], key


def test_the_squashes_import_no_migration_and_no_changing_data() -> None:
    """Migrations must not import each other's code, nor data modules that move on."""
    for app in PROJECT:
        folder = Path(apps.get_app_config(app).path) / "migrations"
        for path in folder.glob("0001_squashed_*.py"):
            imports = re.findall(r"^(?:from|import) \S+", path.read_text(), re.M)
            assert imports, path
            for line in imports:
                assert "importlib" not in line, (path, line)
                assert ".migrations" not in line, (path, line)
                assert "defaults" not in line, (path, line)


@pytest.mark.django_db
@pytest.mark.postgres
def test_a_fresh_database_has_the_guards_and_the_templates() -> None:
    """What the squashes carry over besides the models (the test database is migrated
    by them): the overlap guards and the audit trail's, and the starting templates in
    English and Spanish that the notes squash installs. (The shared cache table is made
    only with the database cache, which the tests do not use: squash_check.py compares
    it.)"""
    from nervepath.notes.models import ConsentTemplate, LetterTemplate, NoteTemplate

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            guards = {row[0] for row in cursor.fetchall()}
            assert guards >= {
                "appointment_no_overlap_insert",
                "appointment_no_overlap_update",
                "appointment_patient_no_overlap_insert",
                "appointment_patient_no_overlap_update",
                "audit_event_no_update",
            }
        else:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = "
                "'scheduling_appointment'::regclass AND contype = 'x'"
            )
            assert {row[0] for row in cursor.fetchall()} == {
                "appointment_clinician_no_overlap",
                "appointment_resource_no_overlap",
                "appointment_patient_no_overlap",
            }
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass"
                " AND NOT tgisinternal"
            )
            assert [row[0] for row in cursor.fetchall()] == ["audit_event_append_only"]
    # The templates are rows, and a browser or race test earlier in this process may have
    # emptied every table (a transactional test flushes the database after it): the
    # notes squash's own install step is run again on empty tables, as on a fresh one.
    squash = importlib.import_module(
        "nervepath.notes.migrations.0001_squashed_0004_consent_language"
    )
    ConsentTemplate.objects.filter(original__isnull=False).delete()
    for model in (ConsentTemplate, LetterTemplate, NoteTemplate):
        model.objects.all().delete()
    squash.install(apps, None)
    assert NoteTemplate.objects.count() == 6
    assert LetterTemplate.objects.filter(slug="referring-doctor").exists()
    spanish = ConsentTemplate.objects.filter(language="es").select_related("original")
    assert sorted((c.slug, c.original and c.original.slug) for c in spanish) == [
        ("nerve-block-es", "nerve-block"),
        ("surgery-es", "surgery"),
        ("therapy-es", "therapy"),
    ]
    assert ConsentTemplate.objects.filter(language="en").count() == 3
