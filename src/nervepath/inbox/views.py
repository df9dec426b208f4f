# SPDX-License-Identifier: AGPL-3.0-or-later
"""The work inbox page: the user's open items (urgent first), each linking to where it
is handled, with counts per kind, and the items recently closed. Listing asks the access
policy which patients the user may see, per kind's scope (and audits the list); marking
an item done asks it for that patient (404 outside the user's reach, audited) and
records who and when."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from nervepath.access import policy
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.inbox import services, work
from nervepath.inbox.models import InboxItem, Kind
from nervepath.inbox.tasks import schedule_sweep

ACKNOWLEDGED_KINDS = (Kind.RED_FLAG, Kind.FLAG)


def _kinds(request: SignedInRequest) -> list[str]:
    if request.user.is_patient:
        raise PermissionDenied("The inbox is for the clinic's staff.")
    kinds = work.kinds_for(request.user)
    if not kinds:
        raise PermissionDenied("Your role has no inbox.")
    return kinds


def inbox_list(request: SignedInRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    kinds = _kinds(request)
    schedule_sweep(soon=True)  # the periodic sweep keeps running while the inbox is used
    shown = request.GET.get("kind", "")
    if shown not in kinds:
        shown = ""
    visible = work.visible_items(request.user)
    counts = {
        row["kind"]: row["n"]
        for row in visible.filter(work.OPEN).values("kind").annotate(n=Count("pk")).order_by()
    }
    open_qs = work.open_items(request.user)
    if shown:
        open_qs = open_qs.filter(kind=shown)
    open_items = list(open_qs.select_related("patient__user")[:200])
    closed = list(
        visible.exclude(work.OPEN)
        .select_related("patient__user", "acknowledged_by")
        .order_by("-id")[:30]
    )
    policy.record_listed(request, {i.patient_id for i in open_items + closed}, what="inbox")
    labels = dict(Kind.choices)
    return render(
        request,
        "inbox/list.html",
        {
            "open_items": open_items,
            "done": closed,
            "shown": shown,
            "kinds": [(k, labels[k], counts.get(k, 0)) for k in kinds],
            "total": sum(counts.values()),
            "acknowledged_kinds": ACKNOWLEDGED_KINDS,
        },
    )


@require_POST
def acknowledge(request: SignedInRequest, pk: int) -> HttpResponse:
    """Mark an item done (acknowledge a red flag): who and when are kept on the item and
    in its history, and the access policy writes the audit event."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _kinds(request)
    item = InboxItem.objects.filter(pk=pk).first()
    if item is None or not work.may_act_on(request.user, item):
        raise Http404("No such inbox item.")
    policy.require(
        request, item.patient_id, work.SCOPE_OF[item.kind], action=Action.UPDATE, obj=item
    )
    red = item.kind in ACKNOWLEDGED_KINDS
    if item.resolved_at is not None:
        messages.info(request, "This item already closed itself: its cause was resolved.")
    elif services.acknowledge(item, request.user):
        messages.success(
            request,
            "Acknowledged; your name and the time are recorded."
            if red
            else "Marked done; your name and the time are recorded.",
        )
    else:
        messages.info(request, "Someone already marked this item done.")
    target = request.POST.get("kind", "")
    if target in Kind.values:
        return redirect(reverse("inbox:list") + f"?kind={target}")
    return redirect("inbox:list")
