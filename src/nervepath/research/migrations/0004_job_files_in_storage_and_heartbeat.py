# SPDX-License-Identifier: AGPL-3.0-or-later
"""Research job files move from the row to file storage; a heartbeat for running jobs.

Rows made before hold their file's bytes in ``data``: each is written to storage and its
``storage_name`` set, then ``data`` is cleared. A row whose move fails keeps its bytes,
and the download reads them from the row as before.
"""

import io

from django.db import migrations, models

from nervepath.documents.storage import UploadRefused
from nervepath.research.files import save_job_file


def move_files_to_storage(apps, schema_editor):
    ResearchJob = apps.get_model("research", "ResearchJob")
    for job in ResearchJob.objects.filter(data__isnull=False, storage_name="").iterator():
        try:
            name = save_job_file(job.public_id, io.BytesIO(bytes(job.data)))
        except UploadRefused:
            continue  # an empty file: it stays in the row, which still downloads
        ResearchJob.objects.filter(pk=job.pk).update(storage_name=name, data=None)


class Migration(migrations.Migration):
    dependencies = [
        ("research", "0003_research_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="researchjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="researchjob",
            name="storage_name",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(move_files_to_storage, migrations.RunPython.noop),
    ]
