# SPDX-License-Identifier: AGPL-3.0-or-later
"""Where on the body a recording was worn, from the file header or from the upload.

Periodic limb movements are leg movements: the PLM indices are defined on tibialis
anterior EMG (WASM 2016, AASM 2012), and an accelerometer stands in for it only at the
ankle. A wrist sees arm movements and a waist turns in bed, so a night recorded there
gives no PLM index, only a plainly named "wrist movements per hour" (or waist).

Formats that record the place:

- Axivity ``.cwa``: the metadata text of the header (bytes 64-511, URL-encoded
  ``key=value`` pairs written by OMGUI); ``_p`` is the body location
  (e.g. ``_p=right+wrist``; OpenMovement, OMGUI "Subject / Body location").
- GENEActiv ``.bin``: the header line ``Device Location Code:`` (often left empty).
- Original GENEA ``.bin``: ``Body-Location:`` (two-letter codes such as ``RW``, right
  wrist).
- ActiGraph ``.gt3x``: ``Limb:`` (Wrist, Waist, Ankle, Thigh) and ``Side:`` in
  ``info.txt``.
- EDF sleep studies: the leg channels are tibialis EMG, so the place is the leg.

CSV files and headers that leave the place empty record nothing: then the place given
at upload is used (the web form asks the patient or staff for it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LEG_SITES",
    "SITES",
    "BodyLocation",
    "location_from_file",
    "parse_site",
    "resolve_location",
]

#: Places the engine knows. ``""`` is "not known".
SITES = ("ankle", "wrist", "waist", "other")
#: Places at which leg movements are scored. A recording whose place is not known
#: is scored as the engine's documented input (an ankle monitor), with a note.
LEG_SITES = frozenset({"ankle"})

_HEADER_BYTES = 8192
_WORDS = (
    ("ankle", ("ankle", "leg", "shin", "calf", "foot", "tibia", "lower limb")),
    ("wrist", ("wrist", "hand", "arm", "forearm")),
    ("waist", ("waist", "hip", "belt", "trunk", "back", "lumbar", "abdomen")),
)
# Two-letter body codes of the original GENEA software (side, then place).
_GENEA_CODES = {"W": "wrist", "A": "ankle", "H": "waist"}


@dataclass(frozen=True)
class BodyLocation:
    """The place a recording was worn.

    Parameters
    ----------
    site : str
        One of :data:`SITES`, or ``""`` when not known.
    side : str
        ``"left"``, ``"right"`` or ``""``.
    source : str
        ``"file header"``, ``"given at upload"``, ``"sleep study"`` or ``""``.
    text : str
        What the file or the person wrote.
    """

    site: str = ""
    side: str = ""
    source: str = ""
    text: str = ""

    @property
    def is_leg(self) -> bool:
        """Whether leg movements can be scored here (an unknown place counts as leg)."""
        return self.site in LEG_SITES or self.site == ""

    @property
    def label(self) -> str:
        """``"right wrist"``, ``"ankle"`` or ``"not known"``."""
        if not self.site:
            return "not known"
        return f"{self.side} {self.site}".strip()


def parse_site(text: str) -> tuple[str, str]:
    """(site, side) from a free-text or coded body location; ``("", "")`` if empty."""
    words = text.strip().lower().replace("_", " ").replace("-", " ")
    if not words:
        return "", ""
    side = "left" if re.search(r"\bleft\b", words) else ""
    side = "right" if re.search(r"\bright\b", words) else side
    code = words.replace(" ", "").upper()
    if 1 <= len(code) <= 2 and code[-1] in _GENEA_CODES and (len(code) == 1 or code[0] in "LR"):
        side = {"L": "left", "R": "right"}.get(code[0], "") if len(code) == 2 else ""
        return _GENEA_CODES[code[-1]], side
    for site, keys in _WORDS:
        if any(re.search(rf"\b{k}", words) for k in keys):
            return site, side
    if words in SITES:
        return words, side
    return "other", side


def _cwa_text(head: bytes) -> str:
    from urllib.parse import parse_qs

    meta = head[64:512].split(b"\x00")[0].rstrip(b"\xff ").decode("latin-1", "replace")
    values = parse_qs(meta, keep_blank_values=True).get("_p", [""])
    return values[0]


def _line_value(head: bytes, key: bytes) -> str:
    for line in head.splitlines():
        if line.startswith(key):
            return line[len(key) :].decode("latin-1", "replace").strip()
    return ""


def _gt3x_text(path: Path) -> str:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.read("info.txt")[:_HEADER_BYTES].decode("utf-8-sig", "replace")
    except zipfile.BadZipFile as exc:  # zipfile is imported only for .gt3x files
        raise ValueError(str(exc)) from exc
    fields = {}
    for line in info.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip().lower()] = value.strip()
    limb = fields.get("limb", "")
    side = fields.get("side", "")
    return f"{side} {limb}".strip() if limb else ""


def location_from_file(path: str | Path) -> BodyLocation:
    """The body location a night file's header records, or an empty one.

    Never raises on a damaged header: a header that cannot be read records nothing
    (the reader says what is wrong with the file).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".edf":
        return BodyLocation("ankle", "", "sleep study", "tibialis EMG")
    try:
        if suffix == ".gt3x":
            text = _gt3x_text(path)
        else:
            with path.open("rb") as fh:
                head = fh.read(_HEADER_BYTES)
            if suffix == ".cwa" and head[:2] == b"MD":
                text = _cwa_text(head)
            elif suffix == ".bin" and head.startswith(b"GENEA/"):
                text = _line_value(head, b"Body-Location:")
            elif suffix == ".bin":
                text = _line_value(head, b"Device Location Code:")
            else:
                text = ""
    except (OSError, KeyError, ValueError, EOFError):  # a bad zip comes as ValueError
        return BodyLocation()
    site, side = parse_site(text)
    if not site:
        return BodyLocation()
    return BodyLocation(site, side, "file header", text)


def resolve_location(header: BodyLocation, given: str) -> tuple[BodyLocation, str]:
    """The place to use: the header's where it records one, else the one given.

    Returns the place and a note for the report ("" when there is nothing to say).
    """
    given_site, given_side = parse_site(given)
    if header.site:
        if given_site and given_site != header.site:
            return header, (
                f"The file header says the device was worn at the {header.label}; the "
                f"upload said {given_site}. The file header is used."
            )
        return header, ""
    if given_site:
        return BodyLocation(given_site, given_side, "given at upload", given), ""
    return BodyLocation(), (
        "Where the device was worn is not recorded in the file or given; the night is "
        "scored as an ankle recording."
    )
