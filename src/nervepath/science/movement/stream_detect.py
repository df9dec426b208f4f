# SPDX-License-Identifier: AGPL-3.0-or-later
"""Movement detection on an activity envelope that arrives piece by piece.

:class:`EnvelopeDetector` gives exactly the bouts of
:func:`~nervepath.science.movement.accel.movements_from_envelope` on the joined
envelope, while holding only a few hours of it at a time:

* the 0.2-s smoothing uses a running sum carried across pieces (the same sequential
  sum as the whole-array moving mean, so the values are bit-identical);
* the resting level (10-s percentiles, running median of five, interpolation between
  block centres) is computed on windows aligned to the 10-s block grid with six blocks
  of overlap on the left and five on the right, so every kept value sees the same
  neighbours as in the whole array;
* the onset/offset rule is run up to the end of the last quiet run of at least
  ``offset_min_s``: no bout can span such a run, so the bouts before it are final;
* stretches in which no bout may start are applied once they are final (non-wear is
  known one hour late, so the caller passes a horizon).

What is kept for the whole recording is the bouts and a 5-s maximum of the envelope
above rest (for the figure): 12 bytes per 5 s. The excess waits for a quiet run of
``offset_min_s``, which the resting level (a low percentile of 10-s blocks) makes
frequent; only hours of unbroken activity would hold more of it.
"""

from __future__ import annotations

import math

import numpy as np

from nervepath.science.movement.emg import resting_baseline
from nervepath.science.movement.events import LegMovements, hysteresis_events
from nervepath.science.movement.recording import Stretch

__all__ = ["EnvelopeDetector"]

_NO_START = {"idle", "corrupt", "nonwear"}


class EnvelopeDetector:
    """Feed envelope pieces with :meth:`feed`, then call :meth:`finish`.

    Parameters
    ----------
    env_fs : float
        Nominal envelope rate in Hz.
    onset_g, offset_g, offset_min_s, min_duration_s, smooth_s : float
        As for :func:`~nervepath.science.movement.accel.detect_accel_movements`.
    trace_s : float, optional
        Resolution of the kept trace (maximum per ``trace_s``), in seconds.
    """

    def __init__(
        self,
        env_fs: float,
        *,
        onset_g: float,
        offset_g: float,
        offset_min_s: float,
        min_duration_s: float,
        smooth_s: float,
        trace_s: float = 5.0,
    ) -> None:
        self.fs = env_fs
        self.rule = {
            "onset_level": onset_g,
            "offset_level": offset_g,
            "offset_min_s": offset_min_s,
            "min_duration_s": min_duration_s,
        }
        self.min_duration_s = min_duration_s
        self.n = max(1, round(smooth_s * env_fs))
        self.block = max(1, round(10.0 * env_fs))  # resting_baseline's 10-s blocks
        self.group = max(1, round(trace_s * env_fs))
        self.min_quiet = math.ceil(offset_min_s * env_fs - 1e-9)
        # Envelope, block times and running sum (C[j] = sum of env[:j]) from index b0.
        self.b0 = 0
        self.env = np.empty(0, dtype=np.float32)
        self.time = np.empty(0)
        self.csum = np.zeros(1)
        self.done = 0  # envelope index up to which the excess has been computed
        # Excess waiting for the onset/offset rule, and what is kept.
        self.pending = np.empty(0, dtype=np.float32)
        self.pending_t = np.empty(0)
        self.found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.trace: list[np.ndarray] = []
        self.trace_t: list[np.ndarray] = []

    @property
    def held_blocks(self) -> int:
        """Envelope and excess blocks held now (for memory checks)."""
        return int(self.env.size + self.pending.size)

    def feed(
        self, env: np.ndarray, time: np.ndarray, stretches: list[Stretch], horizon_s: float
    ) -> None:
        """Add envelope blocks and their start times (seconds from the first sample).

        ``stretches`` must be final before ``horizon_s``: blocks starting later are
        held until a later call (or :meth:`finish`).
        """
        env = np.asarray(env, dtype=np.float32)
        self.env = np.concatenate((self.env, env))
        self.time = np.concatenate((self.time, time[: env.size]))
        run = np.cumsum(np.concatenate((self.csum[-1:], env.astype(np.float64))))
        self.csum = np.concatenate((self.csum, run[1:]))
        total = self.b0 + self.env.size
        end = total - 5 * self.block - self.n
        end = min(end, self.b0 + int(np.searchsorted(self.time, horizon_s)))
        end = (end // self.block) * self.block
        if end > self.done:
            self._excess(end, total, stretches, final=False)
            self._detect(final=False)

    def finish(self, stretches: list[Stretch]) -> tuple[LegMovements, np.ndarray, np.ndarray]:
        """Process what is held; returns bouts, the 5-s trace and its times."""
        total = self.b0 + self.env.size
        if total > self.done:
            self._excess(total, total, stretches, final=True)
        self._detect(final=True)
        onset, offset, peak = (
            np.concatenate([f[k] for f in self.found]) if self.found else np.empty(0)
            for k in range(3)
        )
        movements = LegMovements(onset, offset, np.full(onset.size, "leg", dtype="<U5"), peak)
        trace = np.concatenate(self.trace) if self.trace else np.empty(0, dtype=np.float32)
        trace_t = np.concatenate(self.trace_t) if self.trace_t else np.empty(0)
        return movements, trace, trace_t

    def _smooth(self, a: int, b: int, size: int | None) -> np.ndarray:
        """The moving mean of the whole envelope at indices ``a:b``."""
        if self.n <= 1:
            return self.env[a - self.b0 : b - self.b0].astype(np.float64)
        half = self.n // 2
        i = np.arange(a, b)
        lo = np.maximum(i - half, 0)
        hi = i - half + self.n
        if size is not None:
            hi = np.minimum(hi, size)
        return (self.csum[hi - self.b0] - self.csum[lo - self.b0]) / (hi - lo)

    def _excess(self, end: int, total: int, stretches: list[Stretch], *, final: bool) -> None:
        start = self.done
        w0 = max(0, start - 6 * self.block)
        w1 = total if final else min(total, end + 5 * self.block)
        smooth = self._smooth(w0, w1, total if final else None)
        base = resting_baseline(smooth, self.fs)
        excess = (smooth - base)[start - w0 : end - w0].astype(np.float32)
        times = self.time[start - self.b0 : end - self.b0]
        for s in stretches:
            if s.kind in _NO_START:
                i0, i1 = np.searchsorted(times, [s.start, s.end])
                excess[i0:i1] = 0.0
        # The figure's trace: maximum per group (groups align with 10-s blocks).
        g = self.group
        whole = excess.size // g * g
        if whole:
            self.trace.append(excess[:whole].reshape(-1, g).max(axis=1))
            self.trace_t.append(times[:whole:g].copy())
        if excess.size > whole:
            self.trace.append(excess[whole:].max(keepdims=True))
            self.trace_t.append(times[whole : whole + 1].copy())
        self.pending = np.concatenate((self.pending, excess))
        self.pending_t = np.concatenate((self.pending_t, times))
        self.done = end
        # Keep what the next window needs on its left (six blocks and the smoothing).
        keep = max(0, end - 6 * self.block - self.n)
        if keep > self.b0:
            cut = keep - self.b0
            self.env, self.time = self.env[cut:].copy(), self.time[cut:].copy()
            self.csum = self.csum[cut:].copy()
            self.b0 = keep

    def _detect(self, *, final: bool) -> None:
        x = self.pending
        if x.size == 0:
            return
        if final:
            cut = x.size
        else:
            # End of the last quiet run of at least min_quiet blocks.
            loud = np.flatnonzero(x > self.rule["offset_level"])
            bounds = np.concatenate(([-1], loud, [x.size]))
            long = np.flatnonzero(np.diff(bounds) - 1 >= self.min_quiet)
            if long.size == 0:
                return
            cut = int(bounds[long[-1] + 1])
        on_s, off_s, peak = hysteresis_events(
            x[:cut],
            self.fs,
            onset_level=self.rule["onset_level"],
            offset_level=self.rule["offset_level"],
            offset_min_s=self.rule["offset_min_s"],
            min_duration_s=self.rule["min_duration_s"],
        )
        on = np.round(on_s * self.fs).astype(np.int64)
        off = np.round(off_s * self.fs).astype(np.int64)
        t = self.pending_t
        t_end = np.append(t[:cut], t[cut] if cut < t.size else t[-1] + 1.0 / self.fs)
        onset, offset = t_end[on], t_end[off]
        keep = (offset - onset) >= self.min_duration_s - 1e-9
        if keep.any():
            self.found.append((onset[keep], offset[keep], peak[keep]))
        self.pending, self.pending_t = x[cut:].copy(), t[cut:].copy()
