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
    plain_message,
)
from nervepath.science.movement.readers import read_csv, read_night
from nervepath.science.movement.recording import AccelRecording


def test_plain_message_drops_raw_bytes_and_keeps_it_short():
    raw = "Bad magic number: b'" + "".join(map(chr, range(256))) * 800 + "'"
    message = plain_message(ValueError(raw))
    assert len(message) <= 400
    assert message.isprintable()
    assert message.endswith("\u2026")
    assert plain_message("  The file\nis\x00 damaged.  ") == "The file is damaged."


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


def test_gt3x_with_zeroed_log_bytes_recovers_what_follows(tmp_path, wearables):
    intact = read_night(wearables / "ISM_Disabled.gt3x")
    assert isinstance(intact, AccelRecording)
    data = (wearables / "ISM_Disabled.gt3x").read_bytes()
    path = tmp_path / "cut.gt3x"
    # Keep the central directory (end of file) but zero a third of the stored log.
    damaged = bytearray(data)
    damaged[20000:40000] = bytes(20000)
    path.write_bytes(bytes(damaged))
    rec = read_night(path)
    assert isinstance(rec, AccelRecording)
    # The records after the zeroed bytes are read; the zeroed span is marked.
    assert rec.start == intact.start
    assert rec.start + rec.time[-1] == intact.start + intact.time[-1]
    [corrupt] = [s for s in rec.stretches if s.kind == "corrupt"]
    assert corrupt.duration > 90
    assert any("stepped over; the records after them were recovered" in n for n in rec.notes)
    # Every sample kept is the intact file's sample at that time.
    t_intact = np.round((intact.time + intact.start) * 30).astype(np.int64)
    t_rec = np.round((rec.time + rec.start) * 30).astype(np.int64)
    at = np.searchsorted(t_intact, t_rec)
    np.testing.assert_array_equal(t_intact[at], t_rec)
    np.testing.assert_array_equal(intact.accel[at], rec.accel)
    assert rec.n_samples == 9000 - 106 * 30  # 20,000 bytes of 189-byte records


def test_gt3x_with_its_first_records_zeroed_says_the_start_is_lost(tmp_path, wearables):
    data = bytearray((wearables / "ISM_Disabled.gt3x").read_bytes())
    # Bytes 200-20000 hold the log's local header and its first 99 s of records.
    data[200:20000] = bytes(19800)
    path = tmp_path / "start.gt3x"
    path.write_bytes(bytes(data))
    rec = read_night(path)
    assert rec.duration == pytest.approx(201, abs=1)
    assert any(n.startswith("The start of the recording is lost: 2 min") for n in rec.notes)


def test_gt3x_cut_short_before_its_info_is_read_up_to_the_cut(tmp_path, wearables):
    intact = read_night(wearables / "ggir_actigraph_testfile.gt3x")
    assert isinstance(intact, AccelRecording)
    data = (wearables / "ggir_actigraph_testfile.gt3x").read_bytes()
    path = tmp_path / "cut.gt3x"
    # Cut in the log, so info.txt (the last member) is lost: the log's parameters
    # record gives the rate, scale and start.
    path.write_bytes(data[: len(data) // 2])
    rec = read_night(path)
    assert isinstance(rec, AccelRecording)
    assert rec.fs == intact.fs and rec.start == intact.start
    np.testing.assert_array_equal(rec.accel, intact.accel[: rec.n_samples])
    assert 0.4 < rec.n_samples / intact.n_samples < 0.6
    assert "cut short before its info.txt" in rec.notes[0]
    assert "after 50% of its recording data" in rec.notes[1]


def test_gt3x_cut_before_any_record_is_refused_with_a_sentence(tmp_path, wearables):
    data = (wearables / "ggir_actigraph_testfile.gt3x").read_bytes()
    path = tmp_path / "cut.gt3x"
    path.write_bytes(data[:60])
    with pytest.raises(CorruptFileError, match=r"info\.txt .* lost, so no sample can be placed"):
        read_night(path)


def test_broken_zip_message_is_a_short_sentence(tmp_path):
    path = tmp_path / "broken.gt3x"
    # A zip's end record with garbage after it: zipfile's own message would quote bytes.
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 800 + b"PK\x05\x06" + b"\xff" * 18)
    with pytest.raises(MovementInputError) as caught:
        read_night(path)
    message = str(caught.value)
    assert len(message) < 300
    assert message.isprintable() and "\\x" not in message


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
