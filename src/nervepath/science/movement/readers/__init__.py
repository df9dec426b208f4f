# SPDX-License-Identifier: AGPL-3.0-or-later
"""Readers for night files: device accelerometer files and EDF sleep studies.

:func:`read_night` picks the reader from the file's extension and first bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nervepath.science.movement.errors import UnsupportedFormatError
from nervepath.science.movement.readers.actigraph import read_gt3x
from nervepath.science.movement.readers.axivity import read_cwa
from nervepath.science.movement.readers.csv import read_csv
from nervepath.science.movement.readers.edf import read_edf
from nervepath.science.movement.readers.geneactiv import read_bin, read_genea
from nervepath.science.movement.recording import AccelRecording, EmgRecording

__all__ = [
    "SUPPORTED_SUFFIXES",
    "read_bin",
    "read_csv",
    "read_cwa",
    "read_edf",
    "read_genea",
    "read_gt3x",
    "read_night",
]

_READERS: dict[str, Callable[[Path], AccelRecording | EmgRecording]] = {
    ".cwa": read_cwa,
    ".bin": read_bin,
    ".gt3x": read_gt3x,
    ".csv": read_csv,
    ".edf": read_edf,
}

#: File name endings :func:`read_night` accepts.
SUPPORTED_SUFFIXES = tuple(_READERS)


def read_night(path: str | Path) -> AccelRecording | EmgRecording:
    """Read a night file of any supported format.

    Parameters
    ----------
    path : str or Path
        An Axivity ``.cwa``, GENEActiv/GENEA ``.bin``, ActiGraph ``.gt3x``, CSV
        (time, x, y, z in g) or EDF/EDF+ sleep-study file.

    Returns
    -------
    AccelRecording or EmgRecording

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    UnsupportedFormatError
        The file name ending is not one of :data:`SUPPORTED_SUFFIXES`.
    MovementInputError
        Any subclass, for damaged files or missing channels.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such night file: {path}")
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFormatError(
            f"{path.name}: unsupported file type '{path.suffix or '(none)'}'. Supported: "
            "Axivity .cwa, GENEActiv .bin, ActiGraph .gt3x, CSV (time, x, y, z in g), "
            "EDF/EDF+ sleep studies."
        )
    if path.stat().st_size == 0:
        from nervepath.science.movement.errors import CorruptFileError

        raise CorruptFileError(f"{path.name}: the file is empty (0 bytes).")
    return reader(path)
