# SPDX-License-Identifier: AGPL-3.0-or-later
"""Create the shared cache table (rate-limit counters) so ``migrate`` is all a deploy runs.

``createcachetable`` reads ``CACHES`` and does nothing for non-database caches (Redis,
local memory) or when the table already exists.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
