# SPDX-License-Identifier: AGPL-3.0-or-later
"""The starting note, letter and consent templates (``nervepath.notes.defaults``)."""

from django.db import migrations

from nervepath.notes.defaults import install


def add(apps, schema_editor):
    install(apps)


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
