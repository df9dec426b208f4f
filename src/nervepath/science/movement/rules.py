# SPDX-License-Identifier: AGPL-3.0-or-later
"""Scoring rule sets: WASM 2016 (default) and AASM 2012."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

__all__ = ["AASM_2012", "RULES", "WASM_2016", "ScoringRules", "get_rules"]


@dataclass(frozen=True)
class ScoringRules:
    """Thresholds of a leg-movement scoring standard, in seconds.

    Parameters
    ----------
    name : str
        Name shown in reports.
    min_duration_s : float
        Shortest leg movement (0.5 s).
    max_monolateral_s : float
        Longest monolateral candidate leg movement (10 s).
    max_bilateral_s : float
        Longest bilateral candidate leg movement (WASM 15 s; AASM 10 s).
    bilateral_rule : str
        ``"gap"``: movements of the two legs merge when they overlap or the gap from
        one's offset to the next onset is below ``bilateral_gap_s`` (WASM);
        ``"onset"``: they merge when their onsets are less than ``bilateral_gap_s``
        apart (AASM).
    bilateral_gap_s : float
        0.5 s (WASM) or 5 s (AASM).
    max_monolateral_in_bilateral : int or None
        A bilateral movement made of more monolateral movements is not a candidate
        (WASM: 4); None for no limit.
    min_interval_s, max_interval_s : float
        Onset-to-onset interval range of a periodic series (WASM 10-90 s, AASM 5-90 s).
    min_series_length : int
        Fewest consecutive candidates in a periodic series (4).
    short_interval_breaks_series : bool
        WASM: a candidate preceded by an interval below ``min_interval_s`` ends the
        series. AASM: such a movement is skipped (not counted, series continues).
    respiratory_anchor : str
        ``"end"``: the window is around the end of a respiratory event (WASM);
        ``"event"``: around the whole event (AASM).
    respiratory_before_s, respiratory_after_s : float
        Window edges (WASM -2 s / +10.25 s around the event end; AASM 0.5 s / 0.5 s).
    respiratory_before_series : bool
        AASM 2012: movements with a respiratory event are not scored, so they are
        removed before periodic series are built. WASM 2016: they stay in the series
        and are counted apart (the "without respiratory" indices).
    arousal_gap_s : float
        A movement and an arousal are associated when they overlap or are less than
        this far apart (0.5 s).

    References
    ----------
    Ferri R, et al. World Association of Sleep Medicine (WASM) 2016 standards for
    recording and scoring leg movements in polysomnograms. Sleep Med 2016;26:86-95.
    doi:10.1016/j.sleep.2016.10.010

    Berry RB, et al. The AASM Manual for the Scoring of Sleep and Associated Events,
    version 2.0. Darien, IL: American Academy of Sleep Medicine; 2012.
    """

    name: str
    min_duration_s: float = 0.5
    max_monolateral_s: float = 10.0
    max_bilateral_s: float = 15.0
    bilateral_rule: str = "gap"
    bilateral_gap_s: float = 0.5
    max_monolateral_in_bilateral: int | None = 4
    min_interval_s: float = 10.0
    max_interval_s: float = 90.0
    min_series_length: int = 4
    short_interval_breaks_series: bool = True
    respiratory_anchor: str = "end"
    respiratory_before_s: float = 2.0
    respiratory_after_s: float = 10.25
    respiratory_before_series: bool = False
    arousal_gap_s: float = 0.5

    def with_(self, **changes: Any) -> ScoringRules:
        """A copy with some thresholds changed."""
        return replace(self, **changes)


WASM_2016 = ScoringRules(name="WASM 2016")

AASM_2012 = ScoringRules(
    name="AASM 2012",
    max_bilateral_s=10.0,
    bilateral_rule="onset",
    bilateral_gap_s=5.0,
    max_monolateral_in_bilateral=None,
    min_interval_s=5.0,
    short_interval_breaks_series=False,
    respiratory_anchor="event",
    respiratory_before_s=0.5,
    respiratory_after_s=0.5,
    respiratory_before_series=True,
)

RULES = {"wasm2016": WASM_2016, "aasm2012": AASM_2012}


def get_rules(name: str | ScoringRules) -> ScoringRules:
    """Rules by name (``"wasm2016"`` or ``"aasm2012"``) or pass a rule set through.

    Raises
    ------
    ValueError
        Unknown name.
    """
    if isinstance(name, ScoringRules):
        return name
    key = name.lower().replace(" ", "").replace("-", "").replace("_", "")
    if key not in RULES:
        raise ValueError(f"Unknown scoring rules '{name}'; choose one of {', '.join(RULES)}.")
    return RULES[key]
