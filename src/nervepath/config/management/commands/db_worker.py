# SPDX-License-Identifier: AGPL-3.0-or-later
"""``nervepath db_worker``: django-tasks-db's worker, made patient with a locked database.

On SQLite one writer holds the database at a time; a long write elsewhere (a research
export, a backup, a migration) can keep it locked past the connection's 30 s timeout.
The library's worker then exits: claiming the next task raises "database is locked"
outside its own retry, and so does recording a finished task's result. This worker
waits and tries again instead, with a growing pause (1 s, 2 s, 4 s ... at most
``MAX_PAUSE`` s), logs each wait, and never exits because of a lock; any other error
still ends it, for the supervisor (systemd, ``make demo``'s loop) to restart it.

It takes the library command's place (``nervepath.config`` is listed before
``django_tasks_db`` in ``INSTALLED_APPS``), so every way of starting the worker gets it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections
from django.db.utils import OperationalError
from django_tasks_db.management.commands import db_worker as library
from django_tasks_db.utils import is_locked_database_exception

logger = logging.getLogger("django_tasks_db")

FIRST_PAUSE = 1.0
MAX_PAUSE = 60.0


class Backoff:
    """Pauses that double from ``FIRST_PAUSE`` to ``MAX_PAUSE``, back to the first once
    the database answers again."""

    def __init__(self) -> None:
        self.pause = FIRST_PAUSE

    def wait(self, exc: Exception, doing: str) -> None:
        logger.warning(
            "The database is locked (%s) while %s; trying again in %.0f s.", exc, doing, self.pause
        )
        close_old_connections()
        time.sleep(self.pause)
        self.pause = min(self.pause * 2, MAX_PAUSE)

    def reset(self) -> None:
        self.pause = FIRST_PAUSE


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and is_locked_database_exception(exc)


class Worker(library.Worker):
    def run(self) -> None:
        backoff = Backoff()
        while self.running:
            try:
                super().run()
                return  # --batch or --max-tasks reached: the library's own ending
            except OperationalError as exc:
                if not _locked(exc):
                    raise
                backoff.wait(exc, "looking for the next task")
                # The library's loop starts with a random pause of up to a second.
                self.startup_delay = False

    def run_task(self, db_task_result: Any) -> None:
        # Recording the outcome is retried until the database takes it: a task that ran
        # is never left marked as running because the database was busy at that moment.
        for name in ("set_successful", "set_failed"):
            setattr(db_task_result, name, self._patient(getattr(db_task_result, name), name))
        super().run_task(db_task_result)

    def _patient(self, record: Callable[..., Any], name: str) -> Callable[..., Any]:
        def retrying(*args: Any, **kwargs: Any) -> Any:
            backoff = Backoff()
            while True:
                try:
                    return record(*args, **kwargs)
                except OperationalError as exc:
                    if not _locked(exc):
                        raise
                    backoff.wait(exc, f"recording a task's result ({name})")

        return retrying


class Command(library.Command):
    help = library.Command.help + " Waits out a locked database instead of exiting."

    def handle(self, *args: Any, **options: Any) -> None:
        original = library.Worker
        # The library's command builds its worker from this module attribute: ours (a
        # subclass) stands in while the command runs (the stubs see a class assignment).
        library.Worker = Worker  # type: ignore[misc]
        try:
            super().handle(*args, **options)
        finally:
            library.Worker = original  # type: ignore[misc]  # as above
