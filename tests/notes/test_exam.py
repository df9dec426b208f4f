# SPDX-License-Identifier: AGPL-3.0-or-later
"""The leg examination as data, and the MNSI inputs read from it."""

from __future__ import annotations

import pytest

from nervepath.notes import exam


def _exam(**left):
    data = exam.blank()
    data["left"].update(left)
    return data


def test_a_blank_examination_is_clean_and_lists_nothing():
    assert exam.clean({}) == exam.blank()
    assert exam.lines(exam.blank()) == []
    assert exam.mnsi_inputs(exam.blank())["left"]["monofilament"] is None


def test_tinel_at_each_tunnel_is_kept_per_leg():
    data = exam.blank()
    data["right"]["tunnels"]["common_peroneal"]["tinel"] = "positive"
    data["left"]["tunnels"]["tibial"]["tinel"] = "negative"
    clean = exam.clean(data)
    assert clean["right"]["tunnels"]["common_peroneal"]["tinel"] == "positive"
    assert clean["left"]["tunnels"]["common_peroneal"]["tinel"] == "not_tested"
    rows = {line.what: (line.left, line.right) for line in exam.lines(clean)}
    assert rows["Common peroneal nerve at the fibular neck: Tinel sign"] == (
        "Not tested",
        "Positive",
    )
    assert rows["Tibial nerve at the soleal sling: Tinel sign"] == ("Negative", "Not tested")


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"left": {"vibration": "loud"}}, "vibration"),
        ({"left": {"monofilament": 11}}, "monofilament"),
        ({"left": {"strength": {"dorsiflexion": 6}}}, "MRC"),
        ({"left": {"appearance": "normal", "appearance_kinds": ["fissure"]}}, "abnormal"),
        ({"middle": {}}, "left and right"),
        ({"left": {"tunnels": {"tibial": {"tinel": "maybe"}}}}, "Tinel"),
    ],
)
def test_bad_findings_are_refused_with_a_sentence(bad, message):
    with pytest.raises(exam.ExamError, match=message):
        exam.clean(bad)


@pytest.mark.parametrize(
    "felt, category",
    [(10, "present"), (8, "present"), (7, "reduced"), (1, "reduced"), (0, "absent")],
)
def test_monofilament_counts_map_to_the_mnsi_categories(felt, category):
    assert exam.mnsi_inputs(_exam(monofilament=felt))["left"]["monofilament"] == category


def test_the_mnsi_examination_is_read_from_the_same_findings():
    data = exam.blank()
    data["left"].update(
        appearance="abnormal",
        appearance_kinds=["dry_skin_callus", "deformity"],
        ulceration="no",
        ankle_reflex="reinforcement",
        vibration="reduced",
        monofilament=5,
    )
    data["right"].update(appearance="normal", ulceration="yes", ankle_reflex="absent")
    mnsi = exam.mnsi_inputs(data)
    assert mnsi["left"] == {
        "appearance": "abnormal",
        "appearance_kinds": ["deformity", "dry_skin_callus"],
        "ulceration": "absent",
        "ankle_reflex": "reinforcement",
        "vibration": "reduced",
        "monofilament": "reduced",
    }
    assert mnsi["right"]["ulceration"] == "present"
    assert mnsi["right"]["ankle_reflex"] == "absent"
    assert mnsi["right"]["vibration"] is None  # not examined is missing, not normal


def test_research_rows_match_their_columns():
    data = _exam(monofilament=9, ankle_reflex="present")
    row = exam.research_row(data["left"], "left")
    assert len(row) == len(exam.RESEARCH_COLUMNS)
    named = dict(zip([c[0] for c in exam.RESEARCH_COLUMNS], row, strict=True))
    assert named["monofilament_felt"] == 9
    assert named["ankle_reflex"] == "present"
    assert named["common_peroneal_tinel"] == "not_tested"
