# SPDX-License-Identifier: AGPL-3.0-or-later
"""Notes: visit notes, letters, consents, referrals and their starting templates.

A squash of the app's migrations 0001_initial..0004_consent_language (issue 14): one
``CreateModel`` per model with its final fields (in the order the old chain left the
columns on PostgreSQL), indexes and constraints, built from the old chain's final model
state rather than by concatenating its operations. Django applies it on a fresh database
and records the old migrations as applied; a database already through the old chain, or
part-way through it, goes on with the old files, which stay until every installation has
passed this point (docs/deployment.md, "Squashed migrations").

Carried over: the starting templates that 0002 and 0004 install, copied here with the
function that installs them as ``nervepath.notes.defaults`` had them, so this migration
does not change when that module does.
"""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import nervepath.notes.exam
import nervepath.notes.models

# The starting templates, as in nervepath.notes.defaults at the time of the squash.
NOTES = [
    # slug, name, treatment, reason, history, examination, assessment, plan, leg exam, order
    ("new-patient", "New-patient consultation", "",
     "Referred for leg symptoms.",
     "Presenting complaint:\nOnset and course:\nSleep:\n"
     "Diabetes, kidney disease, iron:\nMedications tried:",
     "General:\nGait:",
     "Restless legs syndrome criteria (IRLSSG 2012):\nNerve compression at the tunnels:",
     "Investigations:\nTreatment discussed:\nFollow-up:", True, 10),
    ("follow-up", "Follow-up visit", "",
     "Follow-up.", "Since the last visit:", "", "", "Next steps:", True, 20),
    ("nerve-block", "Diagnostic nerve block", "block",
     "Diagnostic nerve block.", "Symptoms before the block:",
     "Injection sites and agents:", "", "Relief diary for 14 days; review after.", True, 30),
    ("pre-op", "Pre-operative visit", "surgery",
     "Pre-operative assessment.", "Block response:\nAnticoagulants:",
     "", "Candidate for decompression of:", "Consent:\nDate of surgery:", True, 40),
    ("post-op", "Post-operative check", "",
     "Post-operative check.", "Since the operation:", "Wound:", "", "Follow-up:", True, 50),
    ("therapy", "Therapy session", "therapy",
     "Therapy session.", "Since the last session:", "", "", "Next session:", False, 60),
]  # fmt: skip

LETTER = (
    "referring-doctor",
    "Letter to the referring doctor",
    "Thank you for referring {patient}, whom I saw on {visit_date}. My findings and plan "
    "are below.",
    "I will keep you informed of progress. Please do not hesitate to contact me.",
)

CONSENTS = [
    ("nerve-block", "block", "Consent to a diagnostic nerve block", False,
     "I agree to a diagnostic injection of local anaesthetic next to the nerves of my leg "
     "named by my clinician, to find out whether they cause my symptoms.\n\n"
     "The risks explained to me include bruising, bleeding, infection, temporary numbness "
     "or weakness of the foot, and rarely a reaction to the medicine.\n\n"
     "I will keep the relief diary for the days asked. I may withdraw this consent at any "
     "time before the injection."),
    ("surgery", "surgery", "Consent to decompression surgery", True,
     "I agree to surgical decompression of the nerves of the leg and at the tunnels named "
     "on this form, with monitoring of the nerves during the operation.\n\n"
     "The risks explained to me include infection, bleeding, wound problems, numbness, "
     "continued or returning symptoms, blood clots, and the risks of anaesthesia.\n\n"
     "The other leg, if needed, is a separate operation and a separate consent. I may "
     "withdraw this consent at any time before the operation."),
    ("therapy", "therapy", "Consent to a course of therapy", False,
     "I agree to a course of electrical stimulation or laser therapy of the legs as "
     "planned with my clinician.\n\n"
     "The risks explained to me include skin irritation, temporary discomfort and, for "
     "laser, the need for eye protection. I may stop the course at any time."),
]  # fmt: skip

# The same forms in Spanish (written for this project, "usted", plain words), each a
# translation of the English form with the same slug.
CONSENTS_ES = [
    ("nerve-block-es", "nerve-block", "Consentimiento para un bloqueo nervioso de diagnóstico",
     "Acepto que me pongan una inyección de anestesia local junto a los nervios de mi "
     "pierna que mi médico me indicó, para saber si esos nervios causan mis síntomas.\n\n"
     "Me explicaron los riesgos, entre ellos: moretones, sangrado, infección, que el pie "
     "se me adormezca o se debilite por un tiempo y, muy pocas veces, una reacción a la "
     "medicina.\n\n"
     "Llenaré el diario de alivio durante los días que me pidan. Puedo retirar este "
     "consentimiento en cualquier momento antes de la inyección."),
    ("surgery-es", "surgery", "Consentimiento para una cirugía de descompresión",
     "Acepto una cirugía para liberar los nervios de la pierna y en los túneles que se "
     "indican en este formulario, con vigilancia de los nervios durante la operación.\n\n"
     "Me explicaron los riesgos, entre ellos: infección, sangrado, problemas con la "
     "herida, adormecimiento, que los síntomas sigan o regresen, coágulos de sangre y los "
     "riesgos de la anestesia.\n\n"
     "Si la otra pierna lo necesita, será otra operación con otro consentimiento. Puedo "
     "retirar este consentimiento en cualquier momento antes de la operación."),
    ("therapy-es", "therapy", "Consentimiento para un tratamiento de terapia",
     "Acepto un tratamiento de estimulación eléctrica o de terapia con láser en las "
     "piernas, como lo planeé con mi médico.\n\n"
     "Me explicaron los riesgos, entre ellos: irritación de la piel, molestias por un "
     "tiempo y, con el láser, la necesidad de proteger los ojos. Puedo dejar el "
     "tratamiento en cualquier momento."),
]  # fmt: skip


def install(apps, schema_editor):
    """From 0002_default_templates and 0004_consent_language (``defaults.install`` as it was
    then): the starting note, letter and consent templates, then the Spanish consents as
    translations of the English ones."""
    NoteTemplate = apps.get_model("notes", "NoteTemplate")
    LetterTemplate = apps.get_model("notes", "LetterTemplate")
    ConsentTemplate = apps.get_model("notes", "ConsentTemplate")
    for slug, name, treatment, reason, history, examination, assessment, plan, leg, order in NOTES:
        NoteTemplate.objects.get_or_create(
            slug=slug,
            defaults=dict(
                name=name, treatment=treatment, reason=reason, present_history=history,
                examination=examination, assessment=assessment, plan=plan,
                with_leg_examination=leg, order=order,
            ),
        )  # fmt: skip
    slug, name, opening, closing = LETTER
    LetterTemplate.objects.get_or_create(
        slug=slug, defaults=dict(name=name, opening=opening, closing=closing)
    )
    for slug, kind, title, witness, body in CONSENTS:
        ConsentTemplate.objects.get_or_create(
            slug=slug, defaults=dict(kind=kind, title=title, requires_witness=witness, body=body)
        )
    for slug, of, title, body in CONSENTS_ES:
        original = ConsentTemplate.objects.filter(slug=of).first()
        if original is None:
            continue
        ConsentTemplate.objects.get_or_create(
            slug=slug,
            defaults=dict(
                kind=original.kind,
                title=title,
                requires_witness=original.requires_witness,
                body=body,
                language="es",
                original=original,
            ),
        )


class Migration(migrations.Migration):
    replaces = [
        ("notes", "0001_initial"),
        ("notes", "0002_default_templates"),
        ("notes", "0003_referral_intake"),
        ("notes", "0004_consent_language"),
    ]

    initial = True

    dependencies = [
        ("accounts", "0005_patient_demographics_and_optional_email"),
        ("documents", "0002_letter_and_consent_kinds"),
        ("scheduling", "0009_checkin_series_and_desk_location"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LetterTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(unique=True)),
                ("name", models.CharField(max_length=100)),
                (
                    "opening",
                    models.TextField(help_text="{patient} and {visit_date} are filled in."),
                ),
                ("closing", models.TextField()),
                ("active", models.BooleanField(default=True)),
            ],
        ),
        migrations.CreateModel(
            name="ReferringDoctor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                ("practice", models.CharField(blank=True, max_length=160)),
                ("phone", models.CharField(blank=True, max_length=32)),
                ("fax", models.CharField(blank=True, max_length=32)),
                ("address", models.TextField(blank=True, max_length=500)),
                (
                    "secure_email",
                    models.EmailField(
                        blank=True,
                        help_text="A secure (e.g. Direct) address: letters are sent there.",
                        max_length=254,
                    ),
                ),
                ("active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["name", "practice"],
            },
        ),
        migrations.CreateModel(
            name="Allergy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("substance", models.CharField(max_length=120)),
                ("reaction", models.CharField(max_length=300)),
                (
                    "status",
                    models.CharField(
                        choices=[("active", "Active"), ("inactive", "No longer")],
                        default="active",
                        max_length=8,
                    ),
                ),
                ("noted_on", models.DateField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="allergies",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "allergies",
                "ordering": ["status", "substance"],
            },
        ),
        migrations.CreateModel(
            name="ConsentTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("block", "Diagnostic nerve block"),
                            ("surgery", "Decompression surgery"),
                            ("therapy", "Therapy"),
                        ],
                        max_length=8,
                    ),
                ),
                ("title", models.CharField(max_length=160)),
                ("body", models.TextField(help_text="Paragraphs separated by a blank line.")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("requires_witness", models.BooleanField(default=False)),
                ("active", models.BooleanField(default=True)),
                ("language", models.CharField(default="en", max_length=8)),
                (
                    "original",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="translations",
                        to="notes.consenttemplate",
                    ),
                ),
            ],
            options={
                "ordering": ["kind", "title"],
            },
        ),
        migrations.CreateModel(
            name="Consent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("block", "Diagnostic nerve block"),
                            ("surgery", "Decompression surgery"),
                            ("therapy", "Therapy"),
                        ],
                        max_length=8,
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                ("title", models.CharField(max_length=160)),
                ("body", models.TextField()),
                ("requires_witness", models.BooleanField(default=False)),
                (
                    "leg",
                    models.CharField(
                        blank=True,
                        choices=[("right", "Right leg"), ("left", "Left leg")],
                        max_length=8,
                    ),
                ),
                ("tunnels", models.JSONField(blank=True, default=list)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "Waiting for the patient's signature"),
                            ("witness", "Signed, waiting for a witness"),
                            ("signed", "Signed"),
                        ],
                        default="requested",
                        max_length=12,
                    ),
                ),
                ("typed_name", models.CharField(blank=True, max_length=160)),
                ("signature_png", models.BinaryField(blank=True, default=b"")),
                ("signed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "signed_via",
                    models.CharField(
                        blank=True,
                        choices=[("portal", "Patient portal"), ("tablet", "Clinic tablet")],
                        max_length=8,
                    ),
                ),
                ("witnessed_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "document",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="documents.document",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="consents",
                        to="accounts.patient",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "withdraws",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="withdrawal",
                        to="notes.consent",
                    ),
                ),
                (
                    "witness",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="notes.consenttemplate",
                    ),
                ),
                ("language", models.CharField(default="en", max_length=8)),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalAllergy",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("substance", models.CharField(max_length=120)),
                ("reaction", models.CharField(max_length=300)),
                (
                    "status",
                    models.CharField(
                        choices=[("active", "Active"), ("inactive", "No longer")],
                        default="active",
                        max_length=8,
                    ),
                ),
                ("noted_on", models.DateField()),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical allergy",
                "verbose_name_plural": "historical allergies",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalConsent",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("block", "Diagnostic nerve block"),
                            ("surgery", "Decompression surgery"),
                            ("therapy", "Therapy"),
                        ],
                        max_length=8,
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                ("title", models.CharField(max_length=160)),
                ("body", models.TextField()),
                ("requires_witness", models.BooleanField(default=False)),
                (
                    "leg",
                    models.CharField(
                        blank=True,
                        choices=[("right", "Right leg"), ("left", "Left leg")],
                        max_length=8,
                    ),
                ),
                ("tunnels", models.JSONField(blank=True, default=list)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "Waiting for the patient's signature"),
                            ("witness", "Signed, waiting for a witness"),
                            ("signed", "Signed"),
                        ],
                        default="requested",
                        max_length=12,
                    ),
                ),
                ("typed_name", models.CharField(blank=True, max_length=160)),
                ("signed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "signed_via",
                    models.CharField(
                        blank=True,
                        choices=[("portal", "Patient portal"), ("tablet", "Clinic tablet")],
                        max_length=8,
                    ),
                ),
                ("witnessed_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="documents.document",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="notes.consenttemplate",
                    ),
                ),
                (
                    "withdraws",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="notes.consent",
                    ),
                ),
                (
                    "witness",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("language", models.CharField(default="en", max_length=8)),
            ],
            options={
                "verbose_name": "historical consent",
                "verbose_name_plural": "historical consents",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalConsentTemplate",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("block", "Diagnostic nerve block"),
                            ("surgery", "Decompression surgery"),
                            ("therapy", "Therapy"),
                        ],
                        max_length=8,
                    ),
                ),
                ("title", models.CharField(max_length=160)),
                ("body", models.TextField(help_text="Paragraphs separated by a blank line.")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("requires_witness", models.BooleanField(default=False)),
                ("active", models.BooleanField(default=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("language", models.CharField(default="en", max_length=8)),
                (
                    "original",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="notes.consenttemplate",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical consent template",
                "verbose_name_plural": "historical consent templates",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalLetterTemplate",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField()),
                ("name", models.CharField(max_length=100)),
                (
                    "opening",
                    models.TextField(help_text="{patient} and {visit_date} are filled in."),
                ),
                ("closing", models.TextField()),
                ("active", models.BooleanField(default=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical letter template",
                "verbose_name_plural": "historical letter templates",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalNoteTemplate",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField()),
                ("name", models.CharField(max_length=100)),
                (
                    "treatment",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("block", "Diagnostic nerve block"),
                            ("surgery", "Decompression surgery"),
                            ("therapy", "Therapy (electrical stimulation or laser)"),
                        ],
                        help_text="Used for visits of a type that gives this treatment.",
                        max_length=16,
                    ),
                ),
                (
                    "reason",
                    models.TextField(
                        blank=True, help_text="Starting text of the reason for visit."
                    ),
                ),
                (
                    "present_history",
                    models.TextField(
                        blank=True,
                        help_text="Starting text of the history.",
                        verbose_name="history",
                    ),
                ),
                (
                    "examination",
                    models.TextField(blank=True, help_text="Starting text of the examination."),
                ),
                (
                    "assessment",
                    models.TextField(blank=True, help_text="Starting text of the assessment."),
                ),
                ("plan", models.TextField(blank=True, help_text="Starting text of the plan.")),
                ("with_leg_examination", models.BooleanField(default=True)),
                ("active", models.BooleanField(default=True)),
                ("order", models.PositiveSmallIntegerField(default=100)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical note template",
                "verbose_name_plural": "historical note templates",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalProblem",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                ("onset", models.DateField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[("active", "Active"), ("resolved", "Resolved")],
                        default="active",
                        max_length=8,
                    ),
                ),
                ("resolved_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical problem",
                "verbose_name_plural": "historical problems",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalReferringDoctor",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                ("practice", models.CharField(blank=True, max_length=160)),
                ("phone", models.CharField(blank=True, max_length=32)),
                ("fax", models.CharField(blank=True, max_length=32)),
                ("address", models.TextField(blank=True, max_length=500)),
                (
                    "secure_email",
                    models.EmailField(
                        blank=True,
                        help_text="A secure (e.g. Direct) address: letters are sent there.",
                        max_length=254,
                    ),
                ),
                ("active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical referring doctor",
                "verbose_name_plural": "historical referring doctors",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="NoteTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(unique=True)),
                ("name", models.CharField(max_length=100)),
                (
                    "treatment",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("block", "Diagnostic nerve block"),
                            ("surgery", "Decompression surgery"),
                            ("therapy", "Therapy (electrical stimulation or laser)"),
                        ],
                        help_text="Used for visits of a type that gives this treatment.",
                        max_length=16,
                    ),
                ),
                (
                    "reason",
                    models.TextField(
                        blank=True, help_text="Starting text of the reason for visit."
                    ),
                ),
                (
                    "present_history",
                    models.TextField(
                        blank=True,
                        help_text="Starting text of the history.",
                        verbose_name="history",
                    ),
                ),
                (
                    "examination",
                    models.TextField(blank=True, help_text="Starting text of the examination."),
                ),
                (
                    "assessment",
                    models.TextField(blank=True, help_text="Starting text of the assessment."),
                ),
                ("plan", models.TextField(blank=True, help_text="Starting text of the plan.")),
                ("with_leg_examination", models.BooleanField(default=True)),
                ("active", models.BooleanField(default=True)),
                ("order", models.PositiveSmallIntegerField(default=100)),
                (
                    "appointment_types",
                    models.ManyToManyField(
                        blank=True, related_name="note_templates", to="scheduling.appointmenttype"
                    ),
                ),
            ],
            options={
                "ordering": ["order", "name"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalVisitNote",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("visit_type", models.CharField(max_length=100)),
                ("visit_date", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("signed", "Signed")],
                        default="draft",
                        max_length=8,
                    ),
                ),
                (
                    "reason",
                    models.TextField(blank=True, max_length=4000, verbose_name="reason for visit"),
                ),
                (
                    "present_history",
                    models.TextField(blank=True, max_length=20000, verbose_name="history"),
                ),
                (
                    "examination_text",
                    models.TextField(blank=True, max_length=20000, verbose_name="examination"),
                ),
                (
                    "examination",
                    models.JSONField(
                        default=nervepath.notes.exam.blank,
                        validators=[nervepath.notes.models.validate_examination],
                        verbose_name="leg examination",
                    ),
                ),
                ("assessment", models.TextField(blank=True, max_length=20000)),
                ("plan", models.TextField(blank=True, max_length=20000)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
                ("signed_at", models.DateTimeField(blank=True, null=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "appointment",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="scheduling.appointment",
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="notes.notetemplate",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical visit note",
                "verbose_name_plural": "historical visit notes",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Problem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                ("onset", models.DateField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[("active", "Active"), ("resolved", "Resolved")],
                        default="active",
                        max_length=8,
                    ),
                ),
                ("resolved_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="problems",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "ordering": ["status", "-onset", "name"],
            },
        ),
        migrations.CreateModel(
            name="ReferralIntake",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for staff to confirm the patient"),
                            ("filed", "Filed in the patient's record"),
                            ("discarded", "Discarded"),
                        ],
                        default="pending",
                        max_length=12,
                    ),
                ),
                ("first_name", models.CharField(max_length=100)),
                ("last_name", models.CharField(max_length=100)),
                ("date_of_birth", models.DateField()),
                ("email", models.EmailField(blank=True, max_length=254)),
                ("phone", models.CharField(blank=True, help_text="E.164", max_length=32)),
                ("received_on", models.DateField()),
                ("title", models.CharField(max_length=200)),
                (
                    "original_name",
                    models.CharField(help_text="shown only, never a path", max_length=120),
                ),
                ("storage_name", models.CharField(editable=False, max_length=200, unique=True)),
                ("content_type", models.CharField(max_length=64)),
                ("size", models.PositiveBigIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                ("created_patient", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("filed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "doctor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="intakes",
                        to="notes.referringdoctor",
                    ),
                ),
                (
                    "document",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="intake",
                        to="documents.document",
                    ),
                ),
                (
                    "filed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="referral_intakes",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="PatientReferral",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("since", models.DateField()),
                ("ended_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="referrals",
                        to="accounts.patient",
                    ),
                ),
                (
                    "doctor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="referrals",
                        to="notes.referringdoctor",
                    ),
                ),
            ],
            options={
                "ordering": ["-since", "-id"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalReferralIntake",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for staff to confirm the patient"),
                            ("filed", "Filed in the patient's record"),
                            ("discarded", "Discarded"),
                        ],
                        default="pending",
                        max_length=12,
                    ),
                ),
                ("first_name", models.CharField(max_length=100)),
                ("last_name", models.CharField(max_length=100)),
                ("date_of_birth", models.DateField()),
                ("email", models.EmailField(blank=True, max_length=254)),
                ("phone", models.CharField(blank=True, help_text="E.164", max_length=32)),
                ("received_on", models.DateField()),
                ("title", models.CharField(max_length=200)),
                (
                    "original_name",
                    models.CharField(help_text="shown only, never a path", max_length=120),
                ),
                ("content_type", models.CharField(max_length=64)),
                ("size", models.PositiveBigIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                ("created_patient", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("filed_at", models.DateTimeField(blank=True, null=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "doctor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="notes.referringdoctor",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="documents.document",
                    ),
                ),
                (
                    "filed_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical referral intake",
                "verbose_name_plural": "historical referral intakes",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPatientReferral",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("since", models.DateField()),
                ("ended_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "doctor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="notes.referringdoctor",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical patient referral",
                "verbose_name_plural": "historical patient referrals",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="VisitNote",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("visit_type", models.CharField(max_length=100)),
                ("visit_date", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("signed", "Signed")],
                        default="draft",
                        max_length=8,
                    ),
                ),
                (
                    "reason",
                    models.TextField(blank=True, max_length=4000, verbose_name="reason for visit"),
                ),
                (
                    "present_history",
                    models.TextField(blank=True, max_length=20000, verbose_name="history"),
                ),
                (
                    "examination_text",
                    models.TextField(blank=True, max_length=20000, verbose_name="examination"),
                ),
                (
                    "examination",
                    models.JSONField(
                        default=nervepath.notes.exam.blank,
                        validators=[nervepath.notes.models.validate_examination],
                        verbose_name="leg examination",
                    ),
                ),
                ("assessment", models.TextField(blank=True, max_length=20000)),
                ("plan", models.TextField(blank=True, max_length=20000)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("signed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "appointment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="notes",
                        to="scheduling.appointment",
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="visit_notes",
                        to="accounts.patient",
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="notes.notetemplate",
                    ),
                ),
            ],
            options={
                "ordering": ["-visit_date", "-id"],
                "indexes": [
                    models.Index(
                        fields=["patient", "visit_date"], name="notes_visit_patient_8c1dc6_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Letter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "delivery",
                    models.CharField(
                        choices=[("mail", "Sent by secure mail"), ("print", "To print")],
                        max_length=8,
                    ),
                ),
                ("sent_to", models.EmailField(blank=True, max_length=254)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "document",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="documents.document",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="notes.lettertemplate",
                    ),
                ),
                (
                    "doctor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="letters",
                        to="notes.referringdoctor",
                    ),
                ),
                (
                    "note",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="letters",
                        to="notes.visitnote",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalVitals",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("measured_on", models.DateField()),
                (
                    "height_cm",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=4,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(50),
                            django.core.validators.MaxValueValidator(250),
                        ],
                    ),
                ),
                (
                    "weight_kg",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=4,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(20),
                            django.core.validators.MaxValueValidator(400),
                        ],
                    ),
                ),
                (
                    "systolic",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(50),
                            django.core.validators.MaxValueValidator(300),
                        ],
                    ),
                ),
                (
                    "diastolic",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(20),
                            django.core.validators.MaxValueValidator(200),
                        ],
                    ),
                ),
                (
                    "hba1c_pct",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=3,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(3),
                            django.core.validators.MaxValueValidator(20),
                        ],
                        verbose_name="HbA1c (%)",
                    ),
                ),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "note",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="notes.visitnote",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical vitals",
                "verbose_name_plural": "historical vitals",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalLetter",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "delivery",
                    models.CharField(
                        choices=[("mail", "Sent by secure mail"), ("print", "To print")],
                        max_length=8,
                    ),
                ),
                ("sent_to", models.EmailField(blank=True, max_length=254)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="documents.document",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="notes.lettertemplate",
                    ),
                ),
                (
                    "doctor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="notes.referringdoctor",
                    ),
                ),
                (
                    "note",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="notes.visitnote",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical letter",
                "verbose_name_plural": "historical letters",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalAddendum",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("text", models.TextField(max_length=8000)),
                ("reason", models.CharField(max_length=300, verbose_name="why")),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "note",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="notes.visitnote",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical addendum",
                "verbose_name_plural": "historical addenda",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Addendum",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.TextField(max_length=8000)),
                ("reason", models.CharField(max_length=300, verbose_name="why")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.patient",
                    ),
                ),
                (
                    "note",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="addenda",
                        to="notes.visitnote",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "addenda",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="Vitals",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("measured_on", models.DateField()),
                (
                    "height_cm",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=4,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(50),
                            django.core.validators.MaxValueValidator(250),
                        ],
                    ),
                ),
                (
                    "weight_kg",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=4,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(20),
                            django.core.validators.MaxValueValidator(400),
                        ],
                    ),
                ),
                (
                    "systolic",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(50),
                            django.core.validators.MaxValueValidator(300),
                        ],
                    ),
                ),
                (
                    "diastolic",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(20),
                            django.core.validators.MaxValueValidator(200),
                        ],
                    ),
                ),
                (
                    "hba1c_pct",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=3,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(3),
                            django.core.validators.MaxValueValidator(20),
                        ],
                        verbose_name="HbA1c (%)",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "note",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="vitals",
                        to="notes.visitnote",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="vitals",
                        to="accounts.patient",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "vitals",
                "ordering": ["-measured_on", "-id"],
            },
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
