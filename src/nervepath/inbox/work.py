# SPDX-License-Identifier: AGPL-3.0-or-later
"""The work inbox (issue 18): one list per role of what needs a person.

The inbox sits below the apps whose events raise its items (scheduling, wearables,
pathway, notes), so it imports none of them. Each app registers, per kind, a *sweep*:
a function that returns the causes open now (optionally only among some of its rows).
``sync`` makes the items match the causes:

- a cause with no item gets one (one item per cause: the ``(source, code)`` pair is
  unique, ``code`` being the kind);
- an item whose cause went away closes itself (``resolved_at``); if the cause comes back
  (a booked follow-up cancelled), the same item opens again;
- an item a person marked done stays done while its cause lasts.

Apps call ``refresh`` from their signals when a row changes (on commit), and the task
worker sweeps every kind every ``INBOX_SWEEP_MINUTES`` for what time alone changes.

Who sees which kinds: the front desk the desk kinds (follow-ups to book, waitlist offers,
failed messages, referrals), clinicians the clinical kinds (red flags, failed night
analyses, diaries missing days) of the patients in their care, administrators every kind
their role may see under the access policy (the desk kinds for every patient; clinical
detail is never an administrator's, docs/security.md). Every list and count is filtered
through ``policy.visible_patients``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.models import Role
from nervepath.inbox.models import InboxItem, Kind, Urgency

logger = logging.getLogger(__name__)

DESK_KINDS = (Kind.FOLLOW_UP, Kind.WAITLIST_OFFER, Kind.MESSAGE_FAILED, Kind.REFERRAL)
CLINICAL_KINDS = (Kind.RED_FLAG, Kind.FLAG, Kind.NIGHT_FAILED, Kind.DIARY_MISSING)
# The scope an item's patient must be visible in, per group of kinds.
SCOPE_OF: dict[str, Scope] = {
    **dict.fromkeys(DESK_KINDS, Scope.APPOINTMENTS),
    **dict.fromkeys(CLINICAL_KINDS, Scope.CLINICAL),
}
ROLE_KINDS: dict[str, tuple[str, ...]] = {
    Role.FRONT_DESK: DESK_KINDS,
    Role.CLINICIAN: CLINICAL_KINDS,
    Role.ADMIN: DESK_KINDS + CLINICAL_KINDS,  # narrowed by the policy below
}


@dataclass(frozen=True)
class Cause:
    """Something open that needs a person. ``new=False``: keeps an open item open but
    raises none (a failed message sent again: open until it is sent)."""

    pk: int
    patient_id: int
    title: str
    link: str
    body: str = ""
    urgency: str = Urgency.ROUTINE
    new: bool = True


Sweep = Callable[[Collection[int] | None], Iterable[Cause]]


@dataclass(frozen=True)
class Registration:
    kind: str
    label: str  # the model the causes are rows of, e.g. "pathway.FollowUp"
    sweep: Sweep

    def source(self, pk: int) -> str:
        return f"{self.label}:{pk}"


_REGISTRY: dict[str, Registration] = {}


def register(kind: str, label: str, sweep: Sweep) -> None:
    """Called from an app's ``ready``: the app owns this kind's causes."""
    _REGISTRY[kind] = Registration(kind, label, sweep)


def registered() -> dict[str, Registration]:
    return dict(_REGISTRY)


# -- keeping items in step with their causes --------------------------------------------


def sync(kind: str, only: Collection[int] | None = None) -> dict[str, int]:
    """Make the kind's items match its open causes (among ``only`` rows when given);
    returns how many items were opened, reopened and closed."""
    reg = _REGISTRY[kind]
    causes = {reg.source(c.pk): c for c in reg.sweep(only)}
    items = InboxItem.objects.filter(kind=kind, code=kind)
    if only is not None:
        items = items.filter(source__in=[reg.source(pk) for pk in only])
    else:
        # Items still standing, and closed ones whose cause is back (not the whole past).
        items = items.filter(Q(resolved_at__isnull=True) | Q(source__in=list(causes)))
    existing = {item.source: item for item in items}
    now = timezone.now()
    counts = {"opened": 0, "reopened": 0, "closed": 0}
    for source, cause in causes.items():
        item = existing.get(source)
        if item is None:
            if cause.new and _open(kind, source, cause):
                counts["opened"] += 1
        elif item.resolved_at is not None and cause.new:
            InboxItem.objects.filter(pk=item.pk, resolved_at__isnull=False).update(
                resolved_at=None,
                resolved_note="",
                acknowledged_at=None,
                acknowledged_by=None,
                title=cause.title,
                body=cause.body,
                link=cause.link,
            )
            counts["reopened"] += 1
        elif item.is_open and (item.title, item.link, item.body) != (
            cause.title,
            cause.link,
            cause.body,
        ):
            InboxItem.objects.filter(pk=item.pk).update(
                title=cause.title, link=cause.link, body=cause.body
            )
    gone = [i.pk for s, i in existing.items() if s not in causes and i.resolved_at is None]
    if gone:
        counts["closed"] = InboxItem.objects.filter(pk__in=gone, resolved_at__isnull=True).update(
            resolved_at=now, resolved_note="Its cause was resolved."
        )
    return counts


def _open(kind: str, source: str, cause: Cause) -> bool:
    try:
        with transaction.atomic():
            InboxItem.objects.create(
                kind=kind,
                code=kind,
                source=source,
                patient_id=cause.patient_id,
                urgency=cause.urgency,
                title=cause.title,
                body=cause.body,
                link=cause.link,
            )
    except IntegrityError:  # another run raised it first: one item per cause
        return False
    return True


def sync_all() -> dict[str, dict[str, int]]:
    """Every registered kind, whole (the periodic sweep)."""
    done = {}
    for kind in list(_REGISTRY):
        try:
            done[kind] = sync(kind)
        except Exception:
            logger.exception("The inbox sweep of %s failed", kind)
    return done


def refresh(kind: str, pks: Collection[int]) -> None:
    """Sync these rows' items once the current transaction commits (from signals). A
    failure is logged, never raised into the change that caused it; the sweep retries."""

    def run() -> None:
        try:
            sync(kind, set(pks))
        except Exception:
            logger.exception("Could not refresh the inbox items of %s %s", kind, sorted(pks))

    if kind in _REGISTRY and pks:
        transaction.on_commit(run)


# -- what each person sees ---------------------------------------------------------------


def kinds_for(user: Any) -> list[str]:
    """The kinds this user works on: their role's, narrowed to the scopes the access
    policy gives the role."""
    if user is None or not user.is_authenticated or user.role == Role.PATIENT:
        return []
    return [k for k in ROLE_KINDS.get(user.role, ()) if policy.role_may(user, SCOPE_OF[k])]


def visible_items(user: Any) -> QuerySet[InboxItem]:
    """Every item (open or closed) of the user's kinds whose patient the policy lets the
    user see in that kind's scope."""
    kinds = kinds_for(user)
    if not kinds:
        return InboxItem.objects.none()
    reach = Q()
    for scope in {SCOPE_OF[k] for k in kinds}:
        scoped = [k for k in kinds if SCOPE_OF[k] == scope]
        reach |= Q(kind__in=scoped, patient__in=policy.visible_patients(user, scope))
    return InboxItem.objects.filter(reach)


OPEN = Q(acknowledged_at__isnull=True, resolved_at__isnull=True)

# Urgent first, then next-visit flags, then the routine work.
URGENCY_RANK = Case(
    When(urgency=Urgency.URGENT, then=Value(0)),
    When(urgency=Urgency.NEXT_VISIT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def open_items(user: Any) -> QuerySet[InboxItem]:
    return (
        visible_items(user)
        .filter(OPEN)
        .annotate(rank=URGENCY_RANK)
        .order_by("rank", "created_at", "pk")
    )


def open_count(user: Any) -> int:
    """The navigation badge: one COUNT over the user's open items."""
    return visible_items(user).filter(OPEN).count()


def may_act_on(user: Any, item: InboxItem) -> bool:
    """Whether the item's kind is one this user works on (its patient is asked of the
    policy separately, with an audit event)."""
    return item.kind in kinds_for(user)
