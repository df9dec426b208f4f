# SPDX-License-Identifier: AGPL-3.0-or-later
"""Care sources: the ways a clinician comes to care for a patient.

The access policy sits below the apps that create care (scheduling's visits, access's own
care assignments), so it does not import them: each app registers a care source when
Django starts (its ``AppConfig.ready``), and the policy asks all of them. A source is
``fn(user) -> Q | QuerySet``: a filter on ``Patient``, or a queryset of patient ids
(``.values("patient_id")``), of the patients in that clinician's care right now.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet

from nervepath.access.models import CareAssignment

CareSource = Callable[[Any], "Q | QuerySet[Any]"]

_SOURCES: dict[str, CareSource] = {}


def register_care_source(name: str, source: CareSource) -> None:
    """Register (or, under the same name, replace) how clinicians come to care for
    patients. Called from an app's ``AppConfig.ready``."""
    if not name:
        raise ValueError("A care source needs a name.")
    if not callable(source):
        raise TypeError(f"The care source {name!r} is not callable.")
    _SOURCES[name] = source


def care_sources() -> dict[str, CareSource]:
    """The registered sources, by name (a copy)."""
    return dict(_SOURCES)


def care_reach(user: Any) -> Q:
    """Patients in this clinician's care, as one filter on Patient (one subquery per
    source). With no source registered, no one is in anyone's care."""
    parts = []
    for source in _SOURCES.values():
        found = source(user)
        parts.append(found if isinstance(found, Q) else Q(pk__in=found))
    if not parts:
        return Q(pk__in=[])
    return reduce(or_, parts)


def open_assignments(user: Any) -> QuerySet[Any]:
    """Access's own care source: open care assignments (by the front desk or a clinician
    already caring for the patient)."""
    return CareAssignment.objects.filter(clinician=user, ended_at__isnull=True).values("patient_id")
