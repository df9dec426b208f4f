# SPDX-License-Identifier: AGPL-3.0-or-later
"""The plain, immutable objects a questionnaire definition becomes once loaded.

Nothing here knows YAML or Django: the loader builds these from a definition file and the
scorer reads them, so the web layer and a notebook see the same objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from nervepath.science.stored import StoredVersionError

KINDS = ("severity_scale", "diagnostic", "screen", "clinic_questionnaire", "history")
ITEM_TYPES = (
    "single_choice",
    "yes_no",
    "integer",
    "decimal",
    "multi_choice",
    "text",
    "date_or_year",
)
SEVERITIES = ("urgent", "warning", "info")
# Who fills an instrument: the patient (in the portal) or the clinician (in the visit).
ADMINISTERED_BY = ("patient", "clinician")

OptionValue = int | str
Condition = dict[str, Any]


class AnswerError(ValueError):
    """An answer set that cannot be scored; `item_id` names the offending item."""

    def __init__(self, item_id: str, message: str) -> None:
        super().__init__(f"{item_id}: {message}")
        self.item_id = item_id


class DefinitionError(ValueError):
    """A definition (or wording) file that breaks the format; names the file and the field."""

    def __init__(self, path: str, field_name: str, message: str) -> None:
        super().__init__(f"{path}: {field_name}: {message}")
        self.path = path
        self.field = field_name


@dataclass(frozen=True)
class Source:
    """Where an instrument, a band or a rule comes from, and on what terms it may be used."""

    citation: str
    licence: str
    url: str | None = None

    def __str__(self) -> str:
        return self.citation


@dataclass(frozen=True)
class Option:
    value: OptionValue
    label: str


@dataclass(frozen=True)
class Item:
    """One question. `show_if` is None when the item is always asked."""

    id: str
    type: str
    label: str
    required: bool = True
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    max_length: int | None = None
    show_if: Condition | None = None

    def option(self, value: object) -> Option | None:
        for option in self.options:
            if type(option.value) is type(value) and option.value == value:
                return option
        return None


@dataclass(frozen=True)
class Score:
    """A named score. `method` is sum, count or max; `range` is checked against the items."""

    id: str
    label: str
    method: str
    items: tuple[str, ...] = ()
    scores: tuple[str, ...] = ()
    value_map: dict[str, dict[OptionValue, float]] = field(default_factory=dict)
    where: Condition | None = None
    range: tuple[float, float] = (0, 0)
    when: Condition | None = None  # method "rule": 1 when the condition holds, else 0


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    min: float
    max: float


@dataclass(frozen=True)
class Cutoff:
    """A threshold on a score (`score >= gte`); the primary one sets Result.positive."""

    id: str
    score: str
    gte: float
    label: str
    source: str
    primary: bool = False


@dataclass(frozen=True)
class MissingRule:
    """`refuse`: every required visible item must be answered. `prorate`: up to
    `max_missing` of `items` may be missing and sums are scaled up, as the source says."""

    rule: str = "refuse"
    max_missing: int = 0
    items: tuple[str, ...] = ()
    source: str | None = None


@dataclass(frozen=True)
class FlagRule:
    code: str
    severity: str
    message: str
    source: str
    when: Condition
    patient_advice: str = ""
    advice_source: str = ""


@dataclass(frozen=True)
class Flag:
    """A red flag raised by answers. It informs the clinician; it is not a diagnosis."""

    code: str
    severity: str
    message: str
    source: str
    instrument_id: str = ""
    #: What the patient reads at once (urgent flags), and where that advice comes from.
    patient_advice: str = ""
    advice_source: str = ""


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title: str
    kind: str
    source: Source
    wording_licensed: bool
    wording_loaded: bool
    items: tuple[Item, ...]
    scores: tuple[Score, ...] = ()
    main_score: str | None = None
    band_score: str | None = None
    bands: tuple[Band, ...] = ()
    band_source: str | None = None
    cutoffs: tuple[Cutoff, ...] = ()
    missing: MissingRule = MissingRule()
    flags: tuple[FlagRule, ...] = ()
    path: str = ""
    #: The plain title patients read ("Your leg symptoms"); clinicians read ``title``.
    patient_title: str | None = None
    #: "patient" (sent to the portal) or "clinician" (entered by the clinician).
    administered_by: str = "patient"
    #: An answer this recent (days) is not asked again; None: asked whenever sent.
    repeat_after_days: int | None = None

    @property
    def plain_title(self) -> str:
        """What a patient reads: the plain title, else the formal one."""
        return self.patient_title or self.title

    @property
    def patient_may_see(self) -> bool:
        """Whether this instrument may ever be shown to a patient: patient-administered,
        and, when its wording is licensed, with the licensed wording loaded."""
        return self.administered_by == "patient" and self.wording_loaded

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def score_def(self, score_id: str) -> Score:
        for score in self.scores:
            if score.id == score_id:
                return score
        raise KeyError(score_id)

    def visible_items(self, answers: Any) -> list[Item]:
        """The items a respondent is asked given `answers`, branching applied."""
        from nervepath.science.instruments.conditions import evaluate

        return [i for i in self.items if i.show_if is None or evaluate(i.show_if, answers)]

    def with_wording(self, path: Any) -> Instrument:
        """A copy with item text read from a clinic's licensed wording file."""
        from nervepath.science.instruments.loader import apply_wording

        return apply_wording(self, path)


#: The stored shape of a :class:`Result` (the ``schema_version`` key of
#: :meth:`Result.to_dict`). Version 1 is the shape stored before the key existed: the
#: same keys, no ``schema_version``. ``version`` is the instrument's version, not this.
RESULT_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Result:
    instrument_id: str
    version: str
    scores: dict[str, float | int | None]
    total: float | int | None
    band: str | None
    band_label: str | None
    positive: bool | None
    cutoffs: dict[str, bool | None]
    flags: list[Flag]
    missing_items: list[str]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready stored form, stamped with :data:`RESULT_SCHEMA_VERSION`."""
        data = asdict(self)
        data["flags"] = [_flag_dict(f) for f in self.flags]
        data["schema_version"] = RESULT_SCHEMA_VERSION
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """Read a stored result of this or any older schema version.

        Absent keys read as empty (no score, no band, no flags); a flag that is not a
        mapping is left out. A version newer than this code knows raises ValueError.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"A stored questionnaire result must be a mapping, not {data!r}.")
        # Versions 1 and 2 share their keys; only the stamp differs.
        _schema_version(data, RESULT_SCHEMA_VERSION, "questionnaire result")
        return cls(
            instrument_id=str(data.get("instrument_id") or ""),
            version=str(data.get("version") or ""),
            scores=dict(_mapping(data.get("scores"))),
            total=_number(data.get("total")),
            band=_text_or_none(data.get("band")),
            band_label=_text_or_none(data.get("band_label")),
            positive=data.get("positive") if isinstance(data.get("positive"), bool) else None,
            cutoffs=dict(_mapping(data.get("cutoffs"))),
            flags=[
                Flag(
                    code=str(f.get("code") or ""),
                    severity=str(f.get("severity") or ""),
                    message=str(f.get("message") or ""),
                    source=str(f.get("source") or ""),
                    instrument_id=str(f.get("instrument_id") or ""),
                    patient_advice=str(f.get("patient_advice") or ""),
                    advice_source=str(f.get("advice_source") or ""),
                )
                for f in _list(data.get("flags"))
                if isinstance(f, Mapping)
            ],
            missing_items=[str(i) for i in _list(data.get("missing_items"))],
            summary=str(data.get("summary") or ""),
        )


def _flag_dict(flag: Flag) -> dict[str, Any]:
    """A flag's stored form; the advice keys only when the flag carries advice, so results
    stored before advice existed read back unchanged."""
    data = asdict(flag)
    for key in ("patient_advice", "advice_source"):
        if not data[key]:
            del data[key]
    return data


def _schema_version(data: Mapping[str, Any], current: int, what: str) -> int:
    """The ``schema_version`` of stored ``data`` (1 when absent); a newer one is refused."""
    raw = data.get("schema_version", 1)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise StoredVersionError(f"The stored {what} has an unreadable schema_version {raw!r}.")
    if raw > current:
        raise StoredVersionError(
            f"The stored {what} has schema_version {raw}, newer than this code reads "
            f"(up to {current}); upgrade nervepath to read it."
        )
    return raw


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
