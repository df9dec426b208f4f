# SPDX-License-Identifier: AGPL-3.0-or-later
"""Medicines used for restless legs syndrome, by class, matched by generic or brand name.

The classes follow the AASM clinical practice guideline on the treatment of RLS (Winkelman
JW et al., Treatment of restless legs syndrome and periodic limb movement disorder: an
American Academy of Sleep Medicine clinical practice guideline. J Clin Sleep Med
2025;21(1):137-152), which reviews iron (oral ferrous sulfate, intravenous ferric
carboxymaltose, ferumoxytol and low-molecular-weight iron dextran), the alpha-2-delta
ligands (gabapentin, gabapentin enacarbil, pregabalin), dipyridamole, opioids, and the
dopaminergic medicines (the dopamine agonists pramipexole, ropinirole and rotigotine,
cabergoline, and levodopa), whose long-term use carries the risk of augmentation
(Garcia-Borreguero D et al., Sleep Med 2016;21:1-11). Brand names are the US (and for a
few, European) trade names of the same substances.

The table is for display (a class next to the name, the augmentation flag on dopaminergic
rows); it is not a formulary and prescribes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOPAMINE_AGONIST = "dopamine_agonist"
LEVODOPA = "levodopa"
ALPHA2DELTA = "alpha2delta"
OPIOID = "opioid"
IRON = "iron"
DIPYRIDAMOLE = "dipyridamole"

CLASS_LABELS = {
    DOPAMINE_AGONIST: "Dopamine agonist",
    LEVODOPA: "Levodopa",
    ALPHA2DELTA: "Alpha-2-delta ligand",
    OPIOID: "Opioid",
    IRON: "Iron",
    DIPYRIDAMOLE: "Dipyridamole",
}

# The classes in which augmentation occurs (dopaminergic medicines).
DOPAMINERGIC = frozenset({DOPAMINE_AGONIST, LEVODOPA})

# Name (generic or brand, lower case) → (class, generic name).
NAMES: dict[str, tuple[str, str]] = {
    # dopamine agonists
    "pramipexole": (DOPAMINE_AGONIST, "pramipexole"),
    "mirapex": (DOPAMINE_AGONIST, "pramipexole"),
    "mirapexin": (DOPAMINE_AGONIST, "pramipexole"),
    "sifrol": (DOPAMINE_AGONIST, "pramipexole"),
    "ropinirole": (DOPAMINE_AGONIST, "ropinirole"),
    "requip": (DOPAMINE_AGONIST, "ropinirole"),
    "adartrel": (DOPAMINE_AGONIST, "ropinirole"),
    "rotigotine": (DOPAMINE_AGONIST, "rotigotine"),
    "neupro": (DOPAMINE_AGONIST, "rotigotine"),
    "cabergoline": (DOPAMINE_AGONIST, "cabergoline"),
    # levodopa (with a decarboxylase inhibitor)
    "levodopa": (LEVODOPA, "levodopa"),
    "sinemet": (LEVODOPA, "carbidopa-levodopa"),
    "madopar": (LEVODOPA, "levodopa-benserazide"),
    # alpha-2-delta ligands
    "gabapentin": (ALPHA2DELTA, "gabapentin"),
    "neurontin": (ALPHA2DELTA, "gabapentin"),
    "gralise": (ALPHA2DELTA, "gabapentin"),
    "gabapentin enacarbil": (ALPHA2DELTA, "gabapentin enacarbil"),
    "horizant": (ALPHA2DELTA, "gabapentin enacarbil"),
    "pregabalin": (ALPHA2DELTA, "pregabalin"),
    "lyrica": (ALPHA2DELTA, "pregabalin"),
    # opioids
    "oxycodone": (OPIOID, "oxycodone"),
    "oxycontin": (OPIOID, "oxycodone"),
    "targin": (OPIOID, "oxycodone-naloxone"),
    "methadone": (OPIOID, "methadone"),
    "tramadol": (OPIOID, "tramadol"),
    "ultram": (OPIOID, "tramadol"),
    "hydrocodone": (OPIOID, "hydrocodone"),
    "morphine": (OPIOID, "morphine"),
    "buprenorphine": (OPIOID, "buprenorphine"),
    "codeine": (OPIOID, "codeine"),
    # iron
    "iron": (IRON, "iron"),
    "ferrous sulfate": (IRON, "ferrous sulfate"),
    "ferrous sulphate": (IRON, "ferrous sulfate"),
    "ferrous gluconate": (IRON, "ferrous gluconate"),
    "ferrous fumarate": (IRON, "ferrous fumarate"),
    "ferric carboxymaltose": (IRON, "ferric carboxymaltose"),
    "injectafer": (IRON, "ferric carboxymaltose"),
    "ferinject": (IRON, "ferric carboxymaltose"),
    "ferumoxytol": (IRON, "ferumoxytol"),
    "feraheme": (IRON, "ferumoxytol"),
    "iron dextran": (IRON, "iron dextran"),
    "infed": (IRON, "iron dextran"),
    "iron sucrose": (IRON, "iron sucrose"),
    "venofer": (IRON, "iron sucrose"),
    "ferric derisomaltose": (IRON, "ferric derisomaltose"),
    "monoferric": (IRON, "ferric derisomaltose"),
    # other
    "dipyridamole": (DIPYRIDAMOLE, "dipyridamole"),
    "persantine": (DIPYRIDAMOLE, "dipyridamole"),
}

_WORD = re.compile(r"[a-z0-9]+")
# Longest names first, so "gabapentin enacarbil" wins over "gabapentin".
_BY_LENGTH = sorted(NAMES, key=lambda n: (-len(n.split()), -len(n)))


@dataclass(frozen=True)
class DrugClass:
    code: str
    generic: str

    @property
    def label(self) -> str:
        return CLASS_LABELS[self.code]

    @property
    def dopaminergic(self) -> bool:
        return self.code in DOPAMINERGIC


def classify(name: str) -> DrugClass | None:
    """The class of a medication as written on the record, case-insensitive, by generic or
    brand name anywhere in it ("Mirapex ER", "carbidopa/levodopa 25/100",
    "Ropinirole XL"); None when it is not in the table."""
    words = _WORD.findall((name or "").lower())
    if not words:
        return None
    padded = " " + " ".join(words) + " "
    for known in _BY_LENGTH:
        if f" {known} " in padded:
            code, generic = NAMES[known]
            return DrugClass(code, generic)
    return None
