# SPDX-License-Identifier: AGPL-3.0-or-later
"""Intraoperative monitoring: the change per nerve at its edges, and the device CSV."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from nervepath.science.nerves.monitoring import MonitoringError, Reading, changes, parse_csv

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "monitoring.csv"


def _pair(before: float, after: float | None, lat_before=None, lat_after=None):
    readings = [Reading("common_peroneal", "before", before, lat_before)]
    if after is not None:
        readings.append(Reading("common_peroneal", "after", after, lat_after))
    (change,) = changes(readings)
    return change


def test_amplitude_rise_of_180_percent_with_latency():
    change = _pair(50, 140, 4.1, 3.8)
    assert change.amplitude_change_pct == pytest.approx(180.0)
    assert change.amplitude_change_uv == pytest.approx(90.0)
    assert change.latency_change_ms == pytest.approx(-0.3)
    assert change.describe() == "amplitude +180 % (50 → 140 µV), latency -0.3 ms"


def test_a_fall_is_negative_and_no_change_is_zero():
    assert _pair(100, 40).amplitude_change_pct == pytest.approx(-60.0)
    assert _pair(100, 100).describe() == "amplitude +0 % (100 → 100 µV)"


def test_zero_baseline_has_no_percentage_but_a_new_response():
    change = _pair(0, 35)
    assert change.amplitude_change_pct is None
    assert change.amplitude_change_uv == 35
    assert change.describe() == "new response (0 → 35 µV)"


def test_no_response_before_or_after_is_not_a_new_response():
    change = _pair(0, 0)
    assert change.amplitude_change_pct is None and change.amplitude_change_uv == 0
    assert change.describe() == "no response before or after release"


def test_missing_latency_on_either_side_gives_no_latency_change():
    assert _pair(50, 140, 4.1, None).latency_change_ms is None
    assert _pair(50, 140, None, 3.8).latency_change_pct is None
    assert "latency" not in _pair(50, 140, None, 3.8).describe()


def test_a_baseline_alone_waits_for_its_after_reading():
    change = _pair(50, None)
    assert change.after is None and change.amplitude_change_pct is None
    assert change.describe() == "baseline 50 µV; no reading after release yet"


def test_nerves_come_in_a_fixed_order_and_unread_nerves_are_left_out():
    found = changes(
        [
            Reading("tibial", "before", 10),
            Reading("common_peroneal", "before", 20),
            Reading("common_peroneal", "after", 30),
        ]
    )
    assert [c.nerve for c in found] == ["common_peroneal", "tibial"]


@pytest.mark.parametrize(
    ("reading", "message"),
    [
        (Reading("common_peroneal", "before", -5), "cannot be negative"),
        (Reading("common_peroneal", "before", math.nan), "not a number"),
        (Reading("common_peroneal", "before", 200_000), "check the unit"),
        (Reading("common_peroneal", "before", 50, 0), "latency must be above 0"),
        (Reading("common_peroneal", "before", 50, -1.2), "latency must be above 0"),
        (Reading("sciatic", "before", 50), "not a nerve monitored here"),
        (Reading("tibial", "during", 50), "before or after release"),
    ],
)
def test_impossible_readings_are_refused(reading, message):
    with pytest.raises(MonitoringError, match=message):
        changes([reading])


def test_an_after_reading_without_baseline_is_refused():
    with pytest.raises(MonitoringError, match="needs a baseline before release"):
        changes([Reading("tibial", "after", 80)])


def test_two_readings_of_one_nerve_in_one_phase_are_refused():
    with pytest.raises(MonitoringError, match="two readings before release"):
        changes([Reading("tibial", "before", 80), Reading("tibial", "before", 81)])


def test_the_amplitude_limit_itself_is_accepted():
    assert changes([Reading("tibial", "before", 100_000.0)])[0].before.amplitude_uv == 100_000.0


# -- CSV ---------------------------------------------------------------------------------


def test_the_documented_sample_file():
    readings = parse_csv(SAMPLE.read_text(encoding="utf-8"))
    found = {c.nerve: c for c in changes(readings)}
    assert set(found) == {"common_peroneal", "superficial_peroneal", "tibial"}
    assert found["common_peroneal"].describe() == "amplitude +180 % (50 → 140 µV), latency -0.3 ms"
    assert found["superficial_peroneal"].before.latency_ms is None


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_comma_semicolon_and_tab_separators(sep):
    rows = [["Nerve", "Phase", "Amplitude (uV)", "Latency (ms)"], ["CPN", "pre", "50", "4.1"],
            ["CPN", "post", "140", "3.8"]]  # fmt: skip
    text = "\n".join(sep.join(r) for r in rows) + "\n"
    readings = parse_csv(text)
    assert [(r.nerve, r.phase, r.amplitude_uv, r.latency_ms) for r in readings] == [
        ("common_peroneal", "before", 50.0, 4.1),
        ("common_peroneal", "after", 140.0, 3.8),
    ]


def test_decimal_comma_with_semicolons():
    text = (
        "Nerve;Phase;Amplitude (uV);Latency (ms)\nTibial;Baseline;52,5;5,2\nTibial;Post;80,25;4,9\n"
    )
    readings = parse_csv(text)
    assert readings[0].amplitude_uv == 52.5 and readings[0].latency_ms == 5.2
    assert readings[1].amplitude_uv == 80.25


def test_millivolt_header_scales_to_microvolts_and_seconds_to_ms():
    text = "nerve,phase,amp_mV,latency (s)\ntibial,before,0.05,0.0041\ntibial,after,0.14,0.0038\n"
    readings = parse_csv(text)
    assert readings[0].amplitude_uv == pytest.approx(50.0)
    assert readings[1].amplitude_uv == pytest.approx(140.0)
    assert readings[0].latency_ms == pytest.approx(4.1)


def test_a_byte_order_mark_and_blank_lines_are_ignored():
    text = "\ufeffNerve,Phase,Amplitude\n\nSPN,before,12\n\nSPN,after,20\n"
    readings = parse_csv(text)
    assert [r.nerve for r in readings] == ["superficial_peroneal", "superficial_peroneal"]


def test_an_unknown_nerve_names_its_line():
    text = "Nerve,Phase,Amplitude\nCPN,before,50\nsciatic,after,60\n"
    with pytest.raises(MonitoringError, match=r"^Line 3: 'sciatic' is not a nerve"):
        parse_csv(text)


def test_a_negative_amplitude_names_its_line():
    with pytest.raises(MonitoringError, match=r"^Line 2: .*cannot be negative"):
        parse_csv("Nerve,Phase,Amplitude\nCPN,before,-50\n")


def test_a_non_number_and_nan_are_refused():
    with pytest.raises(MonitoringError, match=r"Line 2: amplitude 'abc' is not a number"):
        parse_csv("Nerve,Phase,Amplitude\nCPN,before,abc\n")
    with pytest.raises(MonitoringError, match="not a number"):
        parse_csv("Nerve,Phase,Amplitude\nCPN,before,nan\n")


def test_a_bad_phase_names_its_line():
    with pytest.raises(MonitoringError, match=r"Line 2: phase 'during'"):
        parse_csv("Nerve,Phase,Amplitude\nCPN,during,50\n")


def test_missing_columns_are_named():
    with pytest.raises(MonitoringError, match="no phase or amplitude column"):
        parse_csv("Nerve,Value\nCPN,50\n")


@pytest.mark.parametrize("text", ["", "   \n\n", "\ufeff"])
def test_an_empty_file_is_refused(text):
    with pytest.raises(MonitoringError, match="The file is empty"):
        parse_csv(text)


def test_a_header_without_rows_is_refused():
    with pytest.raises(MonitoringError, match="no readings"):
        parse_csv("Nerve,Phase,Amplitude (uV)\n")


def test_a_missing_amplitude_is_refused():
    with pytest.raises(MonitoringError, match="Line 2: the amplitude is missing"):
        parse_csv("Nerve,Phase,Amplitude\nCPN,before,\n")


def test_the_csv_refuses_after_without_before_and_duplicates():
    with pytest.raises(MonitoringError, match="needs a baseline"):
        parse_csv("Nerve,Phase,Amplitude\ntibial,after,50\n")
    with pytest.raises(MonitoringError, match="two readings"):
        parse_csv("Nerve,Phase,Amplitude\ntibial,before,50\ntibial,baseline,51\n")


@pytest.mark.parametrize("name", ["peroneal", "Fibular", "common fibular", "CPN"])
def test_peroneal_and_fibular_alone_mean_the_common_peroneal(name):
    readings = parse_csv(f"Nerve,Phase,Amplitude\n{name},before,50\n")
    assert readings[0].nerve == "common_peroneal"


def test_the_deep_peroneal_nerve_is_not_taken_for_the_common_peroneal():
    with pytest.raises(MonitoringError, match=r"^Line 2: 'Deep peroneal' is not a nerve"):
        parse_csv("Nerve,Phase,Amplitude\nDeep peroneal,before,50\n")


def test_the_side_column_is_read_and_checked_against_the_leg():
    text = "Nerve,Side,Phase,Amplitude\nCPN,R,before,50\nCPN,left,after,60\n"
    with pytest.raises(
        MonitoringError,
        match=r"^Line 3: this row is for the left leg; the surgery is on the right leg\.$",
    ):
        parse_csv(text, leg="right")
    with pytest.raises(MonitoringError, match=r"^Line 2: this row is for the right leg"):
        parse_csv(text, leg="left")
    # Without a leg to compare with, the side is only read.
    assert [r.phase for r in parse_csv(text)] == ["before", "after"]


@pytest.mark.parametrize("header", ["Side", "leg", "SIDE (L/R)", "Leg_side"])
@pytest.mark.parametrize("value", ["right", "Right", "RIGHT", "r", "R", " r ", ""])
def test_side_headers_and_values_that_match(header, value):
    text = f"Nerve,{header},Phase,Amplitude\ntibial,{value},pre,80\ntibial,{value},post,96\n"
    readings = parse_csv(text, leg="right")
    assert [(r.nerve, r.amplitude_uv) for r in readings] == [("tibial", 80.0), ("tibial", 96.0)]


def test_a_side_that_is_neither_left_nor_right_names_its_line():
    with pytest.raises(MonitoringError, match=r"^Line 2: side 'both' should be left or right"):
        parse_csv("Nerve,Side,Phase,Amplitude\nCPN,both,before,50\n", leg="right")


def test_the_sample_file_is_for_the_right_leg():
    text = SAMPLE.read_text(encoding="utf-8")
    assert len(parse_csv(text, leg="right")) == 6
    with pytest.raises(MonitoringError, match=r"^Line 2: this row is for the right leg; the "):
        parse_csv(text, leg="left")


def test_a_leg_that_is_not_a_leg_is_a_programming_error():
    with pytest.raises(ValueError, match="leg must be"):
        parse_csv("Nerve,Phase,Amplitude\nCPN,before,50\n", leg="Right leg")
