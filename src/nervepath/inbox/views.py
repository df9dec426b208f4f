# SPDX-License-Identifier: AGPL-3.0-or-later
"""The staff inbox page: open items first (urgent on top), each acknowledged by a
person. Listing asks the access policy which patients the user may see (and audits the
list); acknowledging asks it for that patient (404 outside the user's reach, audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.inbox import services
from nervepath.inbox.models import InboxItem


def _staff(request: SignedInRequest) -> None:
    if request.user.is_patient:
        raise PermissionDenied("The inbox is for the clinic's care team.")
    if not policy.role_may(request.user, Scope.CLINICAL):
        raise PermissionDenied("Your role does not see clinical alerts.")


def inbox_list(request: SignedInRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _staff(request)
    visible = policy.visible_patients(request.user, Scope.CLINICAL)
    items = list(
        InboxItem.objects.filter(patient__in=visible)
        .select_related("patient__user", "acknowledged_by")
        .order_by("acknowledged_at", "urgency", "-created_at")[:200]
    )
    open_items = [i for i in items if i.is_open]
    done = [i for i in items if not i.is_open][:50]
    policy.record_listed(request, {i.patient_id for i in items}, what="inbox")
    return render(request, "inbox/list.html", {"open_items": open_items, "done": done})


@require_POST
def acknowledge(request: SignedInRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _staff(request)
    item = InboxItem.objects.filter(pk=pk).first()
    if item is None:
        raise Http404("No such inbox item.")
    policy.require(request, item.patient_id, Scope.CLINICAL, action=Action.UPDATE, obj=item)
    if services.acknowledge(item, request.user):
        messages.success(request, "Acknowledged; your name and the time are recorded.")
    else:
        messages.info(request, "Someone already acknowledged this item.")
    return redirect("inbox:list")
