# SPDX-License-Identifier: AGPL-3.0-or-later
"""EDF/EDF+ sleep studies: tibialis anterior EMG and scored events.

Read directly with NumPy; discontinuous EDF+ is left to edfio."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np

from nervepath.science.movement.errors import (
    CorruptFileError,
    MissingChannelError,
    MovementInputError,
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
    path = Path(path)
    with open(path, "rb") as fh:
        first = fh.read(8)
    if first != b"0       ":
        raise UnsupportedFormatError(f"{path.name}: not an EDF file (bad version field).")
    try:
        fast = _read_edf_direct(path)
    except _NeedsEdfio:
        fast = None
    except MovementInputError:
        raise
    except (ValueError, IndexError, OSError) as exc:
        raise CorruptFileError(
            f"{path.name}: the EDF file is damaged or truncated ({exc}). Export it again "
            "from the sleep-study software."
        ) from exc
    if fast is None:
        return _read_edf_with_edfio(path)
    return fast


class _NeedsEdfio(Exception):
    """A layout the direct reader leaves to edfio (EDF+D, unusual headers)."""


def _field(raw: bytes, start: int, length: int) -> str:
    return raw[start : start + length].decode("latin-1").strip()


def _read_edf_direct(path: Path) -> EmgRecording | None:
    """Read the leg channels straight from the data records with NumPy.

    The header is parsed as the EDF specification lays it out (Kemp 1992, EDF+ Kemp
    2003); the data records are read a few megabytes at a time into one int16 buffer
    viewed as (records, samples per record), and each leg channel, a strided slice of
    it, is calibrated straight into its float32 array. EDF+ annotations are parsed from
    their own signal's bytes (time-stamped annotation lists). Discontinuous EDF+
    (EDF+D) goes to edfio.
    """
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(256)
        if len(head) < 256:
            raise ValueError("the header is shorter than 256 bytes")
        ns = int(_field(head, 252, 4))
        header_bytes = int(_field(head, 184, 8))
        if ns <= 0 or header_bytes != 256 * (ns + 1):
            raise ValueError("the header size does not match its number of signals")
        sig = fh.read(256 * ns)
        if len(sig) < 256 * ns:
            raise ValueError("the signal headers are cut off")
    reserved = _field(head, 192, 44)
    if reserved.startswith("EDF+D"):
        raise _NeedsEdfio
    plus = reserved.startswith("EDF+")

    def column(offset: int, width: int) -> list[str]:
        base = offset * ns
        return [_field(sig, base + i * width, width) for i in range(ns)]

    labels = column(0, 16)
    dims = column(16 + 80, 8)
    pmin = [float(v) for v in column(16 + 80 + 8, 8)]
    pmax = [float(v) for v in column(16 + 80 + 16, 8)]
    dmin = [float(v) for v in column(16 + 80 + 24, 8)]
    dmax = [float(v) for v in column(16 + 80 + 32, 8)]
    spr = [int(v) for v in column(16 + 80 + 40 + 80, 8)]
    record_s = float(_field(head, 244, 8))
    if record_s <= 0 or any(n < 0 for n in spr):
        raise _NeedsEdfio
    per_record = sum(spr)
    if per_record == 0:
        raise ValueError("the data records hold no samples")
    n_records = int(_field(head, 236, 8))
    available = (size - header_bytes) // (2 * per_record)
    if n_records < 0:
        n_records = available
    if available < n_records or n_records == 0:
        raise ValueError(f"{n_records} data records announced, {available} complete in the file")
    offsets = np.concatenate(([0], np.cumsum(spr)))
    ann_index = [i for i, lab in enumerate(labels) if lab == "EDF Annotations"] if plus else []
    real = [lab if i not in ann_index else "" for i, lab in enumerate(labels)]
    legs = find_leg_channels([lab for lab in real])
    legs = {side: i for side, i in legs.items() if i not in ann_index}
    if not legs:
        raise MissingChannelError(
            f"{path.name}: no left or right tibialis anterior EMG channel found among "
            f"{', '.join(lab for lab in real if lab) or 'no signals'}. Label the leg "
            "channels e.g. 'Leg L' / 'Leg R' or 'LAT' / 'RAT'."
        )
    rates = {side: spr[i] / record_s for side, i in legs.items()}
    if len(set(rates.values())) > 1:
        raise CorruptFileError(
            f"{path.name}: the leg EMG channels have different sampling rates {rates}; "
            "export them at one rate."
        )
    channels: dict[str, np.ndarray] = {}
    calibration: dict[str, tuple[np.float32, np.float32]] = {}
    notes = [f"{side} leg: channel '{labels[i]}'" for side, i in legs.items()]
    for side, i in legs.items():
        scale = _UNIT_TO_UV.get(dims[i].lower())
        if scale is None:
            scale = 1.0
            notes.append(f"{side} leg unit '{dims[i]}' unknown; read as µV.")
        if dmax[i] == dmin[i]:
            raise ValueError(f"signal '{labels[i]}' has equal digital minimum and maximum")
        gain = (pmax[i] - pmin[i]) / (dmax[i] - dmin[i])
        # physical = (digital - dmin) * gain + pmin, as one product and one sum. float32:
        # 24 bits of mantissa hold a 16-bit sample and its calibration to errors far
        # below a microvolt, at half the memory of float64.
        calibration[side] = (
            np.float32(gain * scale),
            np.float32((pmin[i] - dmin[i] * gain) * scale),
        )
        channels[side] = np.empty(n_records * spr[i], dtype=np.float32)
    # The data records are read a few megabytes at a time into one buffer and each leg
    # is calibrated from it into its own array: no copy of the whole file is made.
    per_chunk = max(1, (1 << 22) // (2 * per_record))
    buffer = np.empty((min(per_chunk, n_records), per_record), dtype="<i2")
    tal_bytes = {i: np.empty((n_records, spr[i]), dtype="<i2") for i in ann_index}
    with open(path, "rb", buffering=0) as data_file:
        data_file.seek(header_bytes)
        for r0 in range(0, n_records, per_chunk):
            r1 = min(n_records, r0 + per_chunk)
            records = buffer[: r1 - r0]
            raw = records.reshape(-1).view(np.uint8)
            done = 0
            while done < raw.size:
                got = data_file.readinto(raw[done:].data)
                if not got:
                    raise ValueError("the data records end early")
                done += got
            for side, i in legs.items():
                gain32, offset32 = calibration[side]
                out = channels[side].reshape(n_records, spr[i])[r0:r1]
                np.multiply(records[:, offsets[i] : offsets[i + 1]], gain32, out=out)
                out += offset32
            for i in ann_index:
                tal_bytes[i][r0:r1] = records[:, offsets[i] : offsets[i + 1]]
    del buffer
    annotations: list[Annotation] = []
    for i in ann_index:
        annotations += _parse_tals(tal_bytes[i].tobytes())
    start_date, note = _start_date(head, plus)
    if note:
        notes.append(note)
    clock = _field(head, 176, 8).replace(":", ".")
    hh, mm, ss = (int(v) for v in clock.split("."))
    start_dt = dt.datetime.combine(start_date, dt.time(hh, mm, ss), tzinfo=dt.UTC)
    return EmgRecording(
        channels=channels,
        fs=next(iter(rates.values())),
        start=start_dt.timestamp(),
        device="EDF+ sleep study" if annotations else "EDF sleep study",
        labels={side: labels[i] for side, i in legs.items()},
        annotations=sorted(annotations, key=lambda a: a.onset),
        notes=notes,
    )


#: One TAL with text: onset, optional duration, texts. The empty time-keeping TAL that
#: opens each data record has no text and does not match.
_TAL = re.compile(rb"([+-]\d+(?:\.\d*)?)(?:\x15(\d+(?:\.\d*)?))?\x14([^\x14\x00][^\x00]*)\x00")


def _parse_tals(raw: bytes) -> list[Annotation]:
    """EDF+ time-stamped annotation lists: onset, optional duration, texts (Kemp 2003).

    The first, empty annotation of each record is its time stamp and is skipped.
    Texts are separated by 0x14; the list ends with 0x14 0x00.
    """
    # A TAL ends at a zero byte and holds no other, so every match lies between two
    # zeros, one per stretch, and only in a stretch where a 0x14 is followed by text.
    # Most stretches are the records' empty time-keeping TALs or zero padding: the
    # pattern is run on the others only (the same matches as over the whole signal).
    byte = np.frombuffer(raw, dtype=np.uint8)
    zero = byte == 0
    # The first zero of each run of zeros ends a stretch; the last one comes before
    # the next stretch.
    first_zero = np.flatnonzero(zero & np.concatenate(([True], ~zero[:-1])))
    last_zero = np.flatnonzero(zero & np.concatenate((~zero[1:], [True])))
    text_starts = np.flatnonzero((byte[:-1] == 0x14) & (byte[1:] != 0x14) & (byte[1:] != 0))
    stretch = np.unique(np.searchsorted(first_zero, text_starts))
    stretch = stretch[stretch < first_zero.size]
    out = []
    for i in stretch.tolist():
        end = int(first_zero[i])
        before = int(np.searchsorted(last_zero, end)) - 1
        start = int(last_zero[before]) + 1 if before >= 0 else 0
        for onset, duration, texts in _TAL.findall(raw, start, end + 1):
            for text in texts.split(b"\x14"):
                label = text.decode("utf-8", errors="replace").strip()
                if label:
                    out.append(Annotation(float(onset), float(duration or 0.0), label))
    return out


def _start_date(head: bytes, plus: bool) -> tuple[dt.date, str]:
    """The start date, from the EDF+ recording field where it has one (4-digit year)."""
    anonymised = "Start date anonymised in the file; times of day are still valid."
    recording = _field(head, 88, 80).split()
    if plus and len(recording) >= 2 and recording[0] == "Startdate":
        if recording[1] == "X":
            return dt.date(1985, 1, 1), anonymised
        try:
            return dt.datetime.strptime(recording[1].title(), "%d-%b-%Y").date(), ""
        except ValueError:
            pass
    day, month, year = (int(v) for v in _field(head, 168, 8).split("."))
    return dt.date(year + (1900 if year >= 85 else 2000), month, day), ""


def _read_edf_with_edfio(path: Path) -> EmgRecording:
    import edfio

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
    edf_annotations = edf.annotations
    annotations = [
        Annotation(float(a.onset), float(a.duration or 0.0), str(a.text))
        for a in edf_annotations
        if str(a.text).strip()
    ]
    return EmgRecording(
        channels=channels,
        fs=next(iter(rates.values())),
        start=start_dt.timestamp(),
        device="EDF+ sleep study" if edf_annotations else "EDF sleep study",
        labels={side: labels[i] for side, i in legs.items()},
        annotations=annotations,
        notes=notes,
    )
