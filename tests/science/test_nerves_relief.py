# SPDX-License-Identifier: AGPL-3.0-or-later
"""Days of relief after a nerve block and the candidate verdict (science.nerves.relief):
the edges of the rule, then properties that hold for every diary."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervepath.science.nerves.relief import CandidateRule, Verdict, summarise

RULE = CandidateRule(threshold=50, min_days=5, length=14)


def diary(values: dict[int, float | None], rule: CandidateRule = RULE) -> dict[int, float | None]:
    """Days not named are recorded as no relief (0 %), so only the named days matter."""
    return {n: values.get(n, 0.0) for n in range(1, rule.length + 1)}


def test_relief_exactly_at_the_threshold_counts_and_just_below_does_not() -> None:
    at = summarise(diary({n: 50 for n in range(1, 6)}), RULE)
    assert at.meaningful == (1, 2, 3, 4, 5)
    assert at.longest_run == 5
    assert (at.run_first, at.run_last) == (1, 5)
    assert at.verdict is Verdict.CANDIDATE
    below = summarise(diary({**{n: 50 for n in range(1, 6)}, 3: 49.9}), RULE)
    assert below.meaningful == (1, 2, 4, 5)
    assert below.longest_run == 2
    assert below.verdict is Verdict.NOT_CANDIDATE


def test_missing_days_bridge_a_run_but_do_not_count_in_it() -> None:
    values = diary({1: 80, 2: 70, 3: 60, 4: None, 5: 90, 6: 55})
    summary = summarise(values, RULE)
    assert summary.missing == (4,)
    assert summary.meaningful == (1, 2, 3, 5, 6)
    # Days 1 to 6 form one run (day 4 bridges it), but only five days count.
    assert summary.longest_run == 5
    assert (summary.run_first, summary.run_last) == (1, 6)
    assert summary.verdict is Verdict.CANDIDATE
    # Asking for six days: the missing day could have been relief, so it is not decided.
    six = CandidateRule(threshold=50, min_days=6, length=14)
    undecided = summarise(diary({1: 80, 2: 70, 3: 60, 4: None, 5: 90, 6: 55}, six), six)
    assert undecided.longest_run == 5
    assert undecided.best_possible_run == 6
    assert undecided.verdict is Verdict.UNDETERMINED


def test_a_recorded_day_below_the_threshold_breaks_the_run() -> None:
    values = diary({1: 90, 2: 90, 3: 90, 4: 90, 5: 10, 6: 90, 7: 90, 8: 90, 9: 90})
    summary = summarise(values, RULE)
    assert summary.meaningful_days == 8
    assert summary.longest_run == 4
    assert (summary.run_first, summary.run_last) == (1, 4)
    assert summary.best_possible_run == 4
    assert summary.verdict is Verdict.NOT_CANDIDATE


def test_undetermined_while_missing_days_could_decide_not_candidate_when_they_cannot() -> None:
    # Three days of relief, then nothing filled: the rest could still make a run of five.
    early = summarise({1: 70, 2: 70, 3: 70}, RULE)
    assert early.recorded == 3
    assert early.missing == tuple(range(4, 15))
    assert early.verdict is Verdict.UNDETERMINED
    # Missing days walled in by recorded days without relief cannot make five in a row.
    walled = diary({1: 70, 2: 70, 3: 70, 4: 0, 5: None, 6: None, 7: None, 8: 0})
    summary = summarise(walled, RULE)
    assert summary.missing == (5, 6, 7)
    assert summary.best_possible_run == 3
    assert summary.verdict is Verdict.NOT_CANDIDATE


def test_an_empty_diary_is_undetermined_with_nothing_counted() -> None:
    for entries in ({}, {n: None for n in range(1, 15)}):
        summary = summarise(entries, RULE)
        assert summary.recorded == 0
        assert summary.missing == tuple(range(1, 15))
        assert summary.meaningful == ()
        assert summary.longest_run == 0
        assert summary.run_first is None and summary.run_last is None
        assert summary.mean_relief is None
        assert summary.best_possible_run == 14
        assert summary.verdict is Verdict.UNDETERMINED


def test_when_the_rule_asks_for_every_day_of_the_diary() -> None:
    rule = CandidateRule(threshold=50, min_days=7, length=7)
    assert summarise({n: 60 for n in range(1, 8)}, rule).verdict is Verdict.CANDIDATE
    one_missing = summarise({n: 60 for n in range(1, 7)}, rule)
    assert one_missing.verdict is Verdict.UNDETERMINED
    one_below = summarise({**{n: 60 for n in range(1, 8)}, 7: 40}, rule)
    assert one_below.verdict is Verdict.NOT_CANDIDATE


def test_the_mean_is_over_recorded_days_only() -> None:
    summary = summarise({1: 100, 2: None, 3: 0, 4: 35}, RULE)
    assert summary.recorded == 3
    assert summary.mean_relief == 45.0


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({0: 50}, "outside"),
        ({15: 50}, "outside"),
        ({1: -1}, "between 0 and 100"),
        ({1: 100.5}, "between 0 and 100"),
    ],
)
def test_impossible_diaries_are_refused(entries: dict[int, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        summarise(entries, RULE)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 0},
        {"threshold": 101},
        {"length": 0},
        {"min_days": 0},
        {"min_days": 15, "length": 14},
    ],
)
def test_impossible_rules_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        CandidateRule(**kwargs)  # type: ignore[arg-type]  # floats where ints go, on purpose


# -- properties --------------------------------------------------------------------------

DAY_VALUES = st.one_of(st.none(), st.integers(min_value=0, max_value=100))


@st.composite
def diaries(draw: st.DrawFn) -> tuple[CandidateRule, list[int | None]]:
    length = draw(st.integers(min_value=1, max_value=21))
    min_days = draw(st.integers(min_value=1, max_value=length))
    threshold = draw(st.integers(min_value=1, max_value=100))
    values = draw(st.lists(DAY_VALUES, min_size=length, max_size=length))
    return CandidateRule(threshold=threshold, min_days=min_days, length=length), values


def _summary(rule: CandidateRule, values: list[int | None]):
    return summarise({n: v for n, v in enumerate(values, start=1)}, rule)


@given(diaries())
def test_counts_add_up_and_the_verdict_follows_the_runs(
    case: tuple[CandidateRule, list[int | None]],
) -> None:
    rule, values = case
    s = _summary(rule, values)
    assert s.recorded + len(s.missing) == rule.length
    assert s.longest_run <= s.meaningful_days <= s.recorded
    assert s.longest_run <= s.best_possible_run
    assert (s.verdict is Verdict.CANDIDATE) == (s.longest_run >= rule.min_days)
    assert (s.verdict is Verdict.NOT_CANDIDATE) == (s.best_possible_run < rule.min_days)
    if not s.missing:
        assert s.verdict is not Verdict.UNDETERMINED


@given(diaries(), st.data())
def test_filling_a_missing_day_never_rescues_a_not_candidate(
    case: tuple[CandidateRule, list[int | None]], data: st.DataObject
) -> None:
    """Whatever the patient writes on a missing day, a diary that could not reach the
    rule stays short of it."""
    rule, values = case
    missing = [i for i, v in enumerate(values) if v is None]
    if not missing or _summary(rule, values).verdict is not Verdict.NOT_CANDIDATE:
        return
    i = data.draw(st.sampled_from(missing))
    filled = [*values]
    filled[i] = data.draw(st.integers(min_value=0, max_value=100))
    assert _summary(rule, filled).verdict is Verdict.NOT_CANDIDATE


@given(diaries(), st.data())
def test_filling_a_missing_day_with_relief_never_withdraws_candidacy(
    case: tuple[CandidateRule, list[int | None]], data: st.DataObject
) -> None:
    rule, values = case
    missing = [i for i, v in enumerate(values) if v is None]
    if not missing or _summary(rule, values).verdict is not Verdict.CANDIDATE:
        return
    i = data.draw(st.sampled_from(missing))
    filled = [*values]
    filled[i] = data.draw(st.integers(min_value=int(rule.threshold), max_value=100))
    after = _summary(rule, filled)
    assert after.verdict is Verdict.CANDIDATE
    assert after.longest_run >= _summary(rule, values).longest_run


@given(diaries(), st.integers(min_value=1, max_value=100))
def test_a_stricter_threshold_never_makes_a_candidate(
    case: tuple[CandidateRule, list[int | None]], stricter: int
) -> None:
    rule, values = case
    if stricter < rule.threshold:
        return
    strict = CandidateRule(threshold=stricter, min_days=rule.min_days, length=rule.length)
    order = {Verdict.NOT_CANDIDATE: 0, Verdict.UNDETERMINED: 1, Verdict.CANDIDATE: 2}
    assert order[_summary(strict, values).verdict] <= order[_summary(rule, values).verdict]
