# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sleep studies as EDF+ files: channels by label, annotations, respiratory events."""

from __future__ import annotations

import datetime as dt

import edfio
import numpy as np
import pytest

from nervepath.science.movement import (
    MissingChannelError,
    SamplingRateTooLowError,
    analyze_file,
    read_night,
)
from nervepath.science.movement.readers.edf import find_leg_channels
from nervepath.science.movement.recording import EmgRecording

from .simulate import simulate_emg_night


def write_edf(path, channels, fs, labels, annotations=(), unit="uV", extra=True):
    signals = [
        edfio.EdfSignal(
            channels[side],
            fs,
            label=label,
            physical_dimension=unit,
            physical_range=(-500.0, 500.0) if unit == "uV" else (-0.5, 0.5),
        )
        for side, label in labels.items()
    ]
    if extra:
        n = next(iter(channels.values())).size
        signals.insert(
            0, edfio.EdfSignal(np.zeros(n), fs, label="EEG C3-M2", physical_range=(-500.0, 500.0))
        )
    edf = edfio.Edf(
        signals,
        starttime=dt.time(22, 30, 0),
        annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in annotations],
    )
    edf.write(path)
    return path


def staging(duration: float) -> list[tuple[float, float, str]]:
    out = []
    for onset in np.arange(0, duration, 30.0):
        stage = "Sleep stage W" if onset < 300 or onset >= duration - 300 else "Sleep stage N2"
        out.append((float(onset), 30.0, stage))
    return out


@pytest.fixture(scope="module")
def night():
    return simulate_emg_night(11, hours=1.0)


def test_edf_night_is_read_with_legs_found_by_label(tmp_path, night):
    rec, _ = night
    path = write_edf(
        tmp_path / "psg.edf", rec.channels, rec.fs, {"left": "Leg L", "right": "Leg R"}
    )
    got = read_night(path)
    assert isinstance(got, EmgRecording)
    assert set(got.channels) == {"left", "right"}
    assert got.labels == {"left": "Leg L", "right": "Leg R"}
    np.testing.assert_allclose(got.channels["left"], rec.channels["left"], atol=0.02)


def test_staging_sets_the_sleep_window_and_wake_counts_apart(tmp_path, night):
    rec, _ = night
    duration = rec.duration
    path = write_edf(
        tmp_path / "psg.edf",
        rec.channels,
        rec.fs,
        {"left": "LAT", "right": "RAT"},
        staging(duration),
    )
    report = analyze_file(path)
    assert report.sleep_window_method == "PSG staging"
    assert report.sleep_h == pytest.approx((duration - 600) / 3600)
    assert report.sleep_window_start.endswith("22:35:00")
    in_wake = [m for m in report.movements if m.onset_s < 300 or m.onset_s >= duration - 300]
    assert all(not m.in_sleep for m in in_wake)
    assert report.n_plms + report.n_plmw == report.n_plm


def test_respiratory_related_movements_are_counted_separately(tmp_path, night):
    rec, truth = night
    # Put an apnea ending 1 s before five movements that follow a quiet spell.
    onset = truth.movements.onset
    onsets = onset[1:][np.diff(onset) > 5][:5]
    events = [(float(o - 16), 15.0, "Obstructive Apnea") for o in onsets]
    arousals = [(float(truth.movements.onset[6] + 0.2), 3.0, "Arousal")]
    path = write_edf(
        tmp_path / "psg.edf",
        rec.channels,
        rec.fs,
        {"left": "Leg L", "right": "Leg R"},
        events + arousals,
    )
    report = analyze_file(path)
    assert report.n_respiratory_related >= 5
    assert report.n_arousal_associated >= 1
    if report.n_plms:
        assert report.plms_index_no_respiratory <= report.plms_index


def test_edf_without_leg_channels_names_what_it_found(tmp_path, night):
    rec, _ = night
    path = write_edf(tmp_path / "psg.edf", {"x": rec.channels["left"]}, rec.fs, {"x": "Chin EMG"})
    with pytest.raises(MissingChannelError, match="Chin EMG"):
        read_night(path)


def test_emg_sampled_too_slowly_is_refused(tmp_path):
    slow = {"left": np.zeros(50 * 60)}
    path = write_edf(tmp_path / "slow.edf", slow, 50.0, {"left": "Leg L"}, extra=False)
    with pytest.raises(SamplingRateTooLowError, match="50 Hz"):
        analyze_file(path)


def test_millivolt_channels_are_scaled_to_microvolts(tmp_path):
    data = {"left": np.full(256 * 10, 0.1)}
    path = write_edf(tmp_path / "mv.edf", data, 256.0, {"left": "Leg L"}, unit="mV", extra=False)
    got = read_night(path)
    assert isinstance(got, EmgRecording)
    assert got.channels["left"][0] == pytest.approx(100.0, rel=1e-3)


def test_truncated_edf_is_corrupt(tmp_path, night):
    rec, _ = night
    path = write_edf(
        tmp_path / "psg.edf", rec.channels, rec.fs, {"left": "Leg L", "right": "Leg R"}
    )
    raw = path.read_bytes()
    cut = tmp_path / "cut.edf"
    cut.write_bytes(raw[:300])
    from nervepath.science.movement import CorruptFileError

    with pytest.raises(CorruptFileError):
        read_night(cut)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["EEG", "Leg L", "Leg R"], {"left": 1, "right": 2}),
        (["LAT", "RAT"], {"left": 0, "right": 1}),
        (["EMG Tib L", "EMG Tib R"], {"left": 0, "right": 1}),
        (["Left Leg", "Right Leg"], {"left": 0, "right": 1}),
        (["L-TIB", "R-TIB"], {"left": 0, "right": 1}),
        (["Chin", "ECG", "Flow"], {}),
        (["Leg/L", "Leg/R"], {"left": 0, "right": 1}),
    ],
)
def test_leg_channel_labels(labels, expected):
    assert find_leg_channels(labels) == expected


def test_direct_reader_gives_edfio_samples_and_annotations(tmp_path, night):
    from nervepath.science.movement.readers.edf import _read_edf_with_edfio

    rec, _ = night
    events = [(12.5, 20.0, "Obstructive Apnea"), (300.25, 0.0, "Arousal"), (601.0, 3.0, "LM")]
    path = write_edf(
        tmp_path / "psg.edf",
        rec.channels,
        rec.fs,
        {"left": "Leg L", "right": "Leg R"},
        events + staging(600.0),
    )
    direct, library = read_night(path), _read_edf_with_edfio(path)
    assert isinstance(direct, EmgRecording) and isinstance(library, EmgRecording)
    assert direct.fs == library.fs and direct.start == library.start
    assert direct.labels == library.labels and direct.notes == library.notes
    for side in ("left", "right"):
        # float32 samples: within a thousandth of a µV of the library's float64.
        np.testing.assert_allclose(direct.channels[side], library.channels[side], atol=1e-3)
    key = lambda a: (a.onset, a.label)  # noqa: E731
    assert [(a.onset, a.duration, a.label) for a in sorted(direct.annotations, key=key)] == [
        (a.onset, a.duration, a.label) for a in sorted(library.annotations, key=key)
    ]
    assert len(direct.annotations) == 3 + 20
