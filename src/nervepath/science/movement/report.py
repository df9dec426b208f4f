# SPDX-License-Identifier: AGPL-3.0-or-later
"""The night report: a plain data object with JSON and CSV writers."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Self

from nervepath.science.stored import StoredVersionError

__all__ = ["NIGHT_REPORT_SCHEMA_VERSION", "SUMMARY_FIELDS", "MovementRow", "NightReport"]

#: The stored shape of a :class:`NightReport` (the ``schema_version`` key of
#: :meth:`NightReport.to_dict`). Version 1 is the shape stored before the key existed:
#: the same field names, no ``schema_version``, NaN written as null. Version 3 adds the
#: signal-quality fields (``scored_sleep_h``, ``scored_h``, ``quality``, ``unscorable``,
#: ``index_withheld``); older reports read them as empty. Version 4 adds where the
#: device was worn (``body_location``, ``body_side``, ``body_location_source``,
#: ``site_movements_per_hour``) and ``index_withheld_reasons``.
NIGHT_REPORT_SCHEMA_VERSION = 4


def clock(posix: float) -> str:
    """ISO 8601 wall-clock time of the device or recording clock (no zone)."""
    return datetime.fromtimestamp(posix, tz=UTC).replace(tzinfo=None).isoformat(timespec="seconds")


@dataclass(slots=True)
class MovementRow:
    """One leg movement (after bilateral merging) in the report's table.

    ``onset_s``/``offset_s`` are seconds from the start of the recording; ``series`` is
    the PLM series number or -1.
    """

    onset_s: float
    offset_s: float
    duration_s: float
    side: str
    n_monolateral: int
    candidate: bool
    not_candidate_reason: str
    series: int
    interval_s: float
    in_sleep: bool
    respiratory_related: bool
    arousal_associated: bool
    amplitude: float

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """One stored movement row (null reads as NaN, absent as empty)."""
        return cls(**_typed_fields(cls, data))


_ROW_FIELDS = tuple(f.name for f in fields(MovementRow))

#: Columns of the one-line-per-night summary (batch CSV and the printed table).
SUMMARY_FIELDS = (
    "file",
    "device",
    "rules",
    "recording_start",
    "total_recording_h",
    "sleep_window_start",
    "sleep_window_end",
    "sleep_window_h",
    "sleep_h",
    "n_leg_movements",
    "n_candidates",
    "n_plm_series",
    "n_plm",
    "plms_index",
    "plms_index_no_respiratory",
    "plmw_index",
    "plmw_index_no_respiratory",
    "periodicity_index",
    "moves_every_min",
    "movements_per_hour",
    "error",
)


@dataclass
class NightReport:
    """Everything measured about one night.

    Times are seconds from the start of the recording unless named ``*_clock`` (ISO
    wall-clock time of the device or sleep-study clock). Indices are per hour: PLMS
    over hours of sleep (sleep window for an accelerometer, total sleep time for a
    staged PSG), PLMW over hours awake in the recording. ``*_no_respiratory`` leave
    out movements associated with respiratory events (WASM 2016 asks for both).
    """

    file: str
    device: str
    signal: str
    rules: str
    recording_start: str
    total_recording_h: float
    valid_recording_h: float
    sleep_window_start: str
    sleep_window_end: str
    sleep_window_h: float
    sleep_window_method: str
    sleep_h: float
    wake_h: float
    n_leg_movements: int
    n_candidates: int
    n_plm_series: int
    n_plm: int
    n_plms: int
    n_plmw: int
    n_respiratory_related: int
    n_arousal_associated: int
    plms_index: float
    plms_index_no_respiratory: float
    plmw_index: float
    plmw_index_no_respiratory: float
    lm_index_sleep: float
    periodicity_index: float
    median_interval_s: float
    moves_every_min: float
    movements_per_hour: float
    per_leg_counts: dict[str, int]
    hourly_rate: list[float]
    hourly_plm_rate: list[float]
    interval_histogram_edges_s: list[float]
    interval_histogram_counts: list[int]
    stretches: list[dict[str, Any]]
    notes: list[str]
    movements: list[MovementRow] = field(default_factory=list)
    trace_time_s: list[float] = field(default_factory=list, repr=False)
    trace_value: list[float] = field(default_factory=list, repr=False)
    trace_unit: str = ""
    #: Hours of sleep that could be scored (sleep minus unscorable epochs); the
    #: indices are per hour of it.
    scored_sleep_h: float = math.nan
    #: Hours of the recording that could be scored.
    scored_h: float = math.nan
    #: Signal quality per leg (EMG): epochs, unscorable epochs by grade, median
    #: noise floor, hum and ECG level (µV).
    quality: dict[str, Any] = field(default_factory=dict)
    #: Unscorable stretches: ``start_s``, ``end_s``, ``reason``.
    unscorable: list[dict[str, Any]] = field(default_factory=list)
    #: Why no index is given (too little scored sleep, no sleep window, not worn on
    #: the leg), or empty.
    index_withheld: str = ""
    #: The same as codes: ``too_little_sleep``, ``no_sleep_window``, ``not_leg``.
    index_withheld_reasons: list[str] = field(default_factory=list)
    #: Where the device was worn: ``ankle``, ``wrist``, ``waist``, ``other`` or "".
    body_location: str = ""
    #: ``left``, ``right`` or "".
    body_side: str = ""
    #: ``file header``, ``given at upload``, ``sleep study`` or "" (not known).
    body_location_source: str = ""
    #: Movements per hour of valid recording at a place that is not the leg (a
    #: wrist or waist night), named by the place; NaN at the leg.
    site_movements_per_hour: float = math.nan

    def to_dict(self, *, include_trace: bool = False) -> dict[str, Any]:
        """A JSON-ready dict (NaN becomes None).

        Parameters
        ----------
        include_trace : bool, optional
            Include the downsampled activity/EMG trace used for the figure.
        """
        # Field by field rather than dataclasses.asdict, which deep-copies the trace
        # and every movement row element by element.
        skip = () if include_trace else ("trace_time_s", "trace_value")
        data: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip
        }
        names = _ROW_FIELDS
        data["movements"] = [{n: getattr(row, n) for n in names} for row in self.movements]
        data["schema_version"] = NIGHT_REPORT_SCHEMA_VERSION
        return _clean(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Read a stored report (:meth:`to_dict`) of this or any older schema version.

        A null number reads as NaN (``to_dict`` writes NaN as null); an absent key reads
        as empty: NaN, 0, "" or an empty list. A version newer than this code knows
        raises ValueError.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"A stored night report must be a mapping, not {data!r}.")
        raw = data.get("schema_version", 1)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise StoredVersionError(
                f"The stored night report has an unreadable schema_version {raw!r}."
            )
        if raw > NIGHT_REPORT_SCHEMA_VERSION:
            raise StoredVersionError(
                f"The stored night report has schema_version {raw}, newer than this code "
                f"reads (up to {NIGHT_REPORT_SCHEMA_VERSION}); upgrade nervepath to read it."
            )
        # Versions 1-4 share their field names (3 and 4 add some, read as empty from older).
        values = _typed_fields(cls, data)
        values["movements"] = [
            MovementRow.from_dict(row) for row in values["movements"] if isinstance(row, Mapping)
        ]
        return cls(**values)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_csv(self) -> str:
        """The movement table as CSV text (one row per movement)."""
        out = io.StringIO()
        names = list(MovementRow.__dataclass_fields__)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        # The rows hold scalars only: read field by field (dataclasses.asdict would
        # deep-copy each value).
        writer.writerows([_fmt(getattr(row, n)) for n in names] for row in self.movements)
        return out.getvalue()

    def summary_row(self) -> dict[str, Any]:
        """One line per night, with the columns of :data:`SUMMARY_FIELDS`."""
        data = {k: _clean(getattr(self, k)) for k in SUMMARY_FIELDS if hasattr(self, k)}
        row = {k: data.get(k, "") for k in SUMMARY_FIELDS}
        row["error"] = ""
        return row

    def summary(self) -> str:
        """A readable table of the main numbers."""

        def num(x: float, unit: str = "", digits: int = 1) -> str:
            if x is None or (isinstance(x, float) and math.isnan(x)):
                return "n/a"
            return f"{x:.{digits}f}{unit}"

        rows = [
            ("File", self.file),
            ("Device", self.device),
            ("Rules", self.rules),
            (
                "Worn at",
                f"{self.body_side} {self.body_location}".strip() + f" ({self.body_location_source})"
                if self.body_location
                else "not known",
            ),
            (
                "Recording",
                f"{self.recording_start}, {num(self.total_recording_h, ' h', 2)}",
            ),
            (
                "Sleep window",
                (
                    f"{self.sleep_window_start} to {self.sleep_window_end} "
                    f"({num(self.sleep_window_h, ' h', 2)}, {self.sleep_window_method})"
                ),
            ),
            (
                "Scored",
                f"{num(self.scored_h, ' h', 2)} of recording, "
                f"{num(self.scored_sleep_h, ' h', 2)} of sleep",
            ),
            ("Leg movements", str(self.n_leg_movements)),
            ("Candidate movements", str(self.n_candidates)),
            ("PLM series / PLM", f"{self.n_plm_series} / {self.n_plm}"),
            (
                "PLMS index",
                (
                    f"{num(self.plms_index, '/h')} "
                    f"({num(self.plms_index_no_respiratory, '/h')} without respiratory-related)"
                ),
            ),
            (
                "PLMW index",
                (
                    f"{num(self.plmw_index, '/h')} "
                    f"({num(self.plmw_index_no_respiratory, '/h')} without respiratory-related)"
                ),
            ),
            ("Periodicity index", num(self.periodicity_index, digits=2)),
            ("Moves every", num(self.moves_every_min, " min")),
            ("Movements per hour", num(self.movements_per_hour, "/h")),
            (
                f"{self.body_location.capitalize() or 'Site'} movements per hour",
                num(self.site_movements_per_hour, "/h"),
            ),
            (
                "Per leg",
                ", ".join(f"{k} {v}" for k, v in self.per_leg_counts.items()) or "-",
            ),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
        lines += [f"{'Note'.ljust(width)}  {n}" for n in self.notes]
        return "\n".join(lines)


def _typed_fields(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The dataclass fields of ``cls`` read from ``data`` by their declared type."""
    out: dict[str, Any] = {}
    for f in fields(cls):
        kind = str(f.type)
        value = data.get(f.name)
        number = _number(value)
        if kind == "float":
            out[f.name] = math.nan if number is None else number
        elif kind == "int":
            out[f.name] = 0 if number is None else int(number)
        elif kind == "bool":
            out[f.name] = bool(value)
        elif kind == "str":
            out[f.name] = "" if value is None else str(value)
        elif kind.startswith("dict"):
            out[f.name] = dict(value) if isinstance(value, Mapping) else {}
        elif kind == "list[float]":
            items = value if isinstance(value, list) else []
            out[f.name] = [math.nan if (n := _number(v)) is None else n for v in items]
        elif kind.startswith("list"):
            out[f.name] = list(value) if isinstance(value, list) else []
        else:  # pragma: no cover - a new field type needs a rule here
            raise TypeError(f"No reader for {cls.__name__}.{f.name}: {kind}")
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.3f}"
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value
