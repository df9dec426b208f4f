# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patient who completes every questionnaire waiting in the portal, counting what it
costs them: screens (page loads of the main frame) and taps (each click, and each number
typed into a field). The driver is generic on purpose, so the same journey can be
measured on an older version of the pages (docs/questionnaires.md gives the figures):

- on the list it opens the first questionnaire waiting;
- on a form it answers, top to bottom, every required question that is shown: the first
  option of a choice (No for the red-flag questions), the first option of a "choose all"
  list, the lowest value of a number; then taps Submit;
- on an answers page it follows "Next" when there is one, else goes back to the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Page

# Answered No, so the journey measures completion, not the urgent advice.
RED_FLAG_ITEMS = {"progressive_weakness", "slurred_speech", "swallowing_difficulty"}


@dataclass
class Cost:
    screens: int = 0
    taps: int = 0
    titles: list[str] = field(default_factory=list)


def complete_all(page: Page, list_url: str, *, limit: int = 60) -> Cost:
    cost = Cost()

    def navigated(frame) -> None:
        if frame == page.main_frame:
            cost.screens += 1

    page.on("framenavigated", navigated)

    def tap(locator) -> None:
        locator.click()
        cost.taps += 1
        page.wait_for_load_state()

    page.goto(list_url)
    for _ in range(limit):
        if page.locator("form.questions").count():
            cost.titles.append(page.locator("h1").first.inner_text())
            _answer_form(page, cost, tap)
            tap(page.get_by_role("button", name="Submit"))
        elif page.locator("ul.qlist a.button").count():
            tap(page.locator("ul.qlist a.button").first)
        elif page.get_by_role("link", name="Back to my questionnaires").count():
            nxt = page.get_by_role("link", name="Next:")
            tap(
                nxt.first
                if nxt.count()
                else page.get_by_role("link", name="Back to my questionnaires")
            )
        else:
            break
    page.remove_listener("framenavigated", navigated)
    return cost


def _answer_form(page: Page, cost: Cost, tap) -> None:
    """Answer the first unanswered required question shown, until none is left (a
    question that opens others may reload the page on older versions: look again)."""
    for _ in range(80):
        target = None
        for fieldset in page.locator("fieldset.q:visible").all():
            if "(optional)" in fieldset.locator("legend").inner_text():
                continue
            if fieldset.locator("input:checked").count():
                continue
            number = fieldset.locator("input[type=number]")
            if number.count() and number.first.input_value():
                continue
            if fieldset.locator("textarea").count():
                continue
            target = fieldset
            break
        if target is None:
            return
        item = (target.get_attribute("id") or "")[2:]
        number = target.locator("input[type=number]")
        if number.count():
            number.first.fill(number.first.get_attribute("min") or "0")
            cost.taps += 1
            continue
        choices = target.locator("label.choice")
        if item in RED_FLAG_ITEMS:
            tap(choices.filter(has_text="No").first)
        else:
            tap(choices.first)
