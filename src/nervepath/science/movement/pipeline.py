# SPDX-License-Identifier: AGPL-3.0-or-later
"""From a night file or recording to a :class:`NightReport`."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from nervepath.science.movement.accel import _accel_pass
from nervepath.science.movement.candidates import Candidates, candidate_movements
from nervepath.science.movement.context import (
    StudyEvents,
    arousal_associated,
    parse_annotations,
    respiratory_related,
)
from nervepath.science.movement.emg import EMG_DEFAULTS, _emg_pass
from nervepath.science.movement.events import LegMovements, median
from nervepath.science.movement.location import (
    BodyLocation,
    location_from_file,
    resolve_location,
)
from nervepath.science.movement.nights import (
    night_periods,
    slice_accel,
    slice_emg,
    split_note,
)
from nervepath.science.movement.periodic import (
    cluster_onsets,
    intermovement_intervals,
    interval_histogram,
    periodicity_index,
    plm_series,
)
from nervepath.science.movement.quality import MIN_SCORED_SLEEP_H, EpochQuality, unscorable_spans
from nervepath.science.movement.readers import read_night
from nervepath.science.movement.recording import AccelRecording, EmgRecording, Stretch
from nervepath.science.movement.report import MovementRow, NightReport, clock
from nervepath.science.movement.rules import ScoringRules, get_rules
from nervepath.science.movement.sleepwindow import (
    SleepWindow,
    hdcza_sleep_window,
    window_from_staging,
)

__all__ = [
    "analyze_file",
    "analyze_nights",
    "analyze_recording",
    "analyze_recording_nights",
    "score_movements",
]

_INVALID = {"gap", "corrupt", "nonwear"}
#: Stretches in which the device saw nothing of the sleeper: filled in by the device
#: software (ActiGraph idle-sleep mode), not worn, missing or damaged.
_FILL = {"idle", "gap", "corrupt", "nonwear"}
#: A rest period made more than this share of fill is not a sleep window. HDCZA takes
#: a still z-angle for rest (van Hees 2018); a filled stretch repeats one value and a
#: device off the body lies still, so both look like rest without being evidence of
#: sleep. "Mostly" is read as more than half.
MAX_FILL_SHARE = 0.5
_ACCEL_DEFAULTS: dict[str, float] = {
    "gravity_window_s": 4.0,
    "onset_g": 0.03,
    "offset_g": 0.01,
    "offset_min_s": 0.5,
    "min_duration_s": 0.5,
    "resolution_s": 0.1,
    "smooth_s": 0.2,
    "min_fs": 10.0,
}
_EMG_DEFAULTS = EMG_DEFAULTS


#: .cwa files larger than this are analysed chunk by chunk (about 2.5 days at 100 Hz).
STREAM_ABOVE_BYTES = 100 * 2**20
#: Data blocks decoded at a time when streaming (1 h at 100 Hz: 360,000 samples).
STREAM_CHUNK_BLOCKS = 3000


def analyze_file(
    path: str | Path,
    *,
    rules: str | ScoringRules = "wasm2016",
    min_scored_sleep_h: float = MIN_SCORED_SLEEP_H,
    body_location: str = "",
    **detector: float,
) -> NightReport:
    """Read a night file and analyse it.

    Parameters
    ----------
    path : str or Path
        A ``.cwa``, ``.bin``, ``.gt3x``, ``.csv`` or ``.edf`` file.
    rules : str or ScoringRules, optional
        ``"wasm2016"`` (default) or ``"aasm2012"``, or a custom rule set.
    body_location : str, optional
        Where the device was worn, as given by the person uploading (``"ankle"``,
        ``"wrist"``, ``"waist"``, ``"other"``); the file header's place wins where the
        format records one (:mod:`.location`). A wrist or waist night gives no PLM
        index.
    **detector
        Detector thresholds passed to
        :func:`~nervepath.science.movement.emg.detect_emg_movements` (EMG) or
        :func:`~nervepath.science.movement.accel.detect_accel_movements`
        (accelerometer), e.g. ``onset_uv=8.0`` or ``onset_g=0.03``.

    Returns
    -------
    NightReport

    Raises
    ------
    MovementInputError
        Unsupported, damaged or unusable file (see :mod:`.errors`).

    Notes
    -----
    A ``.cwa`` file larger than :data:`STREAM_ABOVE_BYTES` is decoded and analysed
    chunk by chunk (:func:`~nervepath.science.movement.stream.analyze_cwa_stream`), so
    memory stays bounded for multi-day recordings; the results are the same.
    """
    path = Path(path)
    place = _place_of_file(path, body_location)
    if (
        path.suffix.lower() == ".cwa"
        and path.is_file()
        and path.stat().st_size > STREAM_ABOVE_BYTES
    ):
        from nervepath.science.movement.stream import analyze_cwa_stream

        return analyze_cwa_stream(
            path, rules=rules, chunk_blocks=STREAM_CHUNK_BLOCKS, body_location=place, **detector
        )
    recording = read_night(path)
    return analyze_recording(
        recording,
        rules=rules,
        file=path.name,
        min_scored_sleep_h=min_scored_sleep_h,
        body_location=place,
        **detector,
    )


Place = tuple[BodyLocation, str]


def _place_of_file(path: Path, given: str) -> Place:
    if not path.is_file():
        return BodyLocation(), ""
    return resolve_location(location_from_file(path), given)


def _place(recording: AccelRecording | EmgRecording, given: str | Place) -> Place:
    """The place a recording was worn and a note: EMG is the leg by definition."""
    if isinstance(recording, EmgRecording):
        return BodyLocation("ankle", "", "sleep study", "tibialis EMG"), ""
    if isinstance(given, tuple):
        return given
    return resolve_location(BodyLocation(), given)


def analyze_nights(
    path: str | Path,
    *,
    rules: str | ScoringRules = "wasm2016",
    min_scored_sleep_h: float = MIN_SCORED_SLEEP_H,
    body_location: str = "",
    **detector: float,
) -> list[NightReport]:
    """Read a night file and report each night in it (a week's file gives a week).

    As :func:`analyze_file`, but a recording that spans several noon-to-noon periods of
    the device clock gives one report per night
    (:func:`analyze_recording_nights`); a recording within one period gives the one
    report :func:`analyze_file` gives. Large ``.cwa`` files are streamed.

    Returns
    -------
    list of NightReport
        In time order, at least one.
    """
    path = Path(path)
    place = _place_of_file(path, body_location)
    if (
        path.suffix.lower() == ".cwa"
        and path.is_file()
        and path.stat().st_size > STREAM_ABOVE_BYTES
    ):
        from nervepath.science.movement.stream import analyze_cwa_stream_nights

        return analyze_cwa_stream_nights(
            path, rules=rules, chunk_blocks=STREAM_CHUNK_BLOCKS, body_location=place, **detector
        )
    recording = read_night(path)
    return analyze_recording_nights(
        recording,
        rules=rules,
        file=path.name,
        min_scored_sleep_h=min_scored_sleep_h,
        body_location=place,
        **detector,
    )


def analyze_recording_nights(
    recording: AccelRecording | EmgRecording,
    *,
    rules: str | ScoringRules = "wasm2016",
    file: str = "",
    min_scored_sleep_h: float = MIN_SCORED_SLEEP_H,
    body_location: str | Place = "",
    **detector: float,
) -> list[NightReport]:
    """One report per noon-to-noon night of a recording (see :mod:`.nights`).

    Each night is cut from the recording and analysed as a recording of its own, so a
    night's report is the one its samples give when analysed alone: movements near a
    cut are counted in the night their onset falls in, and a movement still going at
    the cut is not counted again in the next night (:func:`analyze_recording` does not
    count a movement already in progress at a recording's first sample).
    """
    place = _place(recording, body_location)
    periods = night_periods(recording.start, recording.duration)
    if len(periods) == 1 and periods[0] == (0.0, recording.duration):
        return [
            analyze_recording(
                recording,
                rules=rules,
                file=file,
                min_scored_sleep_h=min_scored_sleep_h,
                body_location=place,
                **detector,
            )
        ]
    reports = []
    for a, b in periods:
        part = (
            slice_emg(recording, a, b)
            if isinstance(recording, EmgRecording)
            else slice_accel(recording, a, b)[0]
        )
        reports.append(
            analyze_recording(
                part,
                rules=rules,
                file=file,
                min_scored_sleep_h=min_scored_sleep_h,
                body_location=place,
                **detector,
            )
        )
    for i, report in enumerate(reports):
        report.notes.append(split_note(i, periods, recording.duration))
    return reports


def _not_in_progress(movements: LegMovements, trace_time: np.ndarray) -> LegMovements:
    """Leave out a movement already going at the first sample: its onset is not known
    (it began before the recording, or before the night was cut from a longer one)."""
    if trace_time.size == 0 or len(movements) == 0:
        return movements
    keep = movements.onset > trace_time[0]
    if keep.all():
        return movements
    return LegMovements(
        onset=movements.onset[keep],
        offset=movements.offset[keep],
        side=movements.side[keep],
        amplitude=movements.amplitude[keep],
    )


def analyze_recording(
    recording: AccelRecording | EmgRecording,
    *,
    rules: str | ScoringRules = "wasm2016",
    file: str = "",
    min_scored_sleep_h: float = MIN_SCORED_SLEEP_H,
    body_location: str | Place = "",
    **detector: float,
) -> NightReport:
    """Detect leg movements and periodic series in a recording and report the night.

    Parameters
    ----------
    recording : AccelRecording or EmgRecording
        What a reader returned (or one built from arrays).
    rules : str or ScoringRules, optional
        Scoring rules (WASM 2016 by default).
    file : str, optional
        Name shown in the report.
    min_scored_sleep_h : float, optional
        Below this much scored sleep the report gives no index and says why
        (:data:`~nervepath.science.movement.quality.MIN_SCORED_SLEEP_H`).
    body_location : str, optional
        Where an accelerometer was worn (see :func:`analyze_file`); EMG is the leg.
    **detector
        Detector thresholds (see :func:`analyze_file`).

    Returns
    -------
    NightReport
    """
    rule_set = get_rules(rules)
    place = _place(recording, body_location)
    if isinstance(recording, EmgRecording):
        unknown = set(detector) - set(_EMG_DEFAULTS)
        if unknown:
            raise TypeError(f"Unknown EMG detector settings: {', '.join(sorted(unknown))}")
        params = {**_EMG_DEFAULTS, **detector}
        parts, traces = [], []
        quality: dict[str, EpochQuality] = {}
        for side, emg in recording.channels.items():
            found, excess, env_fs, quality[side] = _emg_pass(emg, recording.fs, side=side, **params)
            parts.append(found)
            traces.append(excess)
        movements = LegMovements.concat(parts)
        n = min(t.size for t in traces)
        trace = traces[0][:n]
        for t in traces[1:]:
            trace = np.maximum(trace, t[:n])
        trace_time = np.arange(n, dtype=np.float64)
        trace_time /= env_fs
        events = parse_annotations(recording.annotations)
        window = window_from_staging(events, recording.duration)
        unit = "µV above baseline"
        signal = f"EMG ({', '.join(recording.channels)}), {recording.fs:g} Hz"
    else:
        unknown = set(detector) - set(_ACCEL_DEFAULTS)
        if unknown:
            raise TypeError(f"Unknown accelerometer settings: {', '.join(sorted(unknown))}")
        params = {**_ACCEL_DEFAULTS, **detector}
        movements, trace, trace_time = _accel_pass(recording, **params)
        events = StudyEvents()
        window = hdcza_sleep_window(recording.time, recording.accel, recording.fs)
        unit = "g above rest"
        signal = f"accelerometer, {recording.fs:g} Hz"
        quality = {}
    return _build_report(
        recording,
        _not_in_progress(movements, trace_time),
        window,
        events,
        rule_set,
        file,
        signal,
        trace,
        trace_time,
        unit,
        quality=quality,
        min_scored_sleep_h=min_scored_sleep_h,
        place=place,
    )


def score_movements(
    recording: AccelRecording | EmgRecording,
    movements: LegMovements,
    *,
    rules: str | ScoringRules = "wasm2016",
    file: str = "",
    min_scored_sleep_h: float = MIN_SCORED_SLEEP_H,
    body_location: str | Place = "",
) -> NightReport:
    """Report a night from given leg movements instead of detected ones.

    The same rules, sleep window and annotations as :func:`analyze_recording`, applied
    to movements from elsewhere: a scorer's annotations (to compare with the
    detector), or the known movements of a simulated night.
    """
    rule_set = get_rules(rules)
    if isinstance(recording, EmgRecording):
        events = parse_annotations(recording.annotations)
        window = window_from_staging(events, recording.duration)
        unit, signal = "µV above baseline", f"EMG ({', '.join(recording.channels)})"
    else:
        events = StudyEvents()
        window = hdcza_sleep_window(recording.time, recording.accel, recording.fs)
        unit, signal = "g above rest", f"accelerometer, {recording.fs:g} Hz"
    empty = np.empty(0)
    return _build_report(
        recording,
        movements,
        window,
        events,
        rule_set,
        file,
        signal,
        empty,
        empty,
        unit,
        min_scored_sleep_h=min_scored_sleep_h,
        place=_place(recording, body_location),
    )


def _invalid_seconds(stretches: list[Stretch], start: float, end: float) -> float:
    total = 0.0
    for s in stretches:
        if s.kind in _INVALID:
            total += max(0.0, min(s.end, end) - max(s.start, start))
    return total


def _inside(times: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Whether each time falls in one of the sorted, disjoint (start, end) spans."""
    if spans.size == 0 or times.size == 0:
        return np.zeros(times.size, dtype=bool)
    i = np.searchsorted(spans[:, 0], times, side="right") - 1
    ok = i >= 0
    return ok & (times < spans[np.maximum(i, 0), 1])


def _overlap_seconds(a: np.ndarray, b: np.ndarray) -> float:
    """Total overlap of two sets of (start, end) spans, each disjoint."""
    total = 0.0
    for s0, e0 in a:
        lo = np.maximum(b[:, 0], s0)
        hi = np.minimum(b[:, 1], e0)
        total += float(np.clip(hi - lo, 0.0, None).sum())
    return total


def _plausible_window(window: SleepWindow, stretches: list[Stretch]) -> tuple[SleepWindow, str]:
    """No sleep window when the rest period found is mostly fill (see MAX_FILL_SHARE).

    Returns the window (or an empty one) and, when it was refused, why.
    """
    if window.method == "PSG staging" or window.duration <= 0:
        return window, ""
    filled = 0.0
    for s in stretches:
        if s.kind in _FILL:
            filled += max(0.0, min(s.end, window.end) - max(s.start, window.start))
    share = filled / window.duration
    if share <= MAX_FILL_SHARE:
        return window, ""
    none = SleepWindow(0.0, 0.0, "none (rest period mostly device fill)", np.empty((0, 2)))
    return none, (
        f"the only rest period found ({window.duration / 3600:.1f} h) is {share:.0%} "
        "time the device did not record the sleeper (idle-sleep fill, not worn, missing "
        "or damaged), so there is no sleep window."
    )


def _rate(count: float, hours: float) -> float:
    return float(count) / hours if hours > 0 else float("nan")


def _build_report(
    recording: AccelRecording | EmgRecording,
    movements: LegMovements,
    window: SleepWindow,
    events: StudyEvents,
    rules: ScoringRules,
    file: str,
    signal: str,
    trace: np.ndarray,
    trace_time: np.ndarray,
    unit: str,
    *,
    quality: dict[str, EpochQuality] | None = None,
    min_scored_sleep_h: float = MIN_SCORED_SLEEP_H,
    place: Place | None = None,
) -> NightReport:
    location, location_note = place or (BodyLocation(), "")
    cands: Candidates = candidate_movements(movements, rules)
    duration = recording.duration
    window, fill_note = _plausible_window(window, recording.stretches)
    spans = unscorable_spans(quality or {}, duration)
    bad = np.array([[sp["start_s"], sp["end_s"]] for sp in spans], dtype=np.float64)
    bad = bad.reshape(-1, 2)
    if bad.size:
        # A movement in an epoch that cannot be scored is not a candidate: its
        # timing is not known, so it ends any series it would belong to.
        inside = _inside(cands.onset, bad)
        cands.is_candidate = cands.is_candidate & ~inside
        cands.reason = np.where(inside, "unscorable signal", cands.reason).astype("<U32")
    in_sleep = window.is_sleep(cands.onset)
    resp = respiratory_related(cands.onset, cands.offset, events.respiratory, rules)
    resp &= cands.is_candidate
    series = np.full(len(cands), -1, dtype=np.int64)
    if rules.respiratory_before_series:
        # AASM 2012: a movement with a respiratory event is not scored as a leg
        # movement, so it is taken out before series are built (it neither counts
        # nor ends a series).
        kept = ~resp
        series[kept] = plm_series(cands.onset[kept], cands.is_candidate[kept], rules)
    else:
        series = plm_series(cands.onset, cands.is_candidate, rules)
    arousal = arousal_associated(
        cands.onset, cands.offset, events.arousals, gap_s=rules.arousal_gap_s
    )
    invalid = _invalid_seconds(recording.stretches, 0.0, duration)
    valid_h = (duration - invalid) / 3600
    if window.method == "PSG staging":
        sleep_h = window.sleep_time / 3600
    else:
        sleep_s = window.duration - _invalid_seconds(recording.stretches, window.start, window.end)
        sleep_h = sleep_s / 3600
    wake_h = max(0.0, valid_h - sleep_h)
    bad_s = float((bad[:, 1] - bad[:, 0]).sum()) if bad.size else 0.0
    bad_sleep_s = _overlap_seconds(bad, window.sleep_intervals) if bad.size else 0.0
    scored_sleep_h = max(0.0, sleep_h - bad_sleep_s / 3600)
    scored_wake_h = max(0.0, wake_h - max(0.0, bad_s - bad_sleep_s) / 3600)
    reasons: list[str] = []
    sentences: list[str] = []
    if fill_note:
        reasons.append("no_sleep_window")
        sentences.append(f"No index: {fill_note}")
    elif not scored_sleep_h >= min_scored_sleep_h:
        reasons.append("too_little_sleep")
        sentences.append(
            f"No index: {scored_sleep_h * 60:.0f} min of sleep could be scored, less than "
            f"the {min_scored_sleep_h * 60:.0f} min an index needs."
        )
    valid_scored_h = valid_h - bad_s / 3600
    site_rate = float("nan")
    if not location.is_leg:
        reasons.append("not_leg")
        if valid_scored_h >= min_scored_sleep_h:
            site_rate = _rate(int(cands.is_candidate.sum()), valid_scored_h)
        sentences.append(
            f"No leg-movement index: the device was worn at the {location.label} "
            f"({location.source}), where it sees {location.site} movements, not leg "
            "movements"
            + (
                f"; {location.site} movements per hour are given instead."
                if math.isfinite(site_rate)
                else "."
            )
        )
    withheld = " ".join(sentences)
    plm = series >= 0
    cand = cands.is_candidate
    c_onset = cands.onset[cand]
    intervals = intermovement_intervals(c_onset)
    sleep_cand = cands.onset[cand & in_sleep]
    clusters = cluster_onsets(sleep_cand, max_gap_s=rules.max_interval_s)
    every = float(median(np.diff(clusters)) / 60) if clusters.size >= 2 else float("nan")
    hours = max(1, int(np.ceil(duration / 3600)))
    bins = np.arange(hours + 1) * 3600.0
    bin_len = np.minimum(bins[1:], duration) - bins[:-1]
    hourly = np.histogram(c_onset, bins)[0] / np.maximum(bin_len / 3600, 1e-9)
    hourly_plm = np.histogram(cands.onset[plm], bins)[0] / np.maximum(bin_len / 3600, 1e-9)
    edges, counts = interval_histogram(intervals)
    per_leg: dict[str, int] = {}
    if isinstance(recording, EmgRecording) and len(recording.channels) > 1:
        for side in ("left", "right"):
            per_leg[side] = int((movements.side == side).sum())
        per_leg["bilateral"] = int((cands.side == "both").sum())
    interval_all = intermovement_intervals(cands.onset)
    rows = [
        MovementRow(
            onset_s=float(cands.onset[i]),
            offset_s=float(cands.offset[i]),
            duration_s=float(cands.offset[i] - cands.onset[i]),
            side=sys.intern(str(cands.side[i])),
            n_monolateral=int(cands.n_monolateral[i]),
            candidate=bool(cand[i]),
            not_candidate_reason=sys.intern(str(cands.reason[i])),
            series=int(series[i]),
            interval_s=float(interval_all[i]),
            in_sleep=bool(in_sleep[i]),
            respiratory_related=bool(resp[i]),
            arousal_associated=bool(arousal[i]),
            amplitude=float(cands.amplitude[i]),
        )
        for i in range(len(cands))
    ]
    step = max(1, trace.size // 20000)
    usable = trace[: trace.size // step * step].reshape(-1, step).max(axis=1)
    t_trace = trace_time[: usable.size * step : step]
    stretch_rows: list[dict[str, Any]] = [
        {"start_s": s.start, "end_s": s.end, "kind": s.kind, "duration_s": s.duration}
        for s in recording.stretches
    ]
    notes = list(recording.notes)
    if location_note:
        notes.append(location_note)
    if bad.size:
        notes.append(
            f"signal quality: {bad_s / 60:.1f} min could not be scored and is left out "
            f"of the indices ({len(spans)} stretch(es))"
        )
    if withheld:
        notes.append(withheld)
    sleep_index_h = float("nan") if withheld else scored_sleep_h
    wake_index_h = float("nan") if withheld else scored_wake_h
    kinds = {
        k: sum(s.duration for s in recording.stretches if s.kind == k)
        for k in ("gap", "idle", "corrupt", "nonwear")
    }
    for kind, seconds in kinds.items():
        if seconds > 0:
            notes.append(
                f"{kind}: {seconds / 60:.1f} min in "
                f"{sum(1 for s in recording.stretches if s.kind == kind)} stretch(es)"
            )
    return NightReport(
        file=file,
        device=recording.device,
        signal=signal,
        rules=rules.name,
        recording_start=clock(recording.start),
        total_recording_h=duration / 3600,
        valid_recording_h=valid_h,
        sleep_window_start=clock(recording.start + window.start) if window.duration > 0 else "",
        sleep_window_end=clock(recording.start + window.end) if window.duration > 0 else "",
        sleep_window_h=window.duration / 3600,
        sleep_window_method=window.method,
        sleep_h=sleep_h,
        wake_h=wake_h,
        n_leg_movements=len(movements),
        n_candidates=int(cand.sum()),
        n_plm_series=int(series.max() + 1) if series.size else 0,
        n_plm=int(plm.sum()),
        n_plms=int((plm & in_sleep).sum()),
        n_plmw=int((plm & ~in_sleep).sum()),
        n_respiratory_related=int(resp.sum()),
        n_arousal_associated=int((arousal & cand).sum()),
        plms_index=_rate(int((plm & in_sleep).sum()), sleep_index_h),
        plms_index_no_respiratory=_rate(int((plm & in_sleep & ~resp).sum()), sleep_index_h),
        plmw_index=_rate(int((plm & ~in_sleep).sum()), wake_index_h),
        plmw_index_no_respiratory=_rate(int((plm & ~in_sleep & ~resp).sum()), wake_index_h),
        lm_index_sleep=_rate(int((cand & in_sleep).sum()), sleep_index_h),
        periodicity_index=float("nan")
        if withheld
        else periodicity_index(
            sleep_cand,
            min_interval_s=rules.min_interval_s,
            max_interval_s=rules.max_interval_s,
        ),
        median_interval_s=(
            float(median(intervals[np.isfinite(intervals)])) if c_onset.size >= 2 else float("nan")
        ),
        moves_every_min=float("nan") if withheld else every,
        movements_per_hour=(
            float("nan") if withheld else _rate(int(cand.sum()), valid_h - bad_s / 3600)
        ),
        body_location=location.site,
        body_side=location.side,
        body_location_source=location.source,
        site_movements_per_hour=site_rate,
        index_withheld_reasons=reasons,
        per_leg_counts=per_leg,
        hourly_rate=hourly.tolist(),
        hourly_plm_rate=hourly_plm.tolist(),
        interval_histogram_edges_s=edges.tolist(),
        interval_histogram_counts=counts.tolist(),
        stretches=stretch_rows,
        notes=notes,
        movements=rows,
        trace_time_s=t_trace.tolist(),
        trace_value=usable.astype(np.float64).tolist(),
        trace_unit=unit,
        scored_sleep_h=scored_sleep_h,
        scored_h=max(0.0, valid_h - bad_s / 3600),
        quality={leg: q.summary() for leg, q in (quality or {}).items()},
        unscorable=spans,
        index_withheld=withheld,
    )
