# SPDX-License-Identifier: AGPL-3.0-or-later
"""The structured examination of the leg's nerves, per leg, as data.

One examination is a dict ``{"left": {...}, "right": {...}}``; each leg holds:

- ``tunnels``: for each of the three tunnels of the clinic's practice (common peroneal
  nerve at the fibular neck, superficial peroneal nerve where it leaves the fascia, tibial
  nerve at the soleal sling) the Tinel sign (positive, negative, not tested), tenderness
  and symptoms provoked by pressure (yes, no, not tested);
- ``sensation``: light touch by skin region (normal, reduced, absent, not tested);
- ``monofilament``: how many of 10 applications of the 10 g monofilament on the dorsum of
  the great toe were felt (0-10, or None when not tested);
- ``vibration``: 128 Hz tuning fork at the great toe (present, reduced, absent);
- ``ankle_reflex``: present, present only with reinforcement (Jendrassik), absent;
- ``appearance``: normal or abnormal, with its kinds (deformity, dry skin or callus,
  infection, fissure, other), and ``ulceration`` (yes, no);
- ``strength``: MRC grade 0-5 of each ankle movement.

The MNSI's physical examination reads the same findings (``mnsi_inputs``), so nothing is
entered twice. Pure Python: no Django, so research code can read examinations as data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LEGS = ("left", "right")
LEG_LABELS = {"left": "Left leg", "right": "Right leg"}

TUNNELS = {
    "common_peroneal": "Common peroneal nerve at the fibular neck",
    "superficial_peroneal": "Superficial peroneal nerve",
    "tibial": "Tibial nerve at the soleal sling",
}
TINEL = {"not_tested": "Not tested", "positive": "Positive", "negative": "Negative"}
YES_NO = {"not_tested": "Not tested", "yes": "Yes", "no": "No"}
SENSATION_REGIONS = {
    "first_web_space": "First web space (deep peroneal)",
    "dorsum": "Dorsum of the foot (superficial peroneal)",
    "lateral_leg": "Lateral lower leg (superficial peroneal)",
    "plantar": "Sole of the foot (tibial)",
    "heel": "Heel (calcaneal branches)",
    "lateral_foot": "Lateral foot (sural)",
}
SENSATION = {
    "not_tested": "Not tested",
    "normal": "Normal",
    "reduced": "Reduced",
    "absent": "Absent",
}
VIBRATION = {
    "not_tested": "Not tested",
    "present": "Present",
    "reduced": "Reduced",
    "absent": "Absent",
}
REFLEX = {
    "not_tested": "Not tested",
    "present": "Present",
    "reinforcement": "Present with reinforcement",
    "absent": "Absent",
}
APPEARANCE = {"not_tested": "Not examined", "normal": "Normal", "abnormal": "Abnormal"}
APPEARANCE_KINDS = {
    "deformity": "Deformity",
    "dry_skin_callus": "Dry skin, callus",
    "infection": "Infection",
    "fissure": "Fissure",
    "other": "Other",
}
MOVEMENTS = {
    "dorsiflexion": "Dorsiflexion",
    "plantarflexion": "Plantarflexion",
    "inversion": "Inversion",
    "eversion": "Eversion",
    "great_toe_extension": "Great toe extension",
}
MRC_GRADES = tuple(range(6))  # Medical Research Council scale 0-5 (MRC memorandum 45, 1976)
MONOFILAMENT_APPLICATIONS = 10


class ExamError(ValueError):
    """An examination that is not of the form above; the message says what is wrong."""


def blank_leg() -> dict[str, Any]:
    return {
        "tunnels": {
            t: {"tinel": "not_tested", "tenderness": "not_tested", "pressure": "not_tested"}
            for t in TUNNELS
        },
        "sensation": dict.fromkeys(SENSATION_REGIONS, "not_tested"),
        "monofilament": None,
        "vibration": "not_tested",
        "ankle_reflex": "not_tested",
        "appearance": "not_tested",
        "appearance_kinds": [],
        "ulceration": "not_tested",
        "strength": dict.fromkeys(MOVEMENTS, None),
    }


def blank() -> dict[str, Any]:
    return {leg: blank_leg() for leg in LEGS}


def _choice(value: Any, allowed: Mapping[str, str], what: str) -> str:
    if value not in allowed:
        raise ExamError(f"{what}: choose one of {', '.join(allowed.values()).lower()}.")
    return str(value)


def _grade(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in MRC_GRADES:
        raise ExamError(f"{what}: the MRC grade is a whole number from 0 to 5.")
    return value


def clean_leg(data: Any, leg: str) -> dict[str, Any]:
    label = LEG_LABELS[leg]
    if not isinstance(data, Mapping):
        raise ExamError(f"{label}: the findings are missing.")
    out = blank_leg()
    tunnels = data.get("tunnels") or {}
    for tunnel, name in TUNNELS.items():
        found = tunnels.get(tunnel) or {}
        out["tunnels"][tunnel] = {
            "tinel": _choice(found.get("tinel", "not_tested"), TINEL, f"{label}, {name}, Tinel"),
            "tenderness": _choice(
                found.get("tenderness", "not_tested"), YES_NO, f"{label}, {name}, tenderness"
            ),
            "pressure": _choice(
                found.get("pressure", "not_tested"),
                YES_NO,
                f"{label}, {name}, symptoms on pressure",
            ),
        }
    sensation = data.get("sensation") or {}
    for region, name in SENSATION_REGIONS.items():
        out["sensation"][region] = _choice(
            sensation.get(region, "not_tested"), SENSATION, f"{label}, sensation, {name}"
        )
    felt = data.get("monofilament")
    if felt not in (None, ""):
        if isinstance(felt, bool) or not isinstance(felt, int):
            raise ExamError(f"{label}: the monofilament count is a whole number from 0 to 10.")
        if not 0 <= felt <= MONOFILAMENT_APPLICATIONS:
            raise ExamError(f"{label}: the monofilament count is a whole number from 0 to 10.")
        out["monofilament"] = felt
    out["vibration"] = _choice(
        data.get("vibration", "not_tested"), VIBRATION, f"{label}, vibration at the great toe"
    )
    out["ankle_reflex"] = _choice(
        data.get("ankle_reflex", "not_tested"), REFLEX, f"{label}, ankle reflex"
    )
    out["appearance"] = _choice(
        data.get("appearance", "not_tested"), APPEARANCE, f"{label}, appearance of the foot"
    )
    kinds = data.get("appearance_kinds") or []
    if not isinstance(kinds, list) or any(k not in APPEARANCE_KINDS for k in kinds):
        raise ExamError(f"{label}: unknown kind of abnormal appearance.")
    if kinds and out["appearance"] != "abnormal":
        raise ExamError(f"{label}: kinds of abnormal appearance need the appearance 'abnormal'.")
    out["appearance_kinds"] = [k for k in APPEARANCE_KINDS if k in kinds]
    out["ulceration"] = _choice(
        data.get("ulceration", "not_tested"), YES_NO, f"{label}, ulceration"
    )
    strength = data.get("strength") or {}
    for movement, name in MOVEMENTS.items():
        out["strength"][movement] = _grade(strength.get(movement), f"{label}, {name}")
    return out


def clean(data: Any) -> dict[str, Any]:
    """The examination in its stored form, or ExamError naming the first bad finding."""
    if data in (None, {}):
        return blank()
    if not isinstance(data, Mapping):
        raise ExamError("The examination is not in the expected form.")
    unknown = set(data) - set(LEGS)
    if unknown:
        raise ExamError("The examination has a leg other than left and right.")
    return {leg: clean_leg(data.get(leg) or {}, leg) for leg in LEGS}


def is_recorded(leg: Mapping[str, Any]) -> bool:
    """Whether anything at all was examined on this leg."""
    return clean_leg(leg, "left") != blank_leg()


# -- reading it -----------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    what: str
    left: str
    right: str


def _label(value: Any, labels: Mapping[str, str]) -> str:
    return labels.get(value, "—") if value is not None else "—"


def lines(data: Mapping[str, Any]) -> list[Line]:
    """The examination as rows of (finding, left, right) for pages and letters, leaving
    out rows not tested on either leg."""
    exam = clean(data)
    out: list[Line] = []

    def add(what: str, left: str, right: str) -> None:
        if {left, right} - {"Not tested", "Not examined", "—"}:
            out.append(Line(what, left, right))

    for tunnel, name in TUNNELS.items():
        for key, short, labels in (
            ("tinel", "Tinel sign", TINEL),
            ("tenderness", "tenderness", YES_NO),
            ("pressure", "symptoms on pressure", YES_NO),
        ):
            add(
                f"{name}: {short}",
                *(_label(exam[leg]["tunnels"][tunnel][key], labels) for leg in LEGS),
            )
    for region, name in SENSATION_REGIONS.items():
        add(
            f"Sensation, {name}",
            *(_label(exam[leg]["sensation"][region], SENSATION) for leg in LEGS),
        )

    def felt(leg: str) -> str:
        n = exam[leg]["monofilament"]
        return "—" if n is None else f"{n} of {MONOFILAMENT_APPLICATIONS} felt"

    add("10 g monofilament", felt("left"), felt("right"))
    add("Vibration at the great toe", *(_label(exam[leg]["vibration"], VIBRATION) for leg in LEGS))
    add("Ankle reflex", *(_label(exam[leg]["ankle_reflex"], REFLEX) for leg in LEGS))

    def looks(leg: str) -> str:
        text = _label(exam[leg]["appearance"], APPEARANCE)
        kinds = [APPEARANCE_KINDS[k].lower() for k in exam[leg]["appearance_kinds"]]
        return f"{text} ({', '.join(kinds)})" if kinds else text

    add("Appearance of the foot", looks("left"), looks("right"))
    add("Ulceration", *(_label(exam[leg]["ulceration"], YES_NO) for leg in LEGS))
    for movement, name in MOVEMENTS.items():
        grades = [exam[leg]["strength"][movement] for leg in LEGS]
        add(f"Strength, {name.lower()} (MRC)", *("—" if g is None else f"{g}/5" for g in grades))
    return out


# -- the MNSI examination from the same findings --------------------------------------


def monofilament_category(felt: int | None) -> str | None:
    """MNSI's monofilament item: present when 8-10 of 10 applications are felt, reduced
    for 1-7, absent for none (Feldman EL et al., Diabetes Care 1994;17:1281-9; the MNSI
    examination protocol, University of Michigan)."""
    if felt is None:
        return None
    if felt >= 8:
        return "present"
    return "reduced" if felt >= 1 else "absent"


def mnsi_inputs(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The MNSI physical examination's inputs per foot, read from this examination.

    Per foot: ``appearance`` ("normal"/"abnormal") with ``appearance_kinds``,
    ``ulceration`` ("absent"/"present"), ``ankle_reflex``
    ("present"/"reinforcement"/"absent"), ``vibration`` ("present"/"reduced"/"absent",
    at the great toe), ``monofilament`` ("present"/"reduced"/"absent"). A finding not
    examined is None, so the MNSI scorer can tell a missing item from a normal one. The
    scoring itself (half points, Feldman 1994) is the MNSI's, not this function's.
    """
    exam = clean(data)
    out: dict[str, dict[str, Any]] = {}
    for leg in LEGS:
        found = exam[leg]
        ulcer = {"yes": "present", "no": "absent"}.get(found["ulceration"])
        out[leg] = {
            "appearance": None if found["appearance"] == "not_tested" else found["appearance"],
            "appearance_kinds": list(found["appearance_kinds"]),
            "ulceration": ulcer,
            "ankle_reflex": None
            if found["ankle_reflex"] == "not_tested"
            else found["ankle_reflex"],
            "vibration": None if found["vibration"] == "not_tested" else found["vibration"],
            "monofilament": monofilament_category(found["monofilament"]),
        }
    return out


# -- research: one row per leg --------------------------------------------------------

RESEARCH_COLUMNS: list[tuple[str, str, str]] = (
    [
        (f"{t}_{k}", f"{name}: {what}", ", ".join(labels))
        for t, name in TUNNELS.items()
        for k, what, labels in (
            ("tinel", "Tinel sign", TINEL),
            ("tenderness", "tenderness", YES_NO),
            ("pressure", "symptoms provoked by pressure", YES_NO),
        )
    ]
    + [
        (f"sensation_{r}", f"Light-touch sensation, {name}", ", ".join(SENSATION))
        for r, name in SENSATION_REGIONS.items()
    ]
    + [
        ("monofilament_felt", "10 g monofilament: applications felt of 10", "0-10, empty"),
        ("vibration", "128 Hz vibration at the great toe", ", ".join(VIBRATION)),
        ("ankle_reflex", "Ankle reflex", ", ".join(REFLEX)),
        ("appearance", "Appearance of the foot", ", ".join(APPEARANCE)),
        (
            "appearance_kinds",
            "Kinds of abnormal appearance, ';'-separated",
            ", ".join(APPEARANCE_KINDS),
        ),
        ("ulceration", "Ulceration", ", ".join(YES_NO)),
    ]
    + [(f"mrc_{m}", f"MRC grade of {name.lower()}", "0-5, empty") for m, name in MOVEMENTS.items()]
)


def research_row(leg_data: Mapping[str, Any], leg: str) -> list[Any]:
    """One leg's findings as the cells of ``RESEARCH_COLUMNS`` (codes and numbers only)."""
    found = clean_leg(leg_data, leg)
    row: list[Any] = []
    for t in TUNNELS:
        row += [found["tunnels"][t][k] for k in ("tinel", "tenderness", "pressure")]
    row += [found["sensation"][r] for r in SENSATION_REGIONS]
    row += [
        found["monofilament"],
        found["vibration"],
        found["ankle_reflex"],
        found["appearance"],
        ";".join(found["appearance_kinds"]),
        found["ulceration"],
    ]
    row += [found["strength"][m] for m in MOVEMENTS]
    return row
