# SPDX-License-Identifier: AGPL-3.0-or-later
"""Damage fuzz: every real device file, every damage kind (issue 16).

Each damaged copy (:mod:`.damage`) must end in a typed error with a sentence, or in a
reading whose time runs forward, whose damaged stretch is marked and left out, and
whose every sample is the intact file's sample at that time. The expected outcome of
every kind is pinned per format, so a reader that starts refusing what it could read
(or reading what it should refuse) fails here. small.gt3x (13.6 h) is left to the
bigger sweep in ``benchmarks/bench_damage.py``: one read of it takes seconds.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from nervepath.science.movement.readers import read_night
from nervepath.science.movement.recording import AccelRecording

from ...conftest import WEARABLES
from .damage import check_outcome, variants_of

FILES = [
    "GENEActiv_testfile.bin",
    "genea_testfile.bin",
    "ax3_testfile.cwa",
    "ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa",
    "ax6_testfile.cwa",
    "ISM_Disabled.gt3x",
    "ISM_Enabled.gt3x",
    "ggir_actigraph_testfile.gt3x",
    "neo.gt3x",
]

REFUSED = {
    # Everything else is read, with the damage marked and left out.
    ".cwa": {"truncated to the header", "flipped magic bytes"},
    "GENEActiv": {"header only", "flipped magic bytes", "flipped calibration bytes"},
    "GENEA": {"header only", "flipped sample-rate bytes"},
    # Cut-short archives are read up to the cut, also when info.txt (the last member
    # in three of these files) is lost: the log's parameters record replaces it.
    ".gt3x": set(),
    # neo.gt3x is the older NHANES layout: activity.bin has no records to resync on.
    "neo.gt3x": {
        "truncated at 30%",
        "truncated at 60%",
        "truncated at 95%",
        "zeroed bytes in the compressed data",
        "zip directory missing",
    },
}


def _refused(name: str) -> set[str]:
    if name in REFUSED:
        return REFUSED[name]
    if name.startswith("GENEActiv"):
        return REFUSED["GENEActiv"]
    if name.startswith("genea"):
        return REFUSED["GENEA"]
    return REFUSED[Path(name).suffix]


def _cases() -> list[tuple[str, str]]:
    if not WEARABLES.is_dir():
        return [(name, "(recordings missing)") for name in FILES]
    return [(name, v.kind) for name in FILES for v in variants_of(WEARABLES / name)]


@cache
def _intact(name: str) -> AccelRecording:
    rec = read_night(WEARABLES / name)
    assert isinstance(rec, AccelRecording)
    return rec


@pytest.mark.parametrize(("name", "kind"), _cases())
def test_damaged_copy_is_refused_with_a_sentence_or_read_with_the_damage_left_out(
    wearables, tmp_path, name, kind
):
    [variant] = [v for v in variants_of(wearables / name) if v.kind == kind]
    outcome = check_outcome(variant, _intact(name), tmp_path)
    assert outcome == ("refused" if kind in _refused(name) else "read")


def test_every_format_meets_every_damage_kind():
    kinds: dict[str, set[str]] = {}
    for name, kind in _cases():
        kinds.setdefault(Path(name).suffix + name[:5], set()).add(kind)
    for made in kinds.values():
        assert any(k.startswith("truncated") for k in made)
        assert any("flipped" in k for k in made)
    for suffix in (".cwa", ".gt3x"):
        made = set().union(*(k for n, k in kinds.items() if n.startswith(suffix)))
        assert {"swapped", "duplicated", "zeroed"} <= {w for k in made for w in k.split()}
        assert {"ahead", "back"} <= {w for k in made for w in k.split()}
