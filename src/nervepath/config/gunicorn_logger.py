# SPDX-License-Identifier: AGPL-3.0-or-later
"""gunicorn's logger with the request path cleaned like the app's own logs: no query
strings, and the secret segment of emailed links (manage, waitlist, calendar feed,
password set) replaced. Selected by ``logger_class`` in deploy/gunicorn.conf.py."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

from nervepath.config.logfilters import redact_secrets


class Logger(GunicornLogger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_secrets(atoms[key])
        atoms["q"] = ""
        return atoms
