# SPDX-License-Identifier: AGPL-3.0-or-later
"""EDF/EDF+ sleep studies: tibialis anterior EMG and scored events, read with edfio."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np

from nervepath.science.movement.errors import (
    CorruptFileError,
    MissingChannelError,
    UnsupportedFormatError,
)
from nervepath.science.movement.recording import Annotation, EmgRecording

__all__ = ["find_leg_channels", "read_edf"]

_UNIT_TO_UV = {"uv": 1.0, "µv": 1.0, "μv": 1.0, "mv": 1e3, "v": 1e6, "nv": 1e-3}
_LEG_WORDS = {"leg", "tib", "tibialis", "ta", "emg", "at", "anterior", "plm"}


def _leg_side(label: str) -> str | None:
    """``"left"``, ``"right"`` or None for an EDF signal label."""
    text = label.lower()
    compact = re.sub(r"[^a-z0-9]", "", text)
    tokens = set(re.findall(r"[a-z]+", text))
    if compact in {
        "lat",
        "lta",
        "lleg",
        "legl",
        "ltib",
        "tibl",
        "emglat",
        "lat1",
        "lat2",
    }:
        return "left"
    if compact in {
        "rat",
        "rta",
        "rleg",
        "legr",
        "rtib",
        "tibr",
        "emgrat",
        "rat1",
        "rat2",
    }:
        return "right"
    if not tokens & _LEG_WORDS and not re.search(r"tib|leg", compact):
        return None
    if tokens & {"l", "left", "lat", "lleg", "ltib"} or compact.startswith(("left", "lleg")):
        return "left"
    if tokens & {"r", "right", "rat", "rleg", "rtib"} or compact.startswith(("right", "rleg")):
        return "right"
    return None


def find_leg_channels(labels: list[str]) -> dict[str, int]:
    """Find the left and right tibialis anterior EMG channels by label.

    Parameters
    ----------
    labels : list of str
        EDF signal labels, e.g. ``["EEG C4-M1", "Leg L", "Leg R"]``.

    Returns
    -------
    dict
        ``{"left": index, "right": index}`` for the legs found (first match each).

    Examples
    --------
    >>> find_leg_channels(["EMG Chin", "LAT", "RAT"])
    {'left': 1, 'right': 2}
    """
    found: dict[str, int] = {}
    for i, label in enumerate(labels):
        side = _leg_side(label)
        if side is not None and side not in found:
            found[side] = i
    return found


def read_edf(path: str | Path) -> EmgRecording:
    """Read leg EMG and annotations from an EDF or EDF+ sleep study.

    Parameters
    ----------
    path : str or Path
        The ``.edf`` file.

    Returns
    -------
    EmgRecording
        Left/right tibialis anterior EMG in µV and the file's annotations.

    Raises
    ------
    UnsupportedFormatError
        The file is not EDF.
    CorruptFileError
        The header or data records are damaged or truncated.
    MissingChannelError
        No tibialis anterior channel could be identified by its label.

    References
    ----------
    Kemp B, Olivan J. European data format 'plus' (EDF+), an EDF alike standard format
    for the exchange of physiological data. Clin Neurophysiol 2003;114:1755-1761.
    doi:10.1016/S1388-2457(03)00123-8
    """
    import edfio

    path = Path(path)
    with open(path, "rb") as fh:
        first = fh.read(8)
    if first != b"0       ":
        raise UnsupportedFormatError(f"{path.name}: not an EDF file (bad version field).")
    try:
        edf = edfio.read_edf(path)
    except (ValueError, OSError, IndexError) as exc:
        raise CorruptFileError(
            f"{path.name}: the EDF file is damaged or truncated ({exc}). Export it again "
            "from the sleep-study software."
        ) from exc
    labels = [s.label for s in edf.signals]
    legs = find_leg_channels(labels)
    if not legs:
        raise MissingChannelError(
            f"{path.name}: no left or right tibialis anterior EMG channel found among "
            f"{', '.join(labels) or 'no signals'}. Label the leg channels e.g. 'Leg L' / "
            "'Leg R' or 'LAT' / 'RAT'."
        )
    rates = {side: float(edf.signals[i].sampling_frequency) for side, i in legs.items()}
    if len(set(rates.values())) > 1:
        raise CorruptFileError(
            f"{path.name}: the leg EMG channels have different sampling rates {rates}; "
            "export them at one rate."
        )
    channels: dict[str, np.ndarray] = {}
    notes = [f"{side} leg: channel '{labels[i]}'" for side, i in legs.items()]
    for side, i in legs.items():
        signal = edf.signals[i]
        scale = _UNIT_TO_UV.get(signal.physical_dimension.strip().lower())
        if scale is None:
            scale = 1.0
            notes.append(f"{side} leg unit '{signal.physical_dimension}' unknown; read as µV.")
        channels[side] = np.asarray(signal.data, dtype=np.float64) * scale
    try:
        start_date = edf.startdate
    except ValueError:  # edfio's AnonymizedDateError: the date was removed ('X')
        start_date = dt.date(1985, 1, 1)
        notes.append("Start date anonymised in the file; times of day are still valid.")
    start_dt = dt.datetime.combine(start_date, edf.starttime, tzinfo=dt.UTC)
    annotations = [
        Annotation(float(a.onset), float(a.duration or 0.0), str(a.text))
        for a in edf.annotations
        if str(a.text).strip()
    ]
    return EmgRecording(
        channels=channels,
        fs=next(iter(rates.values())),
        start=start_dt.timestamp(),
        device="EDF+ sleep study" if edf.annotations else "EDF sleep study",
        labels={side: labels[i] for side, i in legs.items()},
        annotations=annotations,
        notes=notes,
    )
