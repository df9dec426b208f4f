# SPDX-License-Identifier: AGPL-3.0-or-later
"""Readers for night files: device accelerometer files and EDF sleep studies.

:func:`read_night` picks the reader from the file's extension and first bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nervepath.science.movement.errors import UnsupportedFormatError
from nervepath.science.movement.recording import AccelRecording, EmgRecording

if TYPE_CHECKING:  # pragma: no cover
    from nervepath.science.movement.readers.actigraph import read_gt3x
    from nervepath.science.movement.readers.axivity import read_cwa
    from nervepath.science.movement.readers.csv import read_csv
    from nervepath.science.movement.readers.edf import read_edf
    from nervepath.science.movement.readers.geneactiv import read_bin, read_genea

# Each reader's module is imported when a file of its kind is read (an EDF night does
# not load the accelerometer libraries).
_MODULES = {
    "read_gt3x": "actigraph",
    "read_cwa": "axivity",
    "read_csv": "csv",
    "read_edf": "edf",
    "read_bin": "geneactiv",
    "read_genea": "geneactiv",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
    globals()[name] = value
    return value


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

_READERS: dict[str, str] = {
    ".cwa": "read_cwa",
    ".bin": "read_bin",
    ".gt3x": "read_gt3x",
    ".csv": "read_csv",
    ".edf": "read_edf",
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
    reader_name = _READERS.get(path.suffix.lower())
    if reader_name is None:
        raise UnsupportedFormatError(
            f"{path.name}: unsupported file type '{path.suffix or '(none)'}'. Supported: "
            "Axivity .cwa, GENEActiv .bin, ActiGraph .gt3x, CSV (time, x, y, z in g), "
            "EDF/EDF+ sleep studies."
        )
    if path.stat().st_size == 0:
        from nervepath.science.movement.errors import CorruptFileError

        raise CorruptFileError(f"{path.name}: the file is empty (0 bytes).")
    reader: Callable[[Path], AccelRecording | EmgRecording] = __getattr__(reader_name)
    return reader(path)
