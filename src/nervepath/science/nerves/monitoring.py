# SPDX-License-Identifier: AGPL-3.0-or-later
"""Intraoperative nerve monitoring: readings before and after a release, and the change.

For each nerve the surgeon records the compound action potential's amplitude (µV) and,
where the device gives it, the latency (ms), once before the tunnel is released and once
after. The change is reported as a percentage of the baseline, the convention of
intraoperative neurophysiology, where amplitude is always judged against the patient's
own baseline rather than a normal range. A rise after release is what the surgeon hopes
to see; nervepath reports the number and does not grade it.

Impossible input is refused with ``MonitoringError``: a negative or absurd amplitude, a
latency that is not positive, a nerve not monitored here, two readings of one nerve in
one phase, or a reading after release with no baseline before it.

Monitoring devices export CSV; ``parse_csv`` reads one table with a header row. The
columns are found by name, case and spacing ignored:

- nerve: ``nerve`` (``common peroneal``/``CPN``/``peroneal``..., see ``ALIASES``; a bare
  ``peroneal`` or ``fibular`` is the common peroneal nerve, as devices label it, while the
  deep peroneal nerve is not monitored here),
- phase: ``phase``/``stage``/``when`` (``before``/``pre``/``baseline`` or
  ``after``/``post``/``release``),
- amplitude: ``amplitude``, with the unit in the header (``amplitude (uV)``,
  ``amp_mv``...) or µV when none is given,
- latency (optional): ``latency`` with ``ms`` (or ``s``) in the header,
- side (optional): ``side`` or ``leg`` (``left``/``L`` or ``right``/``R``; blank: not
  said). Given the leg operated on (``parse_csv(text, leg="right")``), a row for the
  other leg is refused, naming its line.

Other columns (time stamps, channel names) are ignored. A ``;`` or tab separator and a
decimal comma are accepted, as European devices write them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

# The three tunnels of the leg (DESIGN.md): their nerve ids, shared with the web layer.
NERVES = ("common_peroneal", "superficial_peroneal", "tibial")
NERVE_LABELS = {
    "common_peroneal": "Common peroneal nerve (fibular neck)",
    "superficial_peroneal": "Superficial peroneal nerve (lower third of the leg)",
    "tibial": "Tibial nerve (soleal sling)",
}
PHASES = ("before", "after")

# A leg nerve's compound action potential is measured in µV to low mV; anything above
# 100 mV is a unit error, not a reading.
MAX_AMPLITUDE_UV = 100_000.0
MAX_LATENCY_MS = 200.0

ALIASES = {
    "common_peroneal": (
        "common peroneal", "common fibular", "cpn", "peroneal", "fibular", "common_peroneal",
    ),
    "superficial_peroneal": (
        "superficial peroneal", "superficial fibular", "spn", "superficial_peroneal",
    ),
    "tibial": ("tibial", "posterior tibial", "tibial soleal", "soleal sling", "tn"),
}  # fmt: skip
PHASE_ALIASES = {
    "before": ("before", "pre", "baseline", "pre-release", "prerelease", "pre release"),
    "after": ("after", "post", "release", "released", "post-release", "postrelease",
              "post release"),
}  # fmt: skip
LEGS = ("left", "right")
SIDE_ALIASES: dict[str, tuple[str, ...]] = {"left": ("left", "l"), "right": ("right", "r")}


class MonitoringError(ValueError):
    """Readings that cannot be right; the message says which and why."""


@dataclass(frozen=True)
class Reading:
    nerve: str
    phase: str  # "before" or "after" the release
    amplitude_uv: float
    latency_ms: float | None = None

    def check(self) -> None:
        label = NERVE_LABELS.get(self.nerve)
        if label is None:
            raise MonitoringError(f"{self.nerve!r} is not a nerve monitored here.")
        if self.phase not in PHASES:
            raise MonitoringError(f"{label}: the phase must be before or after release.")
        if self.amplitude_uv != self.amplitude_uv:  # NaN
            raise MonitoringError(f"{label}: the amplitude is not a number.")
        if self.amplitude_uv < 0:
            raise MonitoringError(
                f"{label} {self.phase} release: an amplitude cannot be negative "
                f"({self.amplitude_uv:g} µV)."
            )
        if self.amplitude_uv > MAX_AMPLITUDE_UV:
            raise MonitoringError(
                f"{label} {self.phase} release: {self.amplitude_uv:g} µV is above 100 mV; "
                "check the unit."
            )
        if self.latency_ms is not None and not 0 < self.latency_ms <= MAX_LATENCY_MS:
            raise MonitoringError(
                f"{label} {self.phase} release: a latency must be above 0 and at most "
                f"{MAX_LATENCY_MS:g} ms (got {self.latency_ms:g})."
            )


@dataclass(frozen=True)
class NerveChange:
    nerve: str
    before: Reading
    after: Reading | None

    @property
    def label(self) -> str:
        return NERVE_LABELS[self.nerve]

    @property
    def amplitude_change_uv(self) -> float | None:
        if self.after is None:
            return None
        return self.after.amplitude_uv - self.before.amplitude_uv

    @property
    def amplitude_change_pct(self) -> float | None:
        """Change in % of the baseline; None without an after reading or when the
        baseline is 0 µV (no response before release: any response is new)."""
        if self.after is None or self.before.amplitude_uv == 0:
            return None
        before = self.before.amplitude_uv
        return 100.0 * (self.after.amplitude_uv - before) / before

    @property
    def latency_change_ms(self) -> float | None:
        if self.after is None or self.before.latency_ms is None or self.after.latency_ms is None:
            return None
        return self.after.latency_ms - self.before.latency_ms

    @property
    def latency_change_pct(self) -> float | None:
        change = self.latency_change_ms
        before = self.before.latency_ms
        if change is None or before is None:
            return None
        return 100.0 * change / before

    def describe(self) -> str:
        """e.g. "amplitude +180 % (50 → 140 µV), latency -0.8 ms"."""
        if self.after is None:
            return f"baseline {self.before.amplitude_uv:g} µV; no reading after release yet"
        parts = []
        pct = self.amplitude_change_pct
        span = f"{self.before.amplitude_uv:g} → {self.after.amplitude_uv:g} µV"
        if self.before.amplitude_uv == 0 and self.after.amplitude_uv == 0:
            parts.append("no response before or after release")
        elif pct is None:
            parts.append(f"new response ({span})")
        else:
            parts.append(f"amplitude {pct:+.0f} % ({span})")
        lat = self.latency_change_ms
        if lat is not None:
            parts.append(f"latency {lat:+.1f} ms")
        return ", ".join(parts)


def changes(readings: Iterable[Reading]) -> list[NerveChange]:
    """One change per nerve with a baseline, in NERVES order; refuses impossible sets."""
    by_key: dict[tuple[str, str], Reading] = {}
    for reading in readings:
        reading.check()
        key = (reading.nerve, reading.phase)
        if key in by_key:
            raise MonitoringError(
                f"{NERVE_LABELS[reading.nerve]} has two readings {reading.phase} release; keep one."
            )
        by_key[key] = reading
    found = []
    for nerve in NERVES:
        before, after = by_key.get((nerve, "before")), by_key.get((nerve, "after"))
        if after is not None and before is None:
            raise MonitoringError(
                f"{NERVE_LABELS[nerve]}: a reading after release needs a baseline before release."
            )
        if before is not None:
            found.append(NerveChange(nerve=nerve, before=before, after=after))
    return found


# -- CSV from the monitoring device -----------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


def _lookup(value: str, table: dict[str, tuple[str, ...]]) -> str | None:
    norm = _norm(value)
    for key, names in table.items():
        if norm in {_norm(n) for n in names}:
            return key
    return None


def _number(text: str, what: str, line: int) -> float | None:
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if text in ("", "-", "—", "n/a", "na", "NA", "N/A"):
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise MonitoringError(f"Line {line}: {what} {text!r} is not a number.") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise MonitoringError(f"Line {line}: {what} {text!r} is not a number.")
    return value


def _amplitude_scale(header: str) -> float:
    h = header.lower().replace("µ", "u").replace("μ", "u")
    if re.search(r"\bmv\b|\(mv\)|_mv\b", h):
        return 1000.0
    return 1.0


def _latency_scale(header: str) -> float:
    h = header.lower()
    if re.search(r"\(s\)|_s\b|\bsec", h) and "ms" not in h:
        return 1000.0
    return 1.0


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        norm = _norm(name)
        if "nerve" in norm and "nerve" not in found:
            found["nerve"] = index
        elif norm.split(" ")[0] in ("phase", "stage", "when") and "phase" not in found:
            found["phase"] = index
        elif norm.startswith("amp") and "amplitude" not in found:
            found["amplitude"] = index
        elif norm.startswith(("lat", "onset latency")) and "latency" not in found:
            found["latency"] = index
        elif norm.split(" ")[0] in ("side", "leg") and "side" not in found:
            found["side"] = index
    missing = [c for c in ("nerve", "phase", "amplitude") if c not in found]
    if missing:
        raise MonitoringError(
            "The file has no " + " or ".join(missing) + " column. Expected a header row "
            "with Nerve, Phase (before/after), Amplitude (uV) and optionally Latency (ms)."
        )
    return found


def parse_csv(text: str, *, leg: str | None = None) -> list[Reading]:
    """Readings from a device's CSV export; raises ``MonitoringError`` naming the line.

    ``leg`` ("left" or "right"), when known, is the leg operated on: a row whose side
    column names the other leg is refused."""
    if leg is not None and leg not in LEGS:
        raise ValueError(f"leg must be 'left' or 'right', not {leg!r}")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise MonitoringError("The file is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise MonitoringError("The file is empty.")
    header = rows[0]
    cols = _columns(header)
    amp_scale = _amplitude_scale(header[cols["amplitude"]])
    lat_scale = _latency_scale(header[cols["latency"]]) if "latency" in cols else 1.0
    readings = []
    for line, row in enumerate(rows[1:], start=2):
        cells = {name: row[index] if index < len(row) else "" for name, index in cols.items()}

        def cell(name: str, cells: dict[str, str] = cells) -> str:
            return cells.get(name, "")

        nerve = _lookup(cell("nerve"), ALIASES)
        if nerve is None:
            raise MonitoringError(f"Line {line}: {cell('nerve')!r} is not a nerve monitored here.")
        phase = _lookup(cell("phase"), PHASE_ALIASES)
        if phase is None:
            raise MonitoringError(
                f"Line {line}: phase {cell('phase')!r} should be before or after release."
            )
        amplitude = _number(cell("amplitude"), "amplitude", line)
        if amplitude is None:
            raise MonitoringError(f"Line {line}: the amplitude is missing.")
        latency = _number(cell("latency"), "latency", line)
        if cell("side").strip():
            side = _lookup(cell("side"), SIDE_ALIASES)
            if side is None:
                raise MonitoringError(
                    f"Line {line}: side {cell('side')!r} should be left or right (L or R)."
                )
            if leg is not None and side != leg:
                raise MonitoringError(
                    f"Line {line}: this row is for the {side} leg; the surgery is on the {leg} leg."
                )
        reading = Reading(
            nerve=nerve,
            phase=phase,
            amplitude_uv=round(amplitude * amp_scale, 3),
            latency_ms=None if latency is None else round(latency * lat_scale, 3),
        )
        try:
            reading.check()
        except MonitoringError as exc:
            raise MonitoringError(f"Line {line}: {exc}") from None
        readings.append(reading)
    if not readings:
        raise MonitoringError("The file has a header but no readings.")
    changes(readings)  # refuses duplicates and after-without-before as a whole
    return readings
