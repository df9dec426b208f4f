# SPDX-License-Identifier: AGPL-3.0-or-later
"""Build the demo clinic: two Colorado locations, clinicians, staff, patients, bookings.

Idempotent for the reference data; appointments are only added to an empty schedule.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from nervepath.accounts.models import Patient, Role, User
from nervepath.demo import accounts as demo
from nervepath.demo import assessment as demo_questionnaires
from nervepath.demo import pathway as demo_pathways
from nervepath.demo import research as demo_research
from nervepath.demo import wearables as demo_nights
from nervepath.notes import defaults as notes_defaults
from nervepath.scheduling import availability
from nervepath.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    CareBasis,
    Clinician,
    ExceptionKind,
    Leg,
    Location,
    OpeningHours,
    Resource,
    ResourceKind,
    Source,
    Status,
    Treatment,
    WorkingHours,
)

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (published demo logins)

LOCATIONS = [
    dict(slug="fort-collins", name="Fort Collins", address="1200 Centre Avenue, Suite 210",
         city="Fort Collins", state="CO", postal_code="80526", phone="(970) 555-0142"),
    dict(slug="broomfield", name="Broomfield", address="400 Interlocken Parkway, Suite 120",
         city="Broomfield", state="CO", postal_code="80021", phone="(303) 555-0187"),
]  # fmt: skip

# (email, first, last, title, {location slug: [(weekday, start, end)]})
CLINICIANS = [
    ("dr.hale@demo.nervepath.org", "Maren", "Hale", "DPM",
     {"fort-collins": [(0, "08:00", "17:00"), (1, "08:00", "17:00"), (3, "08:00", "17:00")],
      "broomfield": [(2, "08:00", "16:00"), (4, "08:00", "12:00")]}),
    ("dr.okafor@demo.nervepath.org", "Chidi", "Okafor", "MD",
     {"broomfield": [(0, "09:00", "17:00"), (1, "09:00", "17:00"), (3, "09:00", "17:00")],
      "fort-collins": [(2, "09:00", "17:00"), (4, "09:00", "15:00")]}),
    ("pa.lindqvist@demo.nervepath.org", "Ingrid", "Lindqvist", "PA-C",
     {"fort-collins": [(0, "07:30", "15:30"), (2, "07:30", "15:30"), (4, "07:30", "13:00")],
      "broomfield": [(1, "07:30", "15:30"), (3, "07:30", "15:30")]}),
]  # fmt: skip

STAFF = [
    ("frontdesk@demo.nervepath.org", "Rosa", "Delgado", Role.FRONT_DESK),
    ("research@demo.nervepath.org", "Priya", "Natarajan", Role.RESEARCHER),
    ("admin@demo.nervepath.org", "Sam", "Whitford", Role.ADMIN),
]

PATIENTS = [
    ("patient@demo.nervepath.org", "Alex", "Morgan"),
    ("jordan.reyes@demo.nervepath.org", "Jordan", "Reyes"),
    ("casey.nguyen@demo.nervepath.org", "Casey", "Nguyen"),
    ("taylor.brooks@demo.nervepath.org", "Taylor", "Brooks"),
    ("morgan.lee@demo.nervepath.org", "Morgan", "Lee"),
    ("riley.chen@demo.nervepath.org", "Riley", "Chen"),
    ("avery.patel@demo.nervepath.org", "Avery", "Patel"),
    ("quinn.oconnor@demo.nervepath.org", "Quinn", "O'Connor"),
    ("jamie.schultz@demo.nervepath.org", "Jamie", "Schultz"),
    ("drew.martinez@demo.nervepath.org", "Drew", "Martinez"),
    ("robin.alvarez@demo.nervepath.org", "Robin", "Alvarez"),
]

# More patients, so that the calendars look like a working week.
FIRST_NAMES = [
    "Ana",
    "Ben",
    "Carla",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Iris",
    "Jonas",
    "Kara",
    "Liam",
    "Maya",
    "Nils",
    "Olivia",
    "Pavel",
    "Rosa",
    "Sam",
    "Tess",
    "Yusuf",
]
LAST_NAMES = [
    "Abbott",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreno",
    "Novak",
    "Okoye",
    "Park",
]
MORE_PATIENTS = 40
MORE_VISITS = ["new-patient", "follow-up", "follow-up", "post-op", "estim", "laser"]

# Each demo patient's care so far and ahead: (days from today, type, location). A visit
# lands on the first day from there with a free slot.
STORIES = [
    # A nerve block four days ago; the relief diary is under way (demo/pathway.py).
    [(-28, "new-patient", "fort-collins"), (-14, "follow-up", "fort-collins"),
     (-4, "nerve-block", "fort-collins"), (10, "follow-up", "fort-collins")],
    # A course of electrical stimulation, one session missed.
    [(-24, "new-patient", "broomfield"), (-17, "estim", "broomfield"),
     (-14, "estim", "broomfield"), (-10, "estim", "broomfield"), (-7, "estim", "broomfield"),
     (-3, "estim", "broomfield"), (4, "estim", "broomfield"), (11, "follow-up", "broomfield")],
    [(-10, "new-patient", "fort-collins"), (9, "follow-up", "fort-collins")],
    # Both legs decompressed, the second about three weeks after the first.
    [(-60, "new-patient", "fort-collins"), (-45, "nerve-block", "fort-collins"),
     (-12, "surgery-right", "fort-collins"), (-5, "post-op", "fort-collins"),
     (12, "surgery-left", "fort-collins"), (20, "post-op", "fort-collins")],
    # A block with little relief, then a laser course.
    [(-35, "new-patient", "broomfield"), (-30, "nerve-block", "broomfield"),
     (-20, "follow-up", "broomfield"), (3, "laser", "broomfield"), (10, "laser", "broomfield")],
    [(2, "new-patient", "fort-collins")],
    [(5, "new-patient", "broomfield")],
    [(-16, "new-patient", "broomfield"), (1, "nerve-block", "broomfield"),
     (8, "follow-up", "broomfield")],
    [(7, "new-patient", "fort-collins")],
    [(-3, "new-patient", "fort-collins"), (15, "follow-up", "fort-collins")],
    # The whole path: block, right leg, left leg three weeks later, follow-ups of both
    # legs at 2 weeks, 3, 6 and 12 months.
    [(-440, "new-patient", "fort-collins"), (-420, "nerve-block", "fort-collins"),
     (-396, "surgery-right", "fort-collins"), (-381, "post-op", "fort-collins"),
     (-372, "surgery-left", "fort-collins"), (-360, "post-op", "fort-collins"),
     (-304, "post-op", "fort-collins"), (-283, "post-op", "fort-collins"),
     (-213, "post-op", "fort-collins"), (-192, "post-op", "fort-collins"),
     (-30, "post-op", "fort-collins"), (-9, "post-op", "fort-collins")],
]  # fmt: skip

# slug, name, minutes, before, after, resource kind, online, leg, who (clinician index);
# which treatment each type is comes from TREATMENT below (the field, not the slug, is
# what the app reads).
TYPES = [
    ("new-patient", "New-patient consultation", 60, 0, 10, "", True, "", [0, 1, 2]),
    ("follow-up", "Follow-up visit", 30, 0, 5, "", True, "", [0, 1, 2]),
    ("nerve-block", "Diagnostic nerve block", 45, 10, 15,
     ResourceKind.PROCEDURE_ROOM, False, "", [0, 1]),
    ("surgery-right", "Decompression surgery, right leg", 150, 30, 30,
     ResourceKind.OPERATING_ROOM, False, Leg.RIGHT, [0, 1]),
    ("surgery-left", "Decompression surgery, left leg", 150, 30, 30,
     ResourceKind.OPERATING_ROOM, False, Leg.LEFT, [0, 1]),
    ("post-op", "Post-operative check", 30, 0, 5, "", True, "", [0, 1, 2]),
    ("estim", "Electrical-stimulation session", 45, 0, 10,
     ResourceKind.THERAPY_CHAIR, True, "", [2]),
    ("laser", "Laser session", 30, 0, 10, ResourceKind.THERAPY_CHAIR, True, "", [2]),
]  # fmt: skip

TREATMENT = {
    "nerve-block": Treatment.BLOCK,
    "surgery-right": Treatment.SURGERY,
    "surgery-left": Treatment.SURGERY,
    "estim": Treatment.ESTIM,
    "laser": Treatment.LASER,
}


def _t(text: str) -> time:
    return time.fromisoformat(text)


def _holidays(today: date) -> list[tuple[date, str]]:
    """The clinic's closures in the coming year: Thanksgiving (fourth Thursday of
    November) and Christmas Day."""
    out = []
    for year in (today.year, today.year + 1):
        first = date(year, 11, 1)
        thanksgiving = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
        out += [(thanksgiving, "Thanksgiving"), (date(year, 12, 25), "Christmas Day")]
    return [(day, reason) for day, reason in out if day >= today]


def _demographics(number: int) -> dict[str, object]:
    """A made-up date of birth (ages about 35 to 80) and a phone number from the range kept
    for fiction (555-0100 to 555-0199), the same on every run."""
    area = "970" if number % 2 == 0 else "303"
    return {
        "phone": f"({area}) 555-01{number % 100:02d}",
        "date_of_birth": date(1946 + (number * 7) % 45, 1 + number % 12, 1 + (number * 5) % 28),
    }


class Command(BaseCommand):
    help = "Create the demo clinic (two locations, clinicians, staff, patients, appointments)."
    _password_hash = ""

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Random seed for the bookings.")
        parser.add_argument(
            "--no-appointments", action="store_true", help="Reference data and people only."
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        # The note, letter and consent templates (a flushed database has lost them).
        notes_defaults.install(django_apps)
        locations = {}
        for data in LOCATIONS:
            loc, _ = Location.objects.update_or_create(slug=data["slug"], defaults=data)
            locations[loc.slug] = loc
            for weekday in range(5):
                OpeningHours.objects.get_or_create(
                    location=loc,
                    weekday=weekday,
                    defaults={"opens": _t("07:30"), "closes": _t("17:30")},
                )
            for name, resource_kind in [
                ("Procedure room 1", ResourceKind.PROCEDURE_ROOM),
                ("Operating room", ResourceKind.OPERATING_ROOM),
                ("Therapy chair A", ResourceKind.THERAPY_CHAIR),
                ("Therapy chair B", ResourceKind.THERAPY_CHAIR),
            ]:
                Resource.objects.get_or_create(
                    location=loc, name=name, defaults={"kind": resource_kind}
                )

        clinicians = []
        for email, first, last, title, hours in CLINICIANS:
            user = self._user(email, first, last, Role.CLINICIAN)
            clinician, _ = Clinician.objects.get_or_create(user=user, defaults={"title": title})
            clinicians.append(clinician)
            for slug, rows in hours.items():
                for weekday, start, end in rows:
                    WorkingHours.objects.get_or_create(
                        clinician=clinician,
                        location=locations[slug],
                        weekday=weekday,
                        start=_t(start),
                        end=_t(end),
                    )
        for email, first, last, role in STAFF:
            self._user(email, first, last, role)
        # Staff sign in with two factors; the demo staff share one published secret.
        staff_emails = [row[0] for row in STAFF + CLINICIANS]
        for user in User.objects.filter(email__in=staff_emails).exclude(role=Role.PATIENT):
            demo.give_demo_authenticator(user)
        patients = []
        for number, (email, first, last) in enumerate(PATIENTS):
            user = self._user(email, first, last, Role.PATIENT)
            patients.append(
                Patient.objects.get_or_create(user=user, defaults=_demographics(number))[0]
            )

        kinds: dict[str, AppointmentType] = {}
        for slug, name, minutes, before, after, resource, online, leg, who in TYPES:
            kind, _ = AppointmentType.objects.update_or_create(
                slug=slug,
                defaults=dict(
                    name=name,
                    duration_minutes=minutes,
                    buffer_before_minutes=before,
                    buffer_after_minutes=after,
                    resource_kind=resource,
                    online_bookable=online,
                    surgery_leg=leg,
                    treatment=TREATMENT.get(slug, Treatment.NONE),
                    order=len(kinds),
                ),
            )
            kind.locations.set(locations.values())
            kind.clinicians.set([clinicians[i] for i in who])
            kinds[slug] = kind

        tz = locations["fort-collins"].tz
        today = timezone.now().astimezone(tz).date()
        for holiday, reason in _holidays(today):
            for loc in locations.values():
                AvailabilityException.objects.get_or_create(
                    location=loc,
                    clinician=None,
                    kind=ExceptionKind.UNAVAILABLE,
                    starts_at=datetime.combine(holiday, time.min, tzinfo=loc.tz),
                    ends_at=datetime.combine(holiday + timedelta(days=1), time.min, tzinfo=loc.tz),
                    defaults={"reason": reason},
                )

        if not options["no_appointments"] and not Appointment.objects.exists():
            rng = random.Random(int(options["seed"]))  # noqa: S311 (demo data, not security)
            stories = list(zip(patients, STORIES, strict=True))
            for number in range(MORE_PATIENTS):
                first, last = FIRST_NAMES[number % 20], LAST_NAMES[(number * 7) % 16]
                email = f"{first}.{last}.{number}@demo.nervepath.org".lower()
                patient = Patient.objects.get_or_create(
                    user=self._user(email, first, last, Role.PATIENT),
                    defaults=_demographics(len(PATIENTS) + number),
                )[0]
                slug, where = rng.choice(MORE_VISITS), rng.choice(list(locations))
                stories.append((patient, [(rng.randint(-14, 21), slug, where)]))
            self._appointments(rng, stories, kinds, locations, today)
            # Questionnaires: after the bookings, so the demo's own visits send no email.
            self.stdout.write(demo_questionnaires.seed())
            # Nights before and after a treatment, analysed by the real engine.
            self.stdout.write(demo_nights.seed())
            # Blocks, surgeries, therapy courses and medications tied to those visits.
            self.stdout.write(demo_pathways.seed())
            # Years of made-up operated patients, saved cohorts and one analysis.
            self.stdout.write(demo_research.seed())
            # The work inbox of the demo's loose ends (follow-ups, diaries, offers...).
            from nervepath.inbox import work

            opened = sum(c["opened"] + c["reopened"] for c in work.sync_all().values())
            self.stdout.write(f"Work inbox: {opened} item(s) raised.")

        self.stdout.write(self.style.SUCCESS("Demo clinic ready."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, *_rest in PATIENTS[:1]:
            self.stdout.write(f"  patient      {email}")
        for email, *_rest, role in STAFF:
            self.stdout.write(f"  {role:<12} {email}")
        for email, *_details in CLINICIANS:
            self.stdout.write(f"  clinician    {email}")
        self.stdout.write(
            "Research pages: the researcher; the administrator sees names, so only with "
            "another administrator's grant (docs/security.md, research-access rule)."
        )
        self.stdout.write(
            "Staff then give a code from an authenticator app set up with the demo key "
            f"{demo.DEMO_TOTP_SECRET} (time-based, 6 digits), or from "
            "`nervepath demo_totp EMAIL`."
        )

    def _user(self, email: str, first: str, last: str, role: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(
                email=User.objects.normalize_email(email).lower(),
                first_name=first,
                last_name=last,
                role=role,
                is_superuser=role == Role.ADMIN,
            )
            # Every demo login has the one published password: it is hashed once per
            # run, not once per person (Argon2 takes about 0.3 s of CPU a hash, and the
            # demo has some 60 people).
            user.password = self._demo_password_hash()
            user.save()
        return user

    def _demo_password_hash(self) -> str:
        if not self._password_hash:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def _appointments(self, rng, stories, kinds, locations, today):
        """Past visits (completed) and future bookings, placed in real free slots."""
        made = 0
        for patient, story in stories:
            for offset, slug, where in story:
                kind, loc = kinds[slug], locations[where]
                slot = self._free_slot(rng, kind, loc, today + timedelta(days=offset), patient)
                if slot is None:
                    continue
                room = None
                if kind.resource_kind:
                    room = availability.pick_resource(
                        kind,
                        loc,
                        slot.starts_at - kind.buffer_before,
                        slot.ends_at + kind.buffer_after,
                    )
                Appointment.objects.create(
                    patient=patient,
                    clinician_id=slot.clinician_id,
                    location=loc,
                    appointment_type=kind,
                    resource=room,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    blocked_from=slot.starts_at - kind.buffer_before,
                    blocked_until=slot.ends_at + kind.buffer_after,
                    status=Status.COMPLETED if slot.starts_at < timezone.now() else Status.BOOKED,
                    source=Source.STAFF,
                    # Booked by the front desk, which puts the patient in the clinician's
                    # care (past visits took place, which does so too).
                    care_basis=CareBasis.FRONT_DESK,
                )
                made += 1
        self._assign_long_term_care(today)
        self.stdout.write(f"Added {made} demo appointments.")

    def _assign_long_term_care(self, today):
        """Visits confer care for NERVEPATH_CARE_LAPSE_DAYS; the front desk assigns a
        clinician whose demo visits with a patient are older than that (the surgeon of a
        patient followed for more than a year), as the clinic would."""
        from django.conf import settings

        from nervepath.access.models import CareAssignment

        desk = User.objects.filter(role=Role.FRONT_DESK).order_by("id").first()
        if desk is None:
            return
        lapse = timedelta(days=settings.NERVEPATH["CARE_LAPSE_DAYS"])
        old = (
            Appointment.objects.filter(
                status=Status.COMPLETED, starts_at__lt=timezone.now() - lapse
            )
            .values_list("patient_id", "clinician__user_id")
            .distinct()
        )
        for patient_id, user_id in old:
            CareAssignment.objects.get_or_create(
                patient_id=patient_id,
                clinician_id=user_id,
                ended_at=None,
                defaults={"assigned_by": desk},
            )

    def _free_slot(self, rng, kind, loc, day, patient):
        """A slot on ``day`` or the next days on which the patient has nothing booked."""
        for extra in range(7):
            when = day + timedelta(days=extra)
            window = availability.SearchWindow(
                datetime.combine(when, time.min, tzinfo=loc.tz),
                datetime.combine(when + timedelta(days=1), time.min, tzinfo=loc.tz),
            )
            slots = availability.free_slots(kind, [loc], when, 1, window=window)
            busy = Appointment.objects.filter(
                patient=patient, starts_at__gte=window.earliest, starts_at__lt=window.latest
            ).exists()
            if slots and not busy:
                return rng.choice(slots[: max(1, len(slots) // 2)])
        return None
