# SPDX-License-Identifier: AGPL-3.0-or-later
"""Background work: the email that says questionnaires are waiting, and the run that
opens the questionnaires of schedules when they fall due.

The schedule run re-enqueues itself for the next due date (``run_after``), so a clinic
needs nothing but the task worker; ``nervepath send_due_questionnaires`` does the same
from cron for clinics that prefer it. Running it twice opens nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django_tasks import task

from nervepath.accounts import language
from nervepath.accounts.models import Patient
from nervepath.messaging.outbox import queue_email
from nervepath.taskqueue import enqueue_once

# Schedules are opened early in the clinic's morning.
RUN_AT = time(6, 0)


@task()
def send_questionnaire_email(patient_id: int, count: int) -> bool:
    from nervepath.assessment.models import OPEN_STATES, Request

    patient = Patient.objects.select_related("user").filter(pk=patient_id).first()
    if patient is None:
        return False
    waiting = Request.objects.filter(patient=patient, state__in=OPEN_STATES).count()
    if waiting == 0:
        return False
    context = {
        "patient": patient,
        "count": waiting,
        "url": settings.SITE_URL + reverse("assessment:portal_list"),
        "clinic": settings.NERVEPATH["CLINIC_NAME"],
    }
    with language.for_patient(patient):
        body = render_to_string("assessment/email/questionnaires.txt", context)
        subject = ngettext(
            "%(count)d questionnaire to fill in your patient portal",
            "%(count)d questionnaires to fill in your patient portal",
            waiting,
        ) % {"count": waiting}
    queue_email(patient.email, subject, body, kind="questionnaires", patient=patient)
    return True


@task()
def run_schedules() -> int:
    from nervepath.assessment.models import Schedule
    from nervepath.assessment.services import run_due_schedules

    try:
        return run_due_schedules()
    finally:  # a failure today must not end the chain of runs
        upcoming = (
            Schedule.objects.filter(active=True)
            .order_by("next_due")
            .values_list("next_due", flat=True)
            .first()
        )
        if upcoming is not None:
            enqueue_schedule_run(upcoming)


def enqueue_schedule_run(due: date) -> None:
    when = max(
        datetime.combine(due, RUN_AT, tzinfo=timezone.get_current_timezone()), timezone.now()
    )
    enqueue_once(run_schedules, when)
