# SPDX-License-Identifier: AGPL-3.0-or-later
"""The sleep window: from PSG staging, or estimated from an accelerometer (HDCZA)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nervepath.science.movement.context import StudyEvents

__all__ = ["SleepWindow", "hdcza_from_epochs", "hdcza_sleep_window", "window_from_staging"]


@dataclass(frozen=True)
class SleepWindow:
    """The sleep period of a night.

    Parameters
    ----------
    start, end : float
        Seconds from the start of the recording.
    method : str
        How it was found (``"PSG staging"``, ``"HDCZA (van Hees 2018)"``, or
        ``"whole recording"`` when no sleep period could be found).
    sleep_intervals : ndarray, shape (K, 2)
        Stretches scored as sleep inside the window (PSG staging); for an
        accelerometer the window itself.
    """

    start: float
    end: float
    method: str
    sleep_intervals: np.ndarray

    @property
    def duration(self) -> float:
        """Window length in seconds."""
        return self.end - self.start

    @property
    def sleep_time(self) -> float:
        """Seconds scored as sleep (total sleep time for PSG)."""
        return float((self.sleep_intervals[:, 1] - self.sleep_intervals[:, 0]).sum())

    def is_sleep(self, t: np.ndarray) -> np.ndarray:
        """Whether each time (s) falls in a sleep interval."""
        iv = self.sleep_intervals
        if iv.size == 0:
            return np.zeros(t.shape, dtype=bool)
        idx = np.searchsorted(iv[:, 0], t, side="right") - 1
        ok = idx >= 0
        return ok & (t < iv[np.maximum(idx, 0), 1])


def window_from_staging(events: StudyEvents, duration: float) -> SleepWindow:
    """Sleep window from scored sleep stages.

    The window runs from the first to the end of the last sleep epoch (N1, N2, N3, R);
    the sleep intervals are the sleep epochs. Without staging, the whole recording is
    taken as sleep and the method says so.

    Parameters
    ----------
    events : StudyEvents
        Parsed annotations.
    duration : float
        Recording length in seconds.

    Returns
    -------
    SleepWindow
    """
    sleep = events.sleep_intervals()
    if sleep.size == 0:
        whole = np.array([[0.0, duration]])
        return SleepWindow(0.0, duration, "whole recording (no sleep staging in file)", whole)
    return SleepWindow(float(sleep[0, 0]), float(sleep[-1, 1]), "PSG staging", sleep)


def hdcza_sleep_window(
    time: np.ndarray,
    accel: np.ndarray,
    fs: float,
    *,
    epoch_s: float = 5.0,
    median_window_min: float = 5.0,
    percentile: float = 10.0,
    multiplier: float = 15.0,
    threshold_range: tuple[float, float] = (0.13, 0.50),
    min_block_min: float = 30.0,
    max_gap_min: float = 60.0,
) -> SleepWindow:
    """Estimate the sleep period from changes in the z-angle (HDCZA).

    The arm (or leg) angle is computed per 5-s epoch; the absolute change between
    successive epochs is smoothed by a 5-min rolling median; epochs below a threshold
    (10th percentile x 15, kept within 0.13-0.50 degrees as in GGIR) form rest blocks;
    blocks longer than 30 min separated by less than 60 min are joined; the longest
    joined block is the sleep period time window.

    Parameters
    ----------
    time : ndarray, shape (N,)
        Seconds from the first sample.
    accel : ndarray, shape (N, 3)
        Acceleration in g.
    fs : float
        Sampling rate in Hz.
    epoch_s, median_window_min, percentile, multiplier, threshold_range,
    min_block_min, max_gap_min : optional
        The published parameters of the method.

    Returns
    -------
    SleepWindow
        ``method`` is ``"whole recording"`` when the recording is shorter than one
        rest block or no block is found.

    References
    ----------
    van Hees VT, et al. Estimating sleep parameters using an accelerometer without
    sleep diary. Sci Rep 2018;8:12975. doi:10.1038/s41598-018-31266-z
    """
    duration = float(time[-1] - time[0] + 1.0 / fs) if time.size else 0.0
    step = round(epoch_s * fs)
    n_epochs = accel.shape[0] // step
    # Epoch means of the axes (a low-pass, as GGIR's 5-s rolling median).
    mean = accel[: n_epochs * step].reshape(n_epochs, step, 3).mean(axis=1)
    return hdcza_from_epochs(
        mean,
        time[: n_epochs * step : step],
        duration,
        epoch_s=epoch_s,
        median_window_min=median_window_min,
        percentile=percentile,
        multiplier=multiplier,
        threshold_range=threshold_range,
        min_block_min=min_block_min,
        max_gap_min=max_gap_min,
    )


def hdcza_from_epochs(
    mean: np.ndarray,
    t_epoch: np.ndarray,
    duration: float,
    *,
    epoch_s: float = 5.0,
    median_window_min: float = 5.0,
    percentile: float = 10.0,
    multiplier: float = 15.0,
    threshold_range: tuple[float, float] = (0.13, 0.50),
    min_block_min: float = 30.0,
    max_gap_min: float = 60.0,
) -> SleepWindow:
    """HDCZA from per-epoch mean acceleration (see :func:`hdcza_sleep_window`).

    Parameters
    ----------
    mean : ndarray, shape (E, 3)
        Mean acceleration of each ``epoch_s`` epoch, in g.
    t_epoch : ndarray, shape (E,)
        Start of each epoch in seconds from the first sample.
    duration : float
        Recording length in seconds.
    epoch_s, median_window_min, percentile, multiplier, threshold_range,
    min_block_min, max_gap_min : optional
        As for :func:`hdcza_sleep_window`.

    Returns
    -------
    SleepWindow

    References
    ----------
    van Hees VT, et al. Estimating sleep parameters using an accelerometer without
    sleep diary. Sci Rep 2018;8:12975. doi:10.1038/s41598-018-31266-z
    """
    whole = SleepWindow(
        0.0, duration, "whole recording (too short for HDCZA)", np.array([[0.0, duration]])
    )
    n_epochs = mean.shape[0]
    per_block = round(min_block_min * 60 / epoch_s)
    if n_epochs < per_block + 2:
        return whole
    angle = np.degrees(np.arctan2(mean[:, 2], np.hypot(mean[:, 0], mean[:, 1])))
    change = np.abs(np.diff(angle, prepend=angle[0]))
    w = max(1, round(median_window_min * 60 / epoch_s))
    padded = np.pad(change, (w // 2, w - 1 - w // 2), mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, w)
    smooth = np.empty(change.size)
    # In slices: np.median copies its input, and a week of 5-s epochs x 60 is 58 MB.
    for a in range(0, change.size, 4096):
        smooth[a : a + 4096] = np.median(windows[a : a + 4096], axis=1)
    threshold = float(np.percentile(smooth, percentile) * multiplier)
    threshold = float(np.clip(threshold, *threshold_range))
    rest = smooth < threshold
    edges = np.diff(np.concatenate(([0], rest.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    long = (ends - starts) > per_block
    starts, ends = starts[long], ends[long]
    if starts.size == 0:
        return SleepWindow(
            0.0,
            duration,
            "whole recording (HDCZA found no sleep period)",
            np.array([[0.0, duration]]),
        )
    max_gap = round(max_gap_min * 60 / epoch_s)
    joined = [[starts[0], ends[0]]]
    for s, e in zip(starts[1:], ends[1:], strict=True):
        if s - joined[-1][1] < max_gap:
            joined[-1][1] = e
        else:
            joined.append([s, e])
    s, e = max(joined, key=lambda b: b[1] - b[0])
    start = float(t_epoch[s])
    end = float(t_epoch[e - 1] + epoch_s) if e - 1 < t_epoch.size else duration
    return SleepWindow(start, end, "HDCZA (van Hees 2018)", np.array([[start, end]]))
