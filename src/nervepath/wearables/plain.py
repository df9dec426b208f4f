# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a patient reads about a night: plain sentences, no index, no alarm.

The patient's night page and the patient's PDF say what was measured and for how long,
what "moves about every N minutes" means, or in plain words why no leg-movement figure
can be given, and that the clinician will go through it with them. The clinician's page
keeps every index, rule and quality figure. Every sentence is translatable (gettext).

A number that is not valid for the night (too little sleep, no sleep period, a monitor
not at the ankle) is never given as a number here: the engine leaves it empty
(``index_withheld_reasons``), and only the reason is said.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from nervepath.science.movement.quality import MIN_SCORED_SLEEP_H
from nervepath.science.movement.report import NightReport

__all__ = ["PlainNight", "plain_night", "site_name"]


def site_name(site: str) -> str:
    """The place a monitor was worn, in words."""
    names = {
        "ankle": _("the ankle"),
        "wrist": _("the wrist"),
        "waist": _("the waist"),
        "other": _("a place other than the ankle"),
    }
    return names.get(site, _("a place that was not recorded"))


def _duration(hours: float) -> str:
    minutes = max(0, round(hours * 60))
    if minutes < 60:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    h, m = divmod(minutes, 60)
    text = ngettext("%(n)d hour", "%(n)d hours", h) % {"n": h}
    if m:
        text = _("%(hours)s %(minutes)s") % {
            "hours": text,
            "minutes": ngettext("%(n)d minute", "%(n)d minutes", m) % {"n": m},
        }
    return text


def _finite(value: float) -> bool:
    return value is not None and math.isfinite(value)


@dataclass
class PlainNight:
    """The sentences of the patient's night page, in order."""

    measured: str
    heading: str = ""
    result: list[str] = field(default_factory=list)
    meaning: list[str] = field(default_factory=list)
    enough: bool = False
    next_step: str = ""


def plain_night(report: NightReport) -> PlainNight:
    """The plain-language account of one night for the patient."""
    recorded = report.total_recording_h if _finite(report.total_recording_h) else 0.0
    measured = _(
        "The monitor recorded the movements of %(place)s for %(duration)s, starting at "
        "%(time)s on the monitor's clock."
    ) % {
        "place": site_name(report.body_location) if report.body_location else _("your body"),
        "duration": _duration(recorded),
        "time": report.recording_start[11:16] or "—",
    }
    out = PlainNight(measured=measured, heading=_("What it showed"))
    reasons = list(report.index_withheld_reasons)
    if not reasons and report.index_withheld:  # reports stored before the codes
        reasons = ["too_little_sleep"]
    if "no_sleep_window" in reasons:
        out.result.append(
            _(
                "Not enough sleep was recorded. The monitor found no stretch of sleep: "
                "most of the quiet time in this recording was time the monitor was "
                "resting to save power or was not being worn."
            )
        )
    elif "too_little_sleep" in reasons:
        sleep = report.scored_sleep_h if _finite(report.scored_sleep_h) else report.sleep_h
        out.result.append(
            _(
                "Not enough sleep was recorded. Leg movements during sleep can only be "
                "counted from at least %(needed)s of sleep; this recording holds about "
                "%(found)s."
            )
            % {
                "needed": _duration(MIN_SCORED_SLEEP_H),
                "found": _duration(sleep if _finite(sleep) else 0.0),
            }
        )
    if "not_leg" in reasons:
        out.result.append(
            _(
                "The monitor was worn at %(place)s. Leg movements can only be counted "
                "from a monitor worn at the ankle, so this recording gives no figure "
                "for leg movements."
            )
            % {"place": site_name(report.body_location)}
        )
    if "no_sleep_window" in reasons or "too_little_sleep" in reasons:
        out.heading = _("Not enough sleep recorded")
    elif reasons:
        out.heading = _("No leg-movement figure for this recording")
    if reasons:
        out.meaning.append(
            _(
                "This says nothing about your health either way: the recording simply "
                "cannot answer the question. Your clinician may ask you to record another night, "
                "wearing the monitor at the ankle from bedtime until you get up."
            )
        )
    else:
        out.enough = True
        sleep = report.scored_sleep_h if _finite(report.scored_sleep_h) else report.sleep_h
        out.result.append(
            _("About %(duration)s of this recording was sleep.")
            % {"duration": _duration(sleep if _finite(sleep) else 0.0)}
        )
        every = report.moves_every_min
        if _finite(every):
            n = max(1, round(every))
            out.result.append(
                ngettext(
                    "While you slept, your legs moved about every minute.",
                    "While you slept, your legs moved about every %(n)d minutes.",
                    n,
                )
                % {"n": n}
            )
            out.meaning.append(
                _(
                    "“Moves about every %(n)d minutes” is the typical time between one "
                    "burst of leg movements and the next while you were asleep: half of "
                    "the gaps were shorter than this, half were longer. Everyone moves "
                    "in their sleep; how often, and whether it matters for you, depends "
                    "on more than this one number."
                )
                % {"n": n}
            )
        else:
            out.result.append(_("Your legs moved too rarely during sleep to say how often."))
    out.next_step = _(
        "Your clinician will look at this recording and go through what it means with you "
        "at your next visit. If you have questions before then, send a message to the clinic."
    )
    return out
