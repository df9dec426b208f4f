# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course's nerve blocks, each with its relief diary's verdict and its review, and a
bar over the days of relief."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ObjectDoesNotExist

from nervepath.accounts.models import Patient
from nervepath.pathway import blocks
from nervepath.pathway.models import NerveBlock
from nervepath.pathway.timeline.base import Bar, Event, Found
from nervepath.pathway.timeline.words import (
    leg_name,
    leg_word,
    on_day,
    page_url,
    person,
    plural,
    short,
)
from nervepath.science.nerves import relief

# nervepath's verdicts as the block pages word them, inside a sentence here.
VERDICT_WORDS = {
    verdict: words[0].lower() + words[1:] for verdict, words in blocks.VERDICT_WORDS.items()
}
DECISION_WORDS = {"candidate": "likely surgical candidate", "not_candidate": "not a candidate"}


@dataclass(frozen=True)
class BlockView:
    block: NerveBlock
    summary: relief.ReliefSummary | None
    review_text: str
    decision: str  # the reviewed decision, else nervepath's verdict, else ""

    @property
    def relief_days(self) -> int | None:
        return None if self.summary is None else self.summary.meaningful_days

    @property
    def verdict_text(self) -> str:
        if self.summary is None:
            return "the diary could not be summarised"
        return VERDICT_WORDS[self.summary.verdict]

    @property
    def relief_text(self) -> str:
        if self.summary is None:
            return "relief diary not summarised"
        text = plural(self.summary.meaningful_days, "day") + " of relief"
        length = self.summary.rule.length
        if self.summary.verdict == relief.Verdict.UNDETERMINED and self.summary.recorded < length:
            text += f" ({self.summary.recorded} of {length} diary days filled)"
        return text

    @property
    def outcome(self) -> str:
        """E.g. "6 days of relief — likely surgical candidate, confirmed by Dr Hale"."""
        text = f"{self.relief_text} — {self.verdict_text}"
        return f"{text}, {self.review_text}" if self.review_text else text


def block_view(block: NerveBlock) -> BlockView:
    summary: relief.ReliefSummary | None
    try:
        summary = blocks.summary(block, block.diary.all())
    except ValueError:
        summary = None
    review_text, decision = "", ""
    if summary is not None:
        decision = str(summary.verdict)
    try:
        review = block.review
    except ObjectDoesNotExist:
        review = None
    if review is not None:
        who = person(review.decided_by)
        decision = review.decision
        if review.decision == review.computed:
            review_text = f"confirmed by {who}"
        else:
            review_text = (
                f"{who} decided: {DECISION_WORDS.get(review.decision, review.decision)} "
                f"(overriding nervepath's verdict)"
            )
    elif summary is not None:
        review_text = "not yet reviewed"
    return BlockView(block, summary, review_text, decision)


def events(patient: Patient, today: date) -> Found:
    """``records``: a :class:`BlockView` of each block, oldest first."""
    views = [
        block_view(b)
        for b in NerveBlock.objects.filter(patient=patient)
        .select_related("review__decided_by__clinician")
        .prefetch_related("diary")
        .order_by("given_on", "pk")
    ]
    found = Found(records=views)
    for view in views:
        block = view.block
        sites = ", ".join(short(label) for label in block.site_labels) or "no site recorded"
        found.events.append(
            Event(
                day=block.given_on,
                kind="block",
                title=f"Nerve block, {leg_name(block.leg).lower()}",
                detail=f"{sites} · {view.outcome}",
                obj=block,
                url=page_url(block),
                status=view.decision or "pending",
                status_label=view.verdict_text,
                value=None if view.relief_days is None else float(view.relief_days),
                group=block.leg,
                key=f"block-{block.pk}",
            )
        )
        bar = _relief_bar(view, today)
        if bar is not None:
            found.bars.append(bar)
    return found


def _relief_bar(view: BlockView, today: date) -> Bar | None:
    """The run of days of relief after the block, if there was one."""
    block, summary = view.block, view.summary
    if summary is None or summary.run_first is None or not summary.run_last:
        return None
    return Bar(
        kind="block",
        start=block.given_on + timedelta(days=summary.run_first - 1),
        end=block.given_on + timedelta(days=summary.run_last),
        title=(
            f"Relief after the block of {on_day(block.given_on, today)} "
            f"({leg_word(block.leg)}): {view.relief_text}"
        ),
        label=f"{summary.meaningful_days} d",
    )
