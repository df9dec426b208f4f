# SPDX-License-Identifier: AGPL-3.0-or-later
"""Which treatment an appointment type gives, as data (issue 14): existing types get it
from the slugs the code used to recognise (nerve-block, surgery-right, surgery-left,
estim, laser); a clinic that named its types otherwise sets the field in the admin."""

from django.db import migrations, models

TREATMENT_BY_SLUG = {
    "nerve-block": "block",
    "surgery-right": "surgery",
    "surgery-left": "surgery",
    "estim": "estim",
    "laser": "laser",
}


def fill(apps, schema_editor):
    AppointmentType = apps.get_model("scheduling", "AppointmentType")
    for slug, treatment in TREATMENT_BY_SLUG.items():
        AppointmentType.objects.filter(slug=slug).update(treatment=treatment)
    # A type for one leg's surgery is a surgery whatever its slug.
    AppointmentType.objects.filter(treatment="").exclude(surgery_leg="").update(treatment="surgery")


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0005_held_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointmenttype",
            name="treatment",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Not a treatment"),
                    ("block", "Diagnostic nerve block"),
                    ("surgery", "Decompression surgery"),
                    ("estim", "Electrical stimulation"),
                    ("laser", "Laser therapy"),
                ],
                default="",
                help_text="The treatment this visit gives (a nerve block, surgery, a therapy "
                "session): what the care pathway, the nights and the timeline go by.",
                max_length=16,
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
