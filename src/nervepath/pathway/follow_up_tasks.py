# SPDX-License-Identifier: AGPL-3.0-or-later
"""Background work for post-operative follow-ups: the daily run that opens the outcome
questionnaires QUESTIONNAIRE_LEAD_DAYS before each follow-up is due.

The run re-enqueues itself for the next day something falls due (``run_after``), like
``assessment.tasks.run_schedules``, so a clinic needs nothing but the task worker;
``nervepath send_follow_up_questionnaires`` does the same from cron. Running it twice
opens nothing twice (FollowUp.questionnaires_sent_on).
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone
from django_tasks import task

# Opened early in the clinic's morning, with the assessment schedules.
RUN_AT = time(6, 0)
TASK_NAME = "pathway.follow_up_tasks.send_follow_up_questionnaires"


@task()
def send_follow_up_questionnaires() -> int:
    from nervepath.pathway.follow_ups import next_questionnaire_day, send_questionnaires

    made = send_questionnaires()
    upcoming = next_questionnaire_day()
    if upcoming is not None:
        enqueue_questionnaire_run(upcoming)
    return made


def _queued_by(when: datetime) -> bool:
    """Whether the database queue already holds a run due by ``when`` (one chain)."""
    if "DatabaseBackend" not in settings.TASKS["default"]["BACKEND"]:
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path__endswith=TASK_NAME, status="READY", run_after__lte=when
    ).exists()


def enqueue_questionnaire_run(day: date) -> None:
    """Make sure a run happens on ``day`` (now, when that is today or past)."""
    when = max(
        datetime.combine(day, RUN_AT, tzinfo=timezone.get_current_timezone()), timezone.now()
    )
    if not _queued_by(when):
        send_follow_up_questionnaires.using(run_after=when).enqueue()
