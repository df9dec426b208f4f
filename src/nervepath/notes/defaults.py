# SPDX-License-Identifier: AGPL-3.0-or-later
"""The starting templates: a note template per kind of visit, a letter template and the
three consent forms (in English, and in Spanish as translations of them). They are data:
the clinic edits them in the administration (a consent form's edit makes a new version;
signed consents keep theirs). ``install`` adds the missing ones (the data migration, the
demo, and tests whose database was flushed).
"""

from typing import Any

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


def install(apps: Any) -> None:
    """Add the templates not there yet (by slug); never changes an edited one."""
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
    names = {f.name for f in ConsentTemplate._meta.get_fields()}
    if "original" not in names:
        return  # an older migration state: notes/0004 adds the translations
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
