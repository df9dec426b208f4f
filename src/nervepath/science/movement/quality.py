# SPDX-License-Identifier: AGPL-3.0-or-later
"""Signal quality of leg EMG, graded per 30-s epoch.

Each epoch of each leg channel gets its resting noise floor, mains hum, ECG
contamination, clipped and flat share, and a grade. An epoch that cannot be scored
(noise too high for the offset rule, flat line, clipping, lead off) is left out of the
indices; the report states the scored time and the figure shades those epochs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nervepath.science.movement.events import median

__all__ = [
    "EPOCH_S",
    "MIN_SCORED_SLEEP_H",
    "QUALITY_LIMITS",
    "EpochQuality",
    "grade_emg_epochs",
    "unscorable_spans",
]

#: Epoch length of the grading, s: the scoring epoch of AASM 2012 (Berry 2012).
EPOCH_S = 30.0

#: Below this much scored sleep a night gives no index, only the reason. One periodic
#: series lasts minutes (4 or more movements 10-90 s apart, WASM 2016), so under an
#: hour a single series decides a per-hour index. Clinical per-hour sleep indices are
#: read from at least 2 h of sleep (CMS NCD 240.4 for the apnea-hypopnea index); an
#: hour is the least at which nervepath shows the index at all, with the scored time
#: beside it.
MIN_SCORED_SLEEP_H = 1.0

#: Limits of a scorable epoch. Rationale for each:
QUALITY_LIMITS: dict[str, float] = {
    # Resting noise RMS above which the 2-µV offset margin of WASM 2016 is lost: at
    # 10 µV the detector's running-median envelope already spreads by about 1 µV, half
    # the margin, so movements no longer end where they end.
    "max_noise_uv": 10.0,
    # Mains hum (fitted amplitude) above which the electrode is taken as off or
    # loose: a tibialis lead at the impedance AASM 2012 asks for (under 10 kOhm)
    # picks up a few µV; tens of µV mean the lead is open.
    "max_hum_uv": 50.0,
    # Share of samples at the channel's extreme values (the amplifier's rails) above
    # which the epoch is clipped: amplitudes and the resting level are then unknown.
    "max_clipped": 0.05,
    # Share of the epoch in 1-s blocks whose spread is under ``flat_uv`` above which
    # the channel is a flat line (a connected tibialis lead always shows some noise).
    "max_flat": 0.5,
    "flat_uv": 0.05,
}

#: Grades that make an epoch unscorable, in the order they are reported.
UNSCORABLE = ("flat", "disconnected", "clipped", "noisy")


@dataclass
class EpochQuality:
    """Quality of one leg channel, one row per epoch.

    Parameters
    ----------
    start : ndarray, shape (E,)
        Epoch starts in seconds.
    noise_uv, hum_uv, ecg_uv : ndarray, shape (E,)
        Resting noise RMS, mains hum amplitude and the QRS spike level above rest
        (µV of rectified EMG); the detector removes hum and ECG, these say how much
        there was.
    clipped, flat : ndarray, shape (E,)
        Shares of the epoch clipped and flat (0-1).
    grade : ndarray of str, shape (E,)
        ``"good"`` or one of :data:`UNSCORABLE`.
    """

    start: np.ndarray
    noise_uv: np.ndarray
    hum_uv: np.ndarray
    ecg_uv: np.ndarray
    clipped: np.ndarray
    flat: np.ndarray
    grade: np.ndarray

    @property
    def scorable(self) -> np.ndarray:
        """Whether each epoch can be scored."""
        return self.grade == "good"

    def summary(self) -> dict[str, float | int | dict[str, int]]:
        """Medians and counts for the report."""
        grades = {g: int((self.grade == g).sum()) for g in UNSCORABLE}
        return {
            "epochs": int(self.start.size),
            "unscorable_epochs": int((~self.scorable).sum()),
            "noise_uv_median": _median(self.noise_uv),
            "hum_uv_median": _median(self.hum_uv),
            "ecg_uv_median": _median(self.ecg_uv),
            "clipped_epochs": grades["clipped"],
            "flat_epochs": grades["flat"],
            "disconnected_epochs": grades["disconnected"],
            "noisy_epochs": grades["noisy"],
        }


def _median(x: np.ndarray) -> float:
    return float(median(x)) if x.size else float("nan")


def _per_epoch(values: np.ndarray, per_epoch: int, n_epochs: int, how: str) -> np.ndarray:
    out = np.full(n_epochs, np.nan)
    if per_epoch <= 0 or values.size == 0:
        return out
    full = min(n_epochs, values.size // per_epoch)
    if full:
        block = values[: full * per_epoch].reshape(full, per_epoch)
        out[:full] = median(block, axis=1) if how == "median" else block.mean(axis=1)
    if full < n_epochs and values.size > full * per_epoch:
        rest = values[full * per_epoch :]
        out[full] = median(rest) if how == "median" else rest.mean()
    return out


def _clip_fraction_counts(counts: np.ndarray, n: int, per_epoch: int, n_epochs: int) -> np.ndarray:
    full = min(n_epochs, n // per_epoch)
    out = np.full(n_epochs, np.nan)
    out[:full] = counts[:full].astype(np.float32) / np.float32(per_epoch)
    if full < n_epochs and n > full * per_epoch:
        out[full] = np.float32(counts[full]) / np.float32(n - full * per_epoch)
    return out


def _rail_counts(
    blocks: np.ndarray, rows: np.ndarray, tail: np.ndarray, rail: float, per_epoch: int
) -> np.ndarray | None:
    """Samples at ``rail`` per epoch, or None unless there are at least three and two
    of them are neighbours (a repeated extreme is clipping; a lone peak is not).

    Only the 1-s blocks ``rows`` (those whose extreme is the rail) and the ``tail``
    after the last whole block are searched, a few hundred blocks at a time.
    """
    sec = blocks.shape[1]
    nb = blocks.shape[0]
    n_epochs = (nb * sec + tail.size) // per_epoch + 2
    counts = np.zeros(n_epochs, dtype=np.int64)
    total, adjacent = 0, False
    first = np.zeros(rows.size, dtype=bool)
    last = np.zeros(rows.size, dtype=bool)
    step = max(1, (1 << 18) // max(sec, 1))
    for j0 in range(0, rows.size, step):
        j1 = min(rows.size, j0 + step)
        eq = blocks[rows[j0:j1]] == rail
        first[j0:j1], last[j0:j1] = eq[:, 0], eq[:, -1]
        adjacent = adjacent or bool((eq[:, 1:] & eq[:, :-1]).any())
        if per_epoch % sec == 0:
            per_row = np.count_nonzero(eq, axis=1)
            total += int(per_row.sum())
            counts += np.bincount(rows[j0:j1] * sec // per_epoch, per_row, n_epochs).astype(
                np.int64
            )
        else:
            r, c = np.nonzero(eq)
            total += r.size
            counts += np.bincount((rows[j0:j1][r] * sec + c) // per_epoch, minlength=n_epochs)
    if rows.size > 1 and not adjacent:
        after = np.flatnonzero(np.diff(rows) == 1)
        adjacent = bool((last[after] & first[after + 1]).any())
    if tail.size:
        in_tail = np.flatnonzero(tail == rail)
        total += in_tail.size
        counts += np.bincount((nb * sec + in_tail) // per_epoch, minlength=n_epochs)
        adjacent = adjacent or bool(np.any(np.diff(in_tail) == 1))
        if in_tail.size and in_tail[0] == 0 and rows.size and rows[-1] == nb - 1:
            adjacent = adjacent or bool(last[-1])
    if total < 3 or not adjacent:
        return None
    return counts


def grade_emg_epochs(
    emg: np.ndarray,
    fs: float,
    *,
    block_envelope: np.ndarray,
    median_envelope: np.ndarray,
    resting: np.ndarray,
    env_fs: float,
    hum_uv: np.ndarray,
    hum_block_s: float,
    limits: dict[str, float] | None = None,
    epoch_s: float = EPOCH_S,
    block_extremes: tuple[np.ndarray, np.ndarray] | None = None,
) -> EpochQuality:
    """Grade each epoch of one leg channel from the detector's intermediate signals.

    Parameters
    ----------
    emg : ndarray, shape (N,)
        The raw EMG in µV.
    fs : float
        Its sampling rate.
    block_envelope, median_envelope, resting : ndarray, shape (M,)
        The 10-ms rectified envelope, its running median and the resting level.
    env_fs : float
        Their rate in Hz.
    hum_uv : ndarray
        Fitted mains amplitude per hum block (the larger of 50 and 60 Hz).
    hum_block_s : float
        Length of a hum block in seconds.
    limits : dict, optional
        Overrides of :data:`QUALITY_LIMITS`.
    epoch_s : float, optional
        Epoch length (30 s).
    block_extremes : (ndarray, ndarray), optional
        The maximum and minimum of each whole 1-s block of ``emg`` (``round(fs)``
        samples), when the caller has them already.

    Returns
    -------
    EpochQuality
    """
    lim = {**QUALITY_LIMITS, **(limits or {})}
    duration = emg.size / fs
    n_epochs = max(1, int(np.ceil(duration / epoch_s - 1e-9))) if emg.size else 0
    start = np.arange(n_epochs) * epoch_s
    # Resting noise: the resting level of the rectified EMG is 0.8 of the RMS of
    # Gaussian noise (the mean absolute value, sqrt(2/pi)).
    noise = _per_epoch(resting, round(epoch_s * env_fs), n_epochs, "median") / np.sqrt(2 / np.pi)
    hum = _per_epoch(hum_uv, round(epoch_s / hum_block_s), n_epochs, "median")
    hum = np.nan_to_num(hum, nan=0.0)
    # ECG: the spikes that stand above the smoothed envelope (what the detector's
    # running median removes): the largest in each second, its median per epoch. A
    # heart beating about once a second puts one QRS complex in most seconds.
    sec = max(1, round(env_fs))
    m = min(block_envelope.size, median_envelope.size) // sec
    ecg = np.zeros(n_epochs)
    if m:
        spikes = block_envelope[: m * sec] - median_envelope[: m * sec]
        per_second = spikes.reshape(m, sec).max(axis=1)
        ecg = np.nan_to_num(_per_epoch(per_second, round(epoch_s), n_epochs, "median"))
        np.maximum(ecg, 0.0, out=ecg)
    # Flat: 1-s blocks whose spread is almost nil.
    x = np.asarray(emg)
    sec = max(1, round(fs))
    nb = x.size // sec
    flat_blocks = np.zeros(0)
    blocks = x[: nb * sec].reshape(nb, sec)
    tail = x[nb * sec :]
    if block_extremes is not None and block_extremes[0].size == nb:
        top, bottom = block_extremes
    else:
        top, bottom = blocks.max(axis=1), blocks.min(axis=1)
    if nb:
        flat_blocks = (top - bottom < lim["flat_uv"]).astype(np.float64)
    # Clipping: samples at the channel's extremes, where the extreme repeats; the
    # fraction of such samples per epoch (counted from their positions, as the mean
    # of a float32 mask would give it). Only the 1-s blocks that reach an extreme
    # are searched for it.
    per_clip = round(epoch_s * fs)
    clip = np.zeros(n_epochs)
    if x.size > 2 and per_clip > 0:
        rails = [np.max(np.concatenate((top, tail))), np.min(np.concatenate((bottom, tail)))]
        if rails[0] == rails[1]:
            rails = rails[:1]  # a constant channel: one extreme
        extremes = zip((top, bottom), rails, strict=False)
        counts = np.zeros(n_epochs + 1, dtype=np.int64)
        found_any = False
        for per_block, rail in extremes:
            at_rail = _rail_counts(blocks, np.flatnonzero(per_block == rail), tail, rail, per_clip)
            if at_rail is not None:
                k = min(counts.size, at_rail.size)
                counts[:k] += at_rail[:k]
                found_any = True
        if found_any:
            # The extremes differ, so their samples do not overlap.
            clip = _clip_fraction_counts(counts, x.size, per_clip, n_epochs)
    flat = _per_epoch(flat_blocks, round(epoch_s), n_epochs, "mean")
    flat = np.nan_to_num(flat, nan=1.0)
    clip = np.nan_to_num(clip, nan=0.0)
    grade = np.full(n_epochs, "good", dtype="<U12")
    grade[noise > lim["max_noise_uv"]] = "noisy"
    grade[clip > lim["max_clipped"]] = "clipped"
    grade[hum > lim["max_hum_uv"]] = "disconnected"
    grade[flat > lim["max_flat"]] = "flat"
    return EpochQuality(
        start=start,
        noise_uv=np.nan_to_num(noise, nan=0.0),
        hum_uv=hum,
        ecg_uv=ecg,
        clipped=clip,
        flat=flat,
        grade=grade,
    )


def unscorable_spans(
    qualities: dict[str, EpochQuality], duration: float, *, epoch_s: float = EPOCH_S
) -> list[dict[str, float | str]]:
    """Merged unscorable stretches over all legs (an epoch bad in one leg is left out).

    Returns
    -------
    list of dict
        ``start_s``, ``end_s`` and ``reason`` (the legs and grades), in time order.
    """
    if not qualities:
        return []
    n = max(q.start.size for q in qualities.values())
    reasons: list[list[str]] = [[] for _ in range(n)]
    for leg, q in qualities.items():
        for bad in np.flatnonzero(~q.scorable):
            reasons[int(bad)].append(f"{leg} {q.grade[bad]}")
    spans: list[dict[str, float | str]] = []
    for i, why in enumerate(reasons):
        if not why:
            continue
        a, b = i * epoch_s, min(duration, (i + 1) * epoch_s)
        text = ", ".join(why)
        if spans and spans[-1]["end_s"] == a and spans[-1]["reason"] == text:
            spans[-1]["end_s"] = b
        else:
            spans.append({"start_s": a, "end_s": b, "reason": text})
    return spans
