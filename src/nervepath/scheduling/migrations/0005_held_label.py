# SPDX-License-Identifier: AGPL-3.0-or-later

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0004_care_basis_and_confirmation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("booked", "Booked"),
                    ("held", "Held (waitlist offer, or awaiting the patient's confirmation)"),
                    ("cancelled", "Cancelled"),
                    ("completed", "Completed"),
                    ("no_show", "No-show"),
                ],
                default="booked",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="historicalappointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("booked", "Booked"),
                    ("held", "Held (waitlist offer, or awaiting the patient's confirmation)"),
                    ("cancelled", "Cancelled"),
                    ("completed", "Completed"),
                    ("no_show", "No-show"),
                ],
                default="booked",
                max_length=16,
            ),
        ),
    ]
