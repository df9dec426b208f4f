# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinician's nerve-block pages: the patient's blocks with each leg's candidacy,
recording a block, and one block with its diary, relief chart, verdict and review.

Each view names its patient to the access policy (``clinical_patient``) before anything
else, and looks the block up within that patient: another patient's block id is 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from nervepath.accounts.models import Patient
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.pathway import blocks
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import Decision, Nerve, NerveBlock, ReliefEntry
from nervepath.pathway.views import clinical_patient, consent_check
from nervepath.scheduling.models import Leg
from nervepath.science.nerves.relief import ReliefSummary

INJECTION_ROWS = 3


class ClinicianChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


class AppointmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"{obj.local_start:%b %-d, %Y %-I:%M %p} at {obj.location} ({obj.get_status_display()})"
        )


class BlockForm(forms.Form):
    given_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    leg = forms.ChoiceField(label="Leg", choices=Leg.choices)
    given_by = ClinicianChoice(label="Given by", queryset=blocks.clinician_users())
    appointment = AppointmentChoice(
        label="Nerve-block visit (optional)",
        queryset=None,
        required=False,
        empty_label="— not linked to a visit —",
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["appointment"]
        ).queryset = blocks.block_appointments(patient)
        sites = [("", "—"), *Nerve.choices]
        for i in range(1, INJECTION_ROWS + 1):
            self.fields[f"site_{i}"] = forms.ChoiceField(
                label=f"Site {i}", choices=sites, required=False
            )
            self.fields[f"agent_{i}"] = forms.CharField(
                label=f"Agent {i}",
                required=False,
                max_length=120,
                widget=forms.TextInput(attrs={"placeholder": "e.g. Lidocaine 1%"}),
            )
            self.fields[f"volume_{i}"] = forms.DecimalField(
                label=f"Volume {i} (mL)",
                required=False,
                min_value=0,
                max_value=20,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.1"}),
            )

    def injection_rows(self) -> list[tuple[int, Any, Any, Any]]:
        return [
            (i, self[f"site_{i}"], self[f"agent_{i}"], self[f"volume_{i}"])
            for i in range(1, INJECTION_ROWS + 1)
        ]

    def main_fields(self) -> list[Any]:
        return [self[name] for name in ("given_on", "leg", "given_by", "appointment", "notes")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        injections = []
        for i in range(1, INJECTION_ROWS + 1):
            site, agent, volume = (
                data.get(f"site_{i}"),
                (data.get(f"agent_{i}") or "").strip(),
                data.get(f"volume_{i}"),
            )
            if not site and not agent and volume is None:
                continue
            if not site or not agent or volume is None:
                self.add_error(
                    None, f"Injection {i}: give its site, its agent and its volume (or none)."
                )
                continue
            injections.append({"site": site, "agent": agent, "volume_ml": float(volume)})
        data["injections"] = injections
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision", choices=Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Reason (required to override, or while days are missing)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _block_of(patient: Patient, block_pk: int) -> NerveBlock:
    block = (
        NerveBlock.objects.filter(pk=block_pk, patient=patient)
        .select_related("given_by", "appointment__location", "created_by")
        .first()
    )
    if block is None:
        raise Http404("No such block for this patient.")
    return block


@login_required
def block_list(request: SignedInRequest, pk: int) -> HttpResponse:
    patient = clinical_patient(request, pk)
    # Every block once, with its diary, review and reviewer: the page's queries do not
    # grow with the number of blocks.
    summaries = [(b, blocks.summary(b, b.diary.all())) for b in blocks.patient_blocks(patient)]
    rows = [
        {
            "block": block,
            "summary": computed,
            "words": blocks.VERDICT_WORDS[computed.verdict],
            "review": getattr(block, "review", None),
        }
        for block, computed in summaries
    ]
    return render(
        request,
        "pathway/blocks/list.html",
        {
            "patient": patient,
            "rows": rows,
            "legs": blocks.candidacy_by_leg(patient, summaries).values(),
        },
    )


@login_required
def block_new(request: SignedInRequest, pk: int) -> HttpResponse:
    action = Action.CREATE if request.method == "POST" else Action.VIEW
    patient = clinical_patient(request, pk, action=action)
    initial: dict[str, Any] = {"given_on": timezone.localdate()}
    if getattr(request.user, "is_clinician", False):
        initial["given_by"] = request.user.pk
    form = BlockForm(request.POST or None, patient=patient, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            block = blocks.record_block(
                patient,
                given_on=data["given_on"],
                leg=data["leg"],
                injections=data["injections"],
                given_by=data["given_by"],
                notes=data["notes"],
                appointment=data["appointment"],
                by=request.user,
            )
        except PathwayError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Block recorded. {patient}'s relief diary is open in the portal for "
                f"{block.diary_days} days, with a daily reminder while days are missing.",
            )
            return redirect(block.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "pathway/blocks/new.html",
        {"patient": patient, "form": form, "consent_check": consent_check(patient, "block")},
        status=status,
    )


@dataclass(frozen=True)
class DiaryDay:
    number: int
    day: date
    entry: ReliefEntry | None
    to_come: bool  # a day that has not come yet (not missing)

    @property
    def missing(self) -> bool:
        return self.entry is None and not self.to_come


def diary_days(block: NerveBlock, today: date | None = None) -> list[DiaryDay]:
    """One row per diary day, filled, missing or still to come."""
    today = today or timezone.localdate()
    entries = {e.day: e for e in block.diary.all()}
    rows = []
    for i in range(block.diary_days):
        day = block.given_on + timedelta(days=i)
        rows.append(DiaryDay(i + 1, day, entries.get(day), day > today))
    return rows


# The relief chart's geometry (SVG user units).
CHART_W, CHART_H = 560, 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 36, 8, 10, 24


def relief_chart(rows: list[DiaryDay], summary: ReliefSummary) -> dict[str, Any]:
    """Bars of relief per day and the threshold line, positioned for the template."""
    plot_w = CHART_W - PAD_LEFT - PAD_RIGHT
    plot_h = CHART_H - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(len(rows), 1)
    bar_w = step * 0.7
    base = PAD_TOP + plot_h
    run = set(range(summary.run_first or 0, (summary.run_last or -1) + 1))

    def y_of(pct: float) -> float:
        return round(base - plot_h * pct / 100, 1)

    bars = []
    for row in rows:
        x = PAD_LEFT + step * (row.number - 1) + (step - bar_w) / 2
        item: dict[str, Any] = {
            "x": round(x, 1),
            "w": round(bar_w, 1),
            "cx": round(x + bar_w / 2, 1),
            "number": row.number,
            "missing": row.missing,
            "to_come": row.to_come,
        }
        if row.entry is not None:
            pct = row.entry.relief_pct
            # A recorded 0 % keeps a sliver of a bar, so it reads apart from a day to come.
            h = max(round(plot_h * pct / 100, 1), 1.5)
            item.update(
                pct=pct,
                y=round(base - h, 1),
                h=h,
                meaningful=pct >= summary.rule.threshold,
                in_run=row.number in run and pct >= summary.rule.threshold,
            )
        bars.append(item)
    return {
        "width": CHART_W,
        "height": CHART_H,
        "left": PAD_LEFT,
        "right": CHART_W - PAD_RIGHT,
        "top": PAD_TOP,
        "base": base,
        "label_y": base + 16,
        "tick_x": PAD_LEFT - 4,
        "plot_h": plot_h,
        "missing_y": base - 4,
        "threshold_y": y_of(summary.rule.threshold),
        "threshold_label_y": y_of(summary.rule.threshold) - 4,
        "threshold": summary.rule.threshold,
        "bars": bars,
    }


def _block_page(
    request: HttpRequest,
    patient: Patient,
    block: NerveBlock,
    form: ReviewForm | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    computed = blocks.summary(block)
    rows = diary_days(block)
    current = getattr(block, "review", None)
    if form is None:
        initial = {"decision": current.decision if current else None}
        if current is None and computed.verdict.value in Decision.values:
            initial["decision"] = computed.verdict.value
        form = ReviewForm(initial=initial)
    earlier = []
    if current is not None:
        past = current.history.select_related("history_user").order_by("-history_date")
        earlier = [
            {
                "when": h.history_date,
                "who": h.history_user,
                "decision": dict(Decision.choices).get(h.decision, h.decision),
                "reason": h.reason,
            }
            for h in past[1:]
        ]
    return render(
        request,
        "pathway/blocks/detail.html",
        {
            "patient": patient,
            "nerve_block": block,
            "summary": computed,
            "verdict_words": blocks.VERDICT_WORDS[computed.verdict],
            "rows": rows,
            "chart": relief_chart(rows, computed),
            "review": current,
            "earlier_reviews": earlier,
            "form": form,
            "computed_words": blocks.verdict_words(current.computed) if current else "",
            "diary_open": blocks.diary_is_open(block),
            "closes_on": blocks.diary_closes_on(block),
            "injections": [{**row, "label": Nerve(row["site"]).label} for row in block.injections],
        },
        status=status,
    )


@login_required
def block_detail(request: SignedInRequest, pk: int, block_pk: int) -> HttpResponse:
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    patient = clinical_patient(request, pk, action=action)
    block = _block_of(patient, block_pk)
    if request.method != "POST":
        return _block_page(request, patient, block)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            blocks.review(
                block,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except PathwayError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Decision recorded.")
            return redirect(block.get_absolute_url())
    block = _block_of(patient, block_pk)
    return _block_page(request, patient, block, form, status=400)
