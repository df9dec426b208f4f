# SPDX-License-Identifier: AGPL-3.0-or-later
"""The error a typed reader raises for a stored result it cannot read.

Stored results (night reports, questionnaire results, analysis results) carry a
``schema_version``. A row written by a newer nervepath than the one running, or with a
damaged stamp, cannot be read safely: the reader raises :class:`StoredVersionError`
(a ``ValueError``) instead of guessing, and the web layer turns it into a page that
says so (``nervepath.config.middleware.StoredVersionMiddleware``).
"""

from __future__ import annotations


class StoredVersionError(ValueError):
    """A stored result whose ``schema_version`` this code cannot read."""
