# SPDX-License-Identifier: AGPL-3.0-or-later
"""The chunked .cwa decoder gives the libraries' samples; streaming gives the same night."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.science.movement import analyze_file
from nervepath.science.movement.readers import read_cwa
from nervepath.science.movement.readers.cwa_stream import iter_cwa
from nervepath.science.movement.stream import analyze_cwa_stream

from ..cwa_writer import write_cwa_night

CWA_FILES = [
    "ax3_testfile.cwa",  # packed samples, compared with scikit-digital-health
    "ax6_testfile.cwa",  # unpacked 16-bit with gyroscope, scikit-digital-health
]


@pytest.mark.parametrize("name", CWA_FILES)
@pytest.mark.parametrize("chunk_blocks", [7, 3000])
def test_chunked_decoder_gives_the_library_samples(wearables, name, chunk_blocks):
    library = read_cwa(wearables / name)
    chunks = list(iter_cwa(wearables / name, chunk_blocks=chunk_blocks))
    accel = np.concatenate([c.accel for c in chunks])
    time = np.concatenate([c.time for c in chunks])
    np.testing.assert_array_equal(accel, library.accel)
    # Time stamps agree within two samples (the libraries interpolate differently).
    np.testing.assert_allclose(time, library.time + library.start, atol=0.025)


def test_chunked_decoder_lists_the_damaged_blocks(wearables):
    path = wearables / "ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa"
    bad = [b for c in iter_cwa(path, chunk_blocks=10) for b in c.bad_blocks]
    assert bad == [0, 13, 14, 142, 143, 144]


@pytest.fixture(scope="module")
def two_hours(tmp_path_factory, wearables):
    path = tmp_path_factory.mktemp("cwa") / "two-hours.cwa"
    n = write_cwa_night(wearables / "ax3_testfile.cwa", path, hours=2)
    return path, n


def test_written_long_file_is_valid_for_the_library(two_hours):
    path, n = two_hours
    rec = read_cwa(path)
    assert rec.n_samples == n == 720_000
    assert np.diff(rec.time).max() < 0.0101
    assert not rec.stretches


@pytest.mark.parametrize("chunk_blocks", [125, 1111, 3000])
def test_streamed_analysis_equals_whole_file_analysis(two_hours, chunk_blocks):
    path, _ = two_hours
    whole = analyze_file(path)
    # 125 blocks = 15 s per chunk: many edges; 1111 blocks: edges off the 10-s grid.
    streamed = analyze_cwa_stream(path, chunk_blocks=chunk_blocks)
    assert streamed.n_leg_movements == whole.n_leg_movements > 100
    a, b = streamed.to_dict(), whole.to_dict()
    assert a.pop("device") == "Axivity (.cwa, streamed)"
    b.pop("device")
    # Every number and every movement row (onset, offset, amplitude, series, flags) is
    # the whole-file path's, exactly.
    assert a == b


@pytest.mark.parametrize("chunk_blocks", [7, 14, 3000])
def test_streamed_damaged_file_reports_what_the_whole_file_path_reports(wearables, chunk_blocks):
    path = wearables / "ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa"
    whole = analyze_file(path).to_dict()
    streamed = analyze_cwa_stream(path, chunk_blocks=chunk_blocks).to_dict()
    # Damaged blocks 13-14 and 142-144 are corrupt stretches (block 0 precedes the
    # first sample), placed by the time stamps and the rate measured from the blocks
    # around them (98.87 Hz), whatever the chunk edges.
    assert [(s["start_s"], s["end_s"], s["kind"]) for s in streamed["stretches"]] == [
        (14.56, 16.99, "corrupt"),
        (171.16, 174.82, "corrupt"),
    ]
    whole.pop("device")
    streamed.pop("device")
    assert streamed == whole


@pytest.mark.parametrize(
    "kind",
    ["swapped blocks", "duplicated block", "time stamp one day ahead", "zeroed block"],
)
def test_streamed_damaged_variants_report_what_the_whole_file_path_reports(
    wearables, tmp_path, kind
):
    from .damage import cwa_variants

    raw = (wearables / "ax3_testfile.cwa").read_bytes()
    [variant] = [v for v in cwa_variants("ax3_testfile.cwa", raw) if v.kind == kind]
    path = tmp_path / "night.cwa"
    path.write_bytes(variant.data)
    whole = analyze_file(path).to_dict()
    whole.pop("device")
    # 7 blocks a chunk: the damage at block 48 sits on a chunk edge (42-48, 49-55).
    for chunk_blocks in (7, 3000):
        streamed = analyze_cwa_stream(path, chunk_blocks=chunk_blocks).to_dict()
        streamed.pop("device")
        assert np.all(np.diff([s["start_s"] for s in streamed["stretches"]]) >= 0)
        if chunk_blocks == 3000 or kind != "swapped blocks":
            assert streamed == whole
        else:
            # Swapped across a chunk edge: one block cannot be put back; it is marked
            # (the block before it ends at the measured rate, a sample from the next).
            kinds = {s["kind"]: s for s in streamed["stretches"]}
            assert kinds["corrupt"]["duration_s"] == pytest.approx(1.21, abs=0.01)
            assert set(kinds) <= {"corrupt", "gap"}
            assert kinds.get("gap", {"duration_s": 0})["duration_s"] < 0.02
            assert any("out of order" in n for n in streamed["notes"])
