# SPDX-License-Identifier: AGPL-3.0-or-later
"""The stored result of an analysis run, read back as a typed object.

``Analysis.as_dict`` writes the result an analysis run stores; :class:`AnalysisResult`
reads it back, of the current schema version or an older one, so the pages and figures
name the parts they read instead of walking a nested dict. The parts below the top level
(Table 1, the models, the Kaplan-Meier steps) stay the JSON values ``as_dict`` wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self

from nervepath.science.stored import StoredVersionError

__all__ = ["ANALYSIS_SCHEMA_VERSION", "AnalysisResult"]

#: The stored shape of an analysis result (its ``schema_version`` key). Version 1 is the
#: shape stored before the key existed: the same keys, no ``schema_version``.
ANALYSIS_SCHEMA_VERSION = 2

JSON = dict[str, Any]


@dataclass(frozen=True)
class AnalysisResult:
    """The top level of a stored analysis result; absent parts read as empty."""

    definition: JSON = field(default_factory=dict)
    snapshot_at: str = ""
    code_version: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    subgroup: str = ""
    compared: list[str] = field(default_factory=list)
    n_subjects: int = 0
    n_observations: int = 0
    measures: list[JSON] = field(default_factory=list)
    timepoints: list[JSON] = field(default_factory=list)
    responder_definitions: list[JSON] = field(default_factory=list)
    table1: JSON = field(default_factory=dict)
    paired: dict[str, JSON] = field(default_factory=dict)
    pairs: dict[str, dict[str, list[list[Any]]]] = field(default_factory=dict)
    responders: list[JSON] = field(default_factory=list)
    subgroup_change: dict[str, JSON] = field(default_factory=dict)
    models: dict[str, JSON] = field(default_factory=dict)
    mixed: JSON | None = None
    monitoring: JSON | None = None
    recurrence: JSON | None = None
    recurrence_by_group: dict[str, JSON] = field(default_factory=dict)
    recurrence_logrank: JSON | None = None
    results_table: JSON = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Read a stored result of this or any older schema version.

        A part of the wrong JSON type reads as absent; a version newer than this code
        knows raises ValueError.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"A stored analysis result must be a mapping, not {data!r}.")
        raw = data.get("schema_version", 1)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise StoredVersionError(
                f"The stored analysis result has an unreadable schema_version {raw!r}."
            )
        if raw > ANALYSIS_SCHEMA_VERSION:
            raise StoredVersionError(
                f"The stored analysis result has schema_version {raw}, newer than this code "
                f"reads (up to {ANALYSIS_SCHEMA_VERSION}); upgrade nervepath to read it."
            )
        # Versions 1 and 2 share their keys; only the stamp differs.
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name)
            kind = str(f.type)
            if kind.endswith("| None"):
                values[f.name] = dict(value) if isinstance(value, Mapping) else None
            elif kind.startswith(("dict", "JSON")):
                values[f.name] = dict(value) if isinstance(value, Mapping) else {}
            elif kind.startswith("list"):
                values[f.name] = list(value) if isinstance(value, list | tuple) else []
            elif kind == "int":
                ok = isinstance(value, int) and not isinstance(value, bool)
                values[f.name] = value if ok else 0
            else:
                values[f.name] = "" if value is None else str(value)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The stored form, stamped with :data:`ANALYSIS_SCHEMA_VERSION`."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["schema_version"] = ANALYSIS_SCHEMA_VERSION
        return data

    def measure(self, key: str) -> JSON:
        """The stored description of one measure (KeyError if the run has none)."""
        for m in self.measures:
            if m.get("key") == key:
                return m
        raise KeyError(key)

    @property
    def timepoint_labels(self) -> dict[str, str]:
        return {t["key"]: t["label"] for t in self.timepoints}

    @property
    def follow_ups(self) -> list[str]:
        """Timepoint keys after baseline, in stored order."""
        return [t["key"] for t in self.timepoints if t["key"] != "baseline"]

    @property
    def recurrence_km(self) -> JSON | None:
        """The Kaplan-Meier estimate of symptom return over all responders, if any."""
        km = (self.recurrence or {}).get("km")
        return km if isinstance(km, dict) and km else None

    @property
    def logrank_p(self) -> float | None:
        p = (self.recurrence_logrank or {}).get("p_value")
        return p if isinstance(p, int | float) and not isinstance(p, bool) else None

    @property
    def monitored_nerves(self) -> list[JSON]:
        nerves = (self.monitoring or {}).get("nerves")
        return [n for n in nerves if isinstance(n, dict)] if isinstance(nerves, list) else []
