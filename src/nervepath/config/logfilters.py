# SPDX-License-Identifier: AGPL-3.0-or-later
"""Keep query strings and secret links out of the logs.

Query strings can carry patient data (a search by name, a date of birth, a token in a
link), and logs are kept longer and read by more people than the database. Django never
logs request bodies with this configuration (no ``mail_admins`` handler, which would
attach them); this filter cuts anything after ``?`` in a path or URL that a message
quotes, such as the request line the development server logs.
"""

from __future__ import annotations

import logging
import re

# A path or URL (it contains a slash) followed by ``?`` and the query.
_QUERY = re.compile(r"(/[^\s?\"'<>]*)\?[^\s\"'<>]*")
REDACTED = "?[query removed]"
# Paths whose segment is a bearer secret: the emailed manage and waitlist links, the
# clinicians' calendar feeds, password-set links (see scheduling/urls.py, accounts/urls.py).
_SECRET_PATH = re.compile(
    r"(/(?:appointments|waitlist|calendar)/)[A-Za-z0-9_-]{8,128}"
    r"|(/accounts/reset/)[A-Za-z0-9_-]+/[A-Za-z0-9_-]+"
)
HIDDEN = "[hidden]"


def redact_query_strings(text: str) -> str:
    return _QUERY.sub(lambda m: m.group(1) + REDACTED, text)


def redact_secrets(text: str) -> str:
    """Query strings removed and secret link segments replaced."""
    text = redact_query_strings(text)
    return _SECRET_PATH.sub(lambda m: (m.group(1) or m.group(2)) + HIDDEN, text)


class RedactQueryStrings(logging.Filter):
    """Rewrites each record's message with query strings removed (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_secrets(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
