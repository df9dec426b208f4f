# SPDX-License-Identifier: AGPL-3.0-or-later
"""Self-re-enqueueing background runs (questionnaire schedules, diary reminders,
follow-up questionnaires): each run queues the next one for the day it is needed, so a
clinic needs nothing but the task worker. ``enqueue_once`` keeps each run one chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings


def queued_by(task: Any, when: datetime) -> bool:
    """Whether the database queue already holds a run of ``task`` due by ``when``.
    (Other backends keep no queue to look at: always False.)"""
    if "DatabaseBackend" not in settings.TASKS["default"]["BACKEND"]:
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=task.module_path, status="READY", run_after__lte=when
    ).exists()


def enqueue_once(task: Any, when: datetime) -> bool:
    """Queue ``task`` to run at ``when`` unless a run is already due by then; returns
    whether it queued one."""
    if queued_by(task, when):
        return False
    task.using(run_after=when).enqueue()
    return True
