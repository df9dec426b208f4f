# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patient's relief diary in the portal: the blocks with a diary, and one diary
(fill today, or a missed day while the diary is open; the days so far).

Blocks are looked up within the signed-in patient's own record: another patient's block
id answers 404, and a refused entry (a future day, a day outside the diary, a closed
diary, a value out of range) gets its reason and stores nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from nervepath.accounts import language
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.pathway import blocks
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import NerveBlock, ReliefEntry
from nervepath.pathway.views import portal_patient
from nervepath.pathway.views.blocks import diary_days


class EntryForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    relief_pct = forms.IntegerField(
        label=_("Relief of your leg symptoms that day (0 = none, 100 = complete), in %"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}),
    )
    sleep_hours = forms.DecimalField(
        # The model's meaning: the night after the day. On the evening of the day that
        # night is still to come, so the label says so and the patient may come back.
        label=_(
            "Hours you slept the night after this day "
            "(you can come back tomorrow morning to add or correct it)"
        ),
        min_value=0,
        max_value=24,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    sleep_quality = forms.IntegerField(
        label=_("How well you slept (0 = very poorly, 10 = very well), optional"),
        min_value=0,
        max_value=10,
        required=False,
    )
    note = forms.CharField(
        label=_("Anything to add (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


STATUS_LABELS = {"Complete": _("Complete"), "Open": _("Open"), "Closed": _("Closed")}


def _status(block: NerveBlock, filled: int, today: date) -> str:
    if filled >= block.diary_days:
        return "Complete"
    if blocks.diary_is_open(block, today):
        return "Open"
    return "Closed"


@login_required
def diary_list(request: SignedInRequest) -> HttpResponse:
    patient = portal_patient(request)
    today = timezone.localdate()
    rows = []
    for block in NerveBlock.objects.filter(patient=patient).prefetch_related("diary"):
        entries = block.diary.all()  # prefetched: no query per block
        filled = len(entries)
        rows.append(
            {
                "block": block,
                "filled": filled,
                "status": _status(block, filled, today),
                "status_label": STATUS_LABELS[_status(block, filled, today)],
                "missing": len(blocks.missing_days(block, today, entries=entries)),
                "closes_on": blocks.diary_closes_on(block),
            }
        )
    return render(request, "pathway/diary/list.html", {"patient": patient, "rows": rows})


def _initial_day(block: NerveBlock, request: HttpRequest, today: date) -> date | None:
    days = blocks.fillable_days(block, today)
    if not days:
        return None
    asked = request.GET.get("day", "")
    try:
        wanted = date.fromisoformat(asked) if asked else None
    except ValueError:
        wanted = None
    if wanted in days:
        return wanted
    return days[-1]  # today, or the diary's last day during the grace period


@login_required
def diary(request: SignedInRequest, block_pk: int) -> HttpResponse:
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    patient = portal_patient(request, action=action)
    block = NerveBlock.objects.filter(pk=block_pk, patient=patient).first()
    if block is None:
        raise Http404("No such diary in your record.")
    today = timezone.localdate()
    form: EntryForm | None = None
    status = 200
    if request.method == "POST":
        form = EntryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                blocks.save_entry(
                    block,
                    patient,
                    day=data["day"],
                    relief_pct=data["relief_pct"],
                    sleep_hours=data["sleep_hours"],
                    sleep_quality=data["sleep_quality"],
                    note=data["note"],
                    by=request.user,
                )
            except PathwayError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    gettext("Saved %(day)s. Thank you.")
                    % {"day": language.day(data["day"], "day")},
                )
                return redirect(reverse("pathway:diary", args=[block.pk]))
        status = 400
    days = blocks.fillable_days(block, today)
    if form is None and days:
        day = _initial_day(block, request, today)
        entry = ReliefEntry.objects.filter(block=block, day=day).first() if day else None
        initial: dict[str, Any] = {"day": day}
        if entry is not None:
            initial.update(
                relief_pct=entry.relief_pct,
                sleep_hours=entry.sleep_hours,
                sleep_quality=entry.sleep_quality,
                note=entry.note,
            )
        form = EntryForm(initial=initial)
    if form is not None and days:
        form.fields["day"].widget.attrs.update(min=days[0].isoformat(), max=days[-1].isoformat())
    editing = (
        form is not None and form.is_bound is False and form.initial.get("relief_pct") is not None
    )
    return render(
        request,
        "pathway/diary/fill.html",
        {
            "patient": patient,
            "nerve_block": block,
            "form": form,
            "can_fill": bool(days),
            "editing": editing,
            "rows": diary_days(block, today),
            "fillable": set(days),
            "not_yet_open": today < block.given_on,
            "closes_on": blocks.diary_closes_on(block),
        },
        status=status,
    )
