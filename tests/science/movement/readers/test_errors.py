# SPDX-License-Identifier: AGPL-3.0-or-later
"""Readers turn bad input into typed errors a clinician can act on."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from nervepath.science.movement.errors import (
    CorruptFileError,
    MissingChannelError,
    MovementInputError,
    UnsupportedFormatError,
)
from nervepath.science.movement.readers import read_csv, read_night
from nervepath.science.movement.recording import AccelRecording


def test_every_input_error_is_a_value_error():
    for cls in (CorruptFileError, MissingChannelError, UnsupportedFormatError):
        assert issubclass(cls, MovementInputError)
    assert issubclass(MovementInputError, ValueError)


def test_unknown_extension_names_the_supported_formats(tmp_path):
    path = tmp_path / "night.xyz"
    path.write_text("hello")
    with pytest.raises(UnsupportedFormatError, match=r"\.cwa.*\.gt3x"):
        read_night(path)


def test_empty_file_is_corrupt(tmp_path):
    path = tmp_path / "night.cwa"
    path.write_bytes(b"")
    with pytest.raises(CorruptFileError, match="empty"):
        read_night(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_night(tmp_path / "nope.cwa")


def test_cwa_without_axivity_header_is_unsupported(tmp_path):
    path = tmp_path / "fake.cwa"
    path.write_bytes(b"\x00" * 4096)
    with pytest.raises(UnsupportedFormatError, match="Axivity"):
        read_night(path)


def test_cwa_truncated_to_its_header_is_corrupt(tmp_path, wearables):
    path = tmp_path / "short.cwa"
    path.write_bytes((wearables / "ax3_testfile.cwa").read_bytes()[:1024])
    with pytest.raises(CorruptFileError, match="no data blocks"):
        read_night(path)


def test_cwa_cut_mid_block_is_read_with_a_note(tmp_path, wearables):
    path = tmp_path / "cut.cwa"
    path.write_bytes((wearables / "ax3_testfile.cwa").read_bytes()[: 1024 + 512 * 20 + 100])
    rec = read_night(path)
    assert isinstance(rec, AccelRecording)
    assert rec.n_samples == 20 * 120
    assert any("truncated" in n for n in rec.notes)


def test_gt3x_that_is_not_a_zip_is_unsupported(tmp_path):
    path = tmp_path / "fake.gt3x"
    path.write_bytes(b"not a zip" * 100)
    with pytest.raises(UnsupportedFormatError, match="zip"):
        read_night(path)


def test_gt3x_cut_in_half_is_corrupt(tmp_path, wearables):
    data = (wearables / "ISM_Disabled.gt3x").read_bytes()
    path = tmp_path / "cut.gt3x"
    # Keep the central directory (end of file) but damage the compressed log.
    damaged = bytearray(data)
    damaged[200:20000] = b"\x00" * (20000 - 200)
    path.write_bytes(bytes(damaged))
    with pytest.raises((CorruptFileError, UnsupportedFormatError)):
        read_night(path)


def test_bin_that_is_neither_geneactiv_nor_genea_is_unsupported(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x01\x02" * 1000)
    with pytest.raises(UnsupportedFormatError, match="GENEActiv"):
        read_night(path)


def test_csv_without_axes_names_the_missing_column(tmp_path):
    path = tmp_path / "night.csv"
    path.write_text("time,x,y\n0,0,0\n0.01,0,0\n")
    with pytest.raises(MissingChannelError, match="'z'"):
        read_csv(path)


def test_csv_without_time_column_is_missing_channel(tmp_path):
    path = tmp_path / "night.csv"
    path.write_text("x,y,z\n0,0,1\n0,0,1\n")
    with pytest.raises(MissingChannelError, match="time column"):
        read_csv(path)


def test_csv_with_text_in_axes_is_corrupt(tmp_path):
    path = tmp_path / "night.csv"
    path.write_text("time,x,y,z\n0,0,0,1\n0.01,a,0,1\n")
    with pytest.raises(CorruptFileError, match="non-numeric"):
        read_csv(path)


def test_csv_with_iso_times_reads_rate_and_values(tmp_path):
    t = np.datetime64("2024-03-01T22:00:00") + np.arange(500) * np.timedelta64(20, "ms")
    lines = ["timestamp,x,y,z"] + [f"{s},0.0,0.0,1.0" for s in t.astype(str)]
    path = tmp_path / "night.csv"
    path.write_text("\n".join(lines))
    rec = read_csv(path)
    assert rec.fs == pytest.approx(50.0)
    assert rec.n_samples == 500
    assert rec.accel[:, 2].mean() == pytest.approx(1.0)


def test_csv_gap_is_reported(tmp_path):
    t = np.concatenate([np.arange(1000), np.arange(2000, 3000)]) / 100.0
    lines = ["time,x,y,z"] + [f"{s:.2f},0,0,1" for s in t]
    path = tmp_path / "night.csv"
    path.write_text("\n".join(lines))
    rec = read_csv(path)
    gaps = [s for s in rec.stretches if s.kind == "gap"]
    assert len(gaps) == 1
    assert gaps[0].start == pytest.approx(10.0)
    assert gaps[0].end == pytest.approx(20.0)


def test_copy_of_real_file_under_other_name_still_reads(tmp_path, wearables):
    path = tmp_path / "NIGHT.CWA"
    shutil.copy(wearables / "ax3_testfile.cwa", path)
    rec = read_night(path)
    assert isinstance(rec, AccelRecording) and rec.n_samples == 17400
