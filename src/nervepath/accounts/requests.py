# SPDX-License-Identifier: AGPL-3.0-or-later
"""The request a signed-in view is handed, as a type.

Views behind ``login_required`` (or ``staff_only``, ``research_only``, ``patient_only``
and the other guards that send anonymous visitors to sign in) take a
``SignedInRequest``: its ``user`` is a ``User``, never ``AnonymousUser``. At run time it
is Django's ``HttpRequest``; the class only tells mypy what the guard already made true.
"""

from __future__ import annotations

from django.http import HttpRequest

from nervepath.accounts.models import User


class SignedInRequest(HttpRequest):
    user: User
