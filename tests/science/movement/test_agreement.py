# SPDX-License-Identifier: AGPL-3.0-or-later
"""``nervepath compare-movements``: the detector against a scorer's EDF+ annotations."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.cli import main
from nervepath.science.movement.agreement import scorer_movements
from nervepath.science.movement.recording import Annotation

from .simulate import simulate_hard_emg_night
from .test_edf import write_edf


@pytest.mark.parametrize(
    ("label", "side"),
    [
        ("Limb Movement (Left)", "left"),
        ("Leg movement - right", "right"),
        ("LM-L", "left"),
        ("PLM", "leg"),
        ("Leg Movement", "leg"),
    ],
)
def test_scorer_labels_are_read_as_leg_movements(label, side):
    mov = scorer_movements(
        [Annotation(10.0, 2.0, label), Annotation(20.0, 0.0, "Obstructive Apnea")]
    )
    assert mov.onset.tolist() == [10.0] and mov.offset.tolist() == [12.0]
    assert mov.side.tolist() == [side]


def test_compare_prints_agreement_with_the_scorer(tmp_path, capsys):
    rec, truth = simulate_hard_emg_night(201, hours=1.5, hum=False)
    t = truth.movements
    notes = [(a.onset, a.duration, a.label) for a in rec.annotations]
    # The scorer missed every tenth movement: nervepath's precision shows it.
    notes += [
        (float(on), float(off - on), f"Limb movement ({side})")
        for k, (on, off, side) in enumerate(zip(t.onset, t.offset, t.side, strict=True))
        if k % 10 != 9
    ]
    channels = {side: np.clip(x, -499.0, 499.0) for side, x in rec.channels.items()}
    path = write_edf(
        tmp_path / "scored.edf",
        channels,
        rec.fs,
        {"left": "Leg L", "right": "Leg R"},
        annotations=notes,
    )
    assert main(["compare-movements", str(path)]) == 0
    out = capsys.readouterr().out
    assert "nervepath against the scorer (wasm2016)" in out
    line = next(x for x in out.splitlines() if x.startswith("sensitivity"))
    sens, prec = float(line.split()[1]), float(line.split()[3])
    assert sens >= 0.95
    assert 0.8 < prec < 0.95  # the movements the scorer left out
    assert "PLMS index (/h)" in out


def test_compare_says_when_there_is_nothing_scored(tmp_path, capsys):
    rec, _ = simulate_hard_emg_night(202, hours=0.2)
    path = write_edf(tmp_path / "plain.edf", rec.channels, rec.fs, {"left": "Leg L"})
    assert main(["compare-movements", str(path)]) == 2
    assert "no leg-movement annotations found" in capsys.readouterr().err
