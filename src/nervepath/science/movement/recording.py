# SPDX-License-Identifier: AGPL-3.0-or-later
"""Plain containers for what the readers return.

Times inside a recording are seconds; ``start`` holds the clock time of the first
sample as POSIX seconds of the device clock (devices store local wall-clock time,
so no time zone is implied).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "AccelRecording",
    "Annotation",
    "EmgRecording",
    "Stretch",
    "gap_stretches",
    "stretches_from_mask",
]

#: Kinds of stretch a reader reports instead of silently filling it.
STRETCH_KINDS = ("gap", "idle", "corrupt", "nonwear")


@dataclass(frozen=True)
class Stretch:
    """A stretch of a recording without usable data.

    Parameters
    ----------
    start, end : float
        Seconds from the first sample of the recording.
    kind : str
        ``"gap"`` (no samples), ``"idle"`` (device idle-sleep mode, samples filled in
        by the device software), ``"corrupt"`` (damaged blocks skipped) or
        ``"nonwear"`` (device not worn).
    """

    start: float
    end: float
    kind: str

    @property
    def duration(self) -> float:
        """Length of the stretch in seconds."""
        return self.end - self.start


@dataclass(frozen=True)
class Annotation:
    """One scored event of a sleep study (stage epoch, arousal, respiratory event).

    Parameters
    ----------
    onset, duration : float
        Seconds from the start of the recording, and length in seconds.
    label : str
        The label as written in the file.
    """

    onset: float
    duration: float
    label: str

    @property
    def end(self) -> float:
        """End of the event in seconds from the start of the recording."""
        return self.onset + self.duration


@dataclass
class AccelRecording:
    """A triaxial accelerometer recording.

    Parameters
    ----------
    time : ndarray, shape (N,)
        Seconds from the first sample (float64, strictly increasing).
    accel : ndarray, shape (N, 3)
        Acceleration in g.
    fs : float
        Nominal sampling rate in Hz.
    start : float
        POSIX seconds (device clock) of the first sample.
    device : str
        Device and format, e.g. ``"Axivity AX3 (.cwa)"``.
    stretches : list of Stretch
        Gaps, idle-sleep, corrupt and non-wear stretches found by the reader.
    notes : list of str
        Reader messages worth showing to the clinician.
    """

    time: np.ndarray
    accel: np.ndarray
    fs: float
    start: float
    device: str
    stretches: list[Stretch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        """Recorded span in seconds (first to last sample plus one sample)."""
        if self.time.size == 0:
            return 0.0
        return float(self.time[-1] - self.time[0] + 1.0 / self.fs)

    @property
    def n_samples(self) -> int:
        """Number of samples per axis."""
        return int(self.time.size)


@dataclass
class EmgRecording:
    """A sleep-study recording with left and/or right tibialis anterior EMG.

    Parameters
    ----------
    channels : dict of str to ndarray
        ``{"left": ..., "right": ...}``, EMG in µV (one or both legs).
    fs : float
        Sampling rate of the EMG in Hz.
    start : float
        POSIX seconds (recording clock) of the first sample.
    device : str
        Format description.
    labels : dict of str to str
        The file's channel label used for each leg.
    annotations : list of Annotation
        Sleep stages, arousals and respiratory events when the file has them.
    stretches : list of Stretch
        Gaps found by the reader (EDF+D discontinuities).
    notes : list of str
        Reader messages.
    """

    channels: dict[str, np.ndarray]
    fs: float
    start: float
    device: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: list[Annotation] = field(default_factory=list)
    stretches: list[Stretch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        """Recorded span in seconds."""
        n = max((len(v) for v in self.channels.values()), default=0)
        return n / self.fs


def stretches_from_mask(mask: np.ndarray, time: np.ndarray, fs: float, kind: str) -> list[Stretch]:
    """Turn a boolean per-sample mask into stretches.

    Parameters
    ----------
    mask : ndarray of bool, shape (N,)
        True where the sample belongs to the stretch kind.
    time : ndarray, shape (N,)
        Seconds from the first sample.
    fs : float
        Sampling rate in Hz (the last sample of a stretch lasts ``1 / fs``).
    kind : str
        Stretch kind.

    Returns
    -------
    list of Stretch
    """
    if mask.size == 0 or not mask.any():
        return []
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return [
        Stretch(float(time[s]), float(time[e] + 1.0 / fs), kind)
        for s, e in zip(starts, ends, strict=True)
    ]


def gap_stretches(time: np.ndarray, fs: float, tolerance: float = 1.5) -> list[Stretch]:
    """Find gaps between consecutive samples longer than ``tolerance / fs``.

    Parameters
    ----------
    time : ndarray, shape (N,)
        Seconds from the first sample.
    fs : float
        Nominal sampling rate in Hz.
    tolerance : float, optional
        A step longer than ``tolerance`` sample periods is a gap.

    Returns
    -------
    list of Stretch
    """
    if time.size < 2:
        return []
    steps = np.diff(time)
    idx = np.flatnonzero(steps > tolerance / fs)
    return [Stretch(float(time[i] + 1.0 / fs), float(time[i + 1]), "gap") for i in idx]
