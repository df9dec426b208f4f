# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where each role starts after signing in."""
    user = request.user
    if user.can_manage_schedule:  # type: ignore[union-attr]
        return redirect("scheduling:staff_home")
    if user.role == "researcher":  # type: ignore[union-attr]
        return redirect("site:home")
    return redirect("scheduling:portal")
