# SPDX-License-Identifier: AGPL-3.0-or-later
"""Which uploads the movement engine can read, judged by file ending and first bytes.

The browser's claimed type is not trusted. Each ending the engine reads
(``science.movement.readers.SUPPORTED_SUFFIXES``) has the bytes its files start with:
Axivity ``.cwa`` a "MD" header packet; ActiGraph ``.gt3x`` is a ZIP archive;
GENEActiv ``.bin`` starts with its "Device Identity" text header and the original
GENEA with "GENEA/"; EDF with "0" and seven spaces (the version field); CSV is text.
"""

from __future__ import annotations

from nervepath.science.movement import SUPPORTED_SUFFIXES

_STARTS: dict[str, tuple[bytes, ...]] = {
    ".cwa": (b"MD",),
    ".gt3x": (b"PK\x03\x04",),
    ".bin": (b"Device Identity", b"GENEA/"),
    ".edf": (b"0       ",),
}

READABLE = "Axivity .cwa, GENEActiv/GENEA .bin, ActiGraph .gt3x, CSV or EDF"


def suffix_of(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


def check(name: str, head: bytes) -> str:
    """The format (file ending) if the engine reads it; else ValueError with a reason."""
    suffix = suffix_of(name)
    if suffix not in SUPPORTED_SUFFIXES:
        raise ValueError(f"nervepath reads {READABLE} files; this file is not one of them.")
    if not head:
        raise ValueError("The file is empty.")
    starts = _STARTS.get(suffix)
    if starts is not None and not head.startswith(starts):
        raise ValueError(
            f"The file ends in {suffix} but its contents are not a {suffix} recording. "
            "Upload the file exactly as the device software saved it."
        )
    if suffix == ".csv" and b"\x00" in head:
        raise ValueError("The file ends in .csv but is not text.")
    return suffix
