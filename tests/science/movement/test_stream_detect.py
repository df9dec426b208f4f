# SPDX-License-Identifier: AGPL-3.0-or-later
"""Piece-by-piece envelope detection gives the whole-array bouts, in bounded memory."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.science.movement.accel import movements_from_envelope
from nervepath.science.movement.recording import Stretch
from nervepath.science.movement.stream_detect import EnvelopeDetector

RULE = {
    "onset_g": 0.03,
    "offset_g": 0.01,
    "offset_min_s": 0.5,
    "min_duration_s": 0.5,
    "smooth_s": 0.2,
}


def _envelope(seed: int, hours: float) -> tuple[np.ndarray, np.ndarray]:
    """A 10-Hz envelope with a drifting rest level, bursts, and a 3-min gap in time."""
    rng = np.random.default_rng(seed)
    m = int(hours * 36000)
    rest = 0.004 + 0.002 * np.sin(np.arange(m) / 20000.0)
    env = rest + rng.gamma(2.0, 0.001, m)
    for on in rng.integers(0, m - 200, m // 300):
        env[on : on + rng.integers(3, 150)] += rng.uniform(0.01, 0.3)
    time = np.arange(m) / 10.0
    time[m // 3 :] += 180.0  # a gap: block times jump
    return env.astype(np.float32), time


@pytest.mark.parametrize("seed", [0, 1])
def test_pieces_give_the_whole_array_bouts(seed):
    env, time = _envelope(seed, 3.0)
    stretches = [
        Stretch(1000.0, 1900.0, "nonwear"),
        Stretch(time[env.size // 3 - 1] + 0.1, time[env.size // 3], "gap"),
        Stretch(5000.05, 5003.3, "corrupt"),
    ]
    whole, excess, _ = movements_from_envelope(env, time, 10.0, stretches, **RULE)
    det = EnvelopeDetector(10.0, **RULE)
    rng = np.random.default_rng(seed + 10)
    cuts = np.sort(rng.integers(0, env.size, 40))
    held = []
    for a, b in zip(np.r_[0, cuts], np.r_[cuts, env.size], strict=True):
        # Stretches become final an hour late, as non-wear does when streaming.
        horizon = float(time[b - 1]) - 3600.0 if b else 0.0
        known = [s for s in stretches if s.start < horizon]
        det.feed(env[a:b], time[a:b], known, horizon)
        held.append(det.held_blocks)
    found, trace, trace_t = det.finish(stretches)
    assert len(whole) > 50
    np.testing.assert_array_equal(found.onset, whole.onset)
    np.testing.assert_array_equal(found.offset, whole.offset)
    np.testing.assert_array_equal(found.amplitude, whole.amplitude)
    # No bout starts in the non-wear stretch, and the 5-s trace is the excess maximum.
    assert not ((found.onset >= 1000.0) & (found.onset < 1900.0)).any()
    assert trace.size == int(np.ceil(env.size / 50))
    assert trace.max() == excess.max()
    assert trace_t[0] == time[0]
    # What is held stays near the one-hour horizon plus a piece, not the whole night.
    assert max(held) < 0.75 * env.size


def test_long_recording_holds_a_bounded_envelope():
    det = EnvelopeDetector(10.0, **RULE)
    env, time = _envelope(3, 1.0)
    held = []
    for hour in range(12):
        det.feed(env, time + hour * 3780.0, [], float(time[-1] + hour * 3780.0) - 3600.0)
        held.append(det.held_blocks)
    found, _, _ = det.finish([])
    assert len(found) > 500
    # The same amount is held after 4 hours as after 12: it does not grow with length.
    assert max(held[4:]) <= max(held[:4]) + 1000
