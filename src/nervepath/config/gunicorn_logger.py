# SPDX-License-Identifier: AGPL-3.0-or-later
"""gunicorn's logger with the request path cleaned like the app's own logs: no query
strings, and the secret segment of emailed links (manage, waitlist, calendar feed,
password set) replaced. Selected by ``logger_class`` in deploy/gunicorn.conf.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from gunicorn.glogging import Logger as GunicornLogger

from nervepath.config.logfilters import redact_secrets

if TYPE_CHECKING:
    from gunicorn.glogging import _AtomsDict


class Logger(GunicornLogger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> _AtomsDict:
        atoms: dict[str, Any] = dict(super().atoms(resp, req, environ, request_time))
        for key in ("U", "r", "f"):
            value = atoms.get(key)
            if isinstance(value, str):
                atoms[key] = redact_secrets(value)

        atoms["q"] = ""
        return cast("_AtomsDict", atoms)  # gunicorn's own keys, some values cleaned
