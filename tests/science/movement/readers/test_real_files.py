# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every reader on the real device files in ../shared/data/wearables."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.science.movement.readers import (
    read_cwa,
    read_genea,
    read_gt3x,
    read_night,
)
from nervepath.science.movement.readers.axivity import corrupt_cwa_blocks
from nervepath.science.movement.recording import AccelRecording

EXPECTED = {
    # file: (device word, samples, fs)
    "ax3_testfile.cwa": ("AX3", 17400, 100.0),
    "ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa": ("AX3", 16680, 100.0),
    "ax6_testfile.cwa": ("AX6", 11320, 100.0),
    "GENEActiv_testfile.bin": ("GENEActiv", 4800, 85.7),
    "genea_testfile.bin": ("GENEA", 42598, 80.0),
    "small.gt3x": ("ActiGraph", 1467810, 30.0),
    "neo.gt3x": ("ActiGraph", 18004, 30.0),
    "ISM_Enabled.gt3x": ("ActiGraph", 9000, 30.0),
    "ISM_Disabled.gt3x": ("ActiGraph", 9000, 30.0),
    "ggir_actigraph_testfile.gt3x": ("ActiGraph", 53040, 30.0),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_real_file_reads_with_plausible_gravity(wearables, name):
    word, n, fs = EXPECTED[name]
    rec = read_night(wearables / name)
    assert isinstance(rec, AccelRecording)
    assert word in rec.device
    assert rec.n_samples == n
    assert rec.fs == pytest.approx(fs)
    assert rec.accel.shape == (n, 3)
    assert np.all(np.diff(rec.time) > 0)
    # A worn or resting device measures about 1 g of gravity.
    magnitude = np.median(np.linalg.norm(rec.accel, axis=1))
    assert 0.85 < magnitude < 1.15


def test_small_gt3x_is_read_to_the_end_with_idle_sleep_reported(wearables):
    rec = read_gt3x(wearables / "small.gt3x")
    assert rec.n_samples == 1_467_810
    idle = [s for s in rec.stretches if s.kind == "idle"]
    assert len(idle) > 100
    idle_samples = sum(round(s.duration * rec.fs) for s in idle)
    assert idle_samples == 657_540
    assert any("Idle-sleep mode" in note for note in rec.notes)
    assert rec.duration == pytest.approx(1_467_810 / 30.0, rel=1e-3)


def test_idle_sleep_disabled_file_has_no_idle_stretches(wearables):
    assert not [s for s in read_gt3x(wearables / "ISM_Disabled.gt3x").stretches if s.kind == "idle"]
    assert [s for s in read_gt3x(wearables / "ISM_Enabled.gt3x").stretches if s.kind == "idle"]


def test_neo_gt3x_time_stamps_are_anchored_on_the_header_date(wearables):
    rec = read_gt3x(wearables / "neo.gt3x")
    # 2021-12-20, not the 1990 date the ticks/1e9 time stamps would give.
    assert 1_640_000_000 < rec.start < 1_640_100_000
    assert rec.duration == pytest.approx(600.1, abs=0.5)


def test_corrupt_cwa_blocks_are_reported_not_fatal(wearables):
    path = wearables / "ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa"
    raw = np.fromfile(path, dtype=np.uint8)
    _, bad = corrupt_cwa_blocks(raw)
    assert bad.tolist() == [0, 13, 14, 142, 143, 144]
    rec = read_cwa(path)
    assert "(block numbers 0, 13-14, 142-144)" in rec.notes[0]
    corrupt = [s for s in rec.stretches if s.kind == "corrupt"]
    assert len(corrupt) == 2
    assert corrupt[0].duration == pytest.approx(2.4, abs=0.1)


def test_corrupt_cwa_keeps_the_good_samples_of_the_intact_file(wearables):
    intact = read_cwa(wearables / "ax3_testfile.cwa")
    damaged = read_cwa(wearables / "ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa")
    # Blocks 1-12 (120 samples each) are the first the damaged file could read.
    np.testing.assert_array_equal(damaged.accel[: 12 * 120], intact.accel[120 : 13 * 120])
    assert damaged.start - intact.start == pytest.approx(1.2, abs=0.02)


def test_damaged_cwa_blocks_are_placed_at_the_rate_the_device_ran(wearables):
    # The AX3 ran at 98.87 Hz, not its nominal 100 Hz: 120-sample blocks last 1.214 s.
    # The damaged blocks 13-14 and 142-144 must cover the times the intact file's
    # samples of those blocks have (block 1 is the damaged file's first sample).
    intact = read_cwa(wearables / "ax3_testfile.cwa")
    rec = read_cwa(wearables / "ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa")
    t = intact.time - intact.time[120]
    rate = 120 * 143 / (intact.time[144 * 120] - intact.time[120])
    assert rate == pytest.approx(98.87, abs=0.02)
    first, last = (s for s in rec.stretches if s.kind == "corrupt")
    assert first.start == pytest.approx(t[13 * 120], abs=0.03)
    assert first.end == pytest.approx(t[15 * 120], abs=0.03)
    assert last.start == pytest.approx(t[142 * 120], abs=0.03)
    # The last block has no successor: its end follows at the measured rate.
    assert last.end == pytest.approx(t[-1] + 1 / rate, abs=0.03)


def test_intact_cwa_has_no_damage_reported(wearables):
    rec = read_cwa(wearables / "ax3_testfile.cwa")
    assert not [s for s in rec.stretches if s.kind in {"corrupt", "gap"}]


def test_genea_reader_matches_the_published_ggirread_values(wearables):
    # GGIRread's test: the first four pages give 1329 samples summing to 1,374,990 mg.
    rec = read_genea(wearables / "genea_testfile.bin")
    assert np.round(rec.accel[:1329] * 1000).sum() == 1_374_990
    assert rec.start == pytest.approx(1_269_950_917, abs=2)


def test_geneactiv_page_decoder_gives_the_library_samples(wearables, tmp_path):
    from skdh.io import ReadBin

    from nervepath.science.movement.readers.geneactiv import read_geneactiv_pages

    # scikit-digital-health rejects the real file for its truncated last page; on the
    # same file without that page both decoders must agree sample for sample.
    raw = (wearables / "GENEActiv_testfile.bin").read_bytes()
    whole_pages = tmp_path / "pages.bin"
    whole_pages.write_bytes(raw[: raw.rfind(b"Recorded Data")])
    library = ReadBin().predict(file=str(whole_pages))
    notes: list[str] = []
    time, accel, fs, corrupt = read_geneactiv_pages(whole_pages, notes)
    np.testing.assert_array_equal(accel, library["accel"])
    np.testing.assert_allclose(time, library["time"], atol=1e-6)
    assert fs == library["fs"] and notes == [] and corrupt == []


def test_truncated_geneactiv_page_is_reported(wearables):
    rec = read_night(wearables / "GENEActiv_testfile.bin")
    assert rec.notes == [
        "The GENEActiv file ends part-way through page 16 (the download was cut short); "
        "that page was left out."
    ]
