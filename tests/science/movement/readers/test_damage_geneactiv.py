# SPDX-License-Identifier: AGPL-3.0-or-later
"""Damaged GENEActiv and GENEA pages are named, left out and marked (issue 16)."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.science.movement.errors import CorruptFileError
from nervepath.science.movement.readers import read_night
from nervepath.science.movement.recording import AccelRecording

from .damage import genea_variants, geneactiv_variants

GENEACTIV = "GENEActiv_testfile.bin"
GENEA = "genea_testfile.bin"


def _variant(wearables, name, kind, make):
    raw = (wearables / name).read_bytes()
    return next(v for v in make(name, raw) if v.kind == kind)


def _read(tmp_path, variant) -> AccelRecording:
    path = tmp_path / "night.bin"
    path.write_bytes(variant.data)
    return _accel(path)


def _accel(path) -> AccelRecording:
    rec = read_night(path)
    assert isinstance(rec, AccelRecording)
    return rec


def test_geneactiv_header_without_pages_is_refused_with_a_sentence(wearables, tmp_path):
    v = _variant(wearables, GENEACTIV, "header only", geneactiv_variants)
    with pytest.raises(CorruptFileError, match="has a header but no recorded pages"):
        _read(tmp_path, v)


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("zeroed page", "Page 5 of the GENEActiv file is missing"),
        ("page of zero samples", "Page 5 of the GENEActiv file held only zeros"),
        ("page dated 2099", "Page 5 of the GENEActiv file has a time stamp out of order"),
        ("page time a day back", "Page 5 of the GENEActiv file has a time stamp out of order"),
        ("non-hex character", "Page 5 of the GENEActiv file is damaged"),
    ],
)
def test_damaged_geneactiv_page_is_named_and_marked(wearables, tmp_path, kind, said):
    intact = _accel(wearables / GENEACTIV)
    rec = _read(tmp_path, _variant(wearables, GENEACTIV, kind, geneactiv_variants))
    # Only that page (the sixth, sequence number 5) is left out, nothing else.
    assert rec.n_samples == intact.n_samples - 300
    assert any(n.startswith(said) for n in rec.notes), rec.notes
    corrupt = [s for s in rec.stretches if s.kind == "corrupt"]
    assert len(corrupt) == 1
    assert corrupt[0].start == pytest.approx(5 * 300 / intact.fs, abs=0.02)
    assert corrupt[0].duration == pytest.approx(300 / intact.fs, abs=0.02)
    assert np.all(np.diff(rec.time) > 0)
    np.testing.assert_array_equal(rec.accel[:1500], intact.accel[:1500])
    np.testing.assert_array_equal(rec.accel[1500:], intact.accel[1800:])


@pytest.mark.parametrize("kind", ["swapped pages", "duplicated page"])
def test_geneactiv_pages_are_put_back_by_sequence_number(wearables, tmp_path, kind):
    intact = _accel(wearables / GENEACTIV)
    rec = _read(tmp_path, _variant(wearables, GENEACTIV, kind, geneactiv_variants))
    np.testing.assert_array_equal(rec.accel, intact.accel)
    np.testing.assert_array_equal(rec.time, intact.time)
    assert len(rec.notes) == 2


def test_zeroed_genea_page_is_reported_and_left_out(wearables, tmp_path):
    intact = _accel(wearables / GENEA)
    v = _variant(wearables, GENEA, "zeroed page", genea_variants)
    rec = _read(tmp_path, v)
    # Page 42 held 335 samples; none of them is read as 0 g.
    assert rec.n_samples == intact.n_samples - 335
    assert "GENEA page 42 (counted from 0) held only erased bytes" in rec.notes[1]
    assert not np.any(np.all(rec.accel == 0, axis=1))
    [corrupt] = [s for s in rec.stretches if s.kind == "corrupt"]
    assert corrupt.duration == pytest.approx(335 / 80, abs=0.05)


@pytest.mark.parametrize("kind", ["stamps a day ahead", "stamps a day back", "swapped pages"])
def test_genea_page_off_the_clock_is_left_out_and_time_runs_forward(wearables, tmp_path, kind):
    intact = _accel(wearables / GENEA)
    rec = _read(tmp_path, _variant(wearables, GENEA, kind, genea_variants))
    assert np.all(np.diff(rec.time) > 0)
    assert rec.duration == pytest.approx(intact.duration, abs=0.1)
    assert any("out of order" in n for n in rec.notes)
    assert rec.n_samples < intact.n_samples
    assert [s.kind for s in rec.stretches if s.kind != "nonwear"] == ["corrupt"]
