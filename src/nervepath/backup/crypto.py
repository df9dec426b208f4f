# SPDX-License-Identifier: AGPL-3.0-or-later
"""Optional encryption of backup archives with a key from ``NERVEPATH_BACKUP_KEY``.

Fernet (from ``cryptography``) authenticates and encrypts, but one token must fit in
memory, and uploads can be large. The archive is therefore cut into chunks, each its
own Fernet token, and each chunk's plaintext starts with its index and a last-chunk
flag: a reordered, cut-short or spliced file is refused instead of restored in part.

Layout: ``MAGIC`` then, per chunk, a 4-byte big-endian token length and the token.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

from cryptography.fernet import Fernet, InvalidToken

MAGIC = b"NERVEPATH-BACKUP-ENCRYPTED-1\n"
KEY_VARIABLE = "NERVEPATH_BACKUP_KEY"
CHUNK = 4 * 1024 * 1024
_HEADER = struct.Struct(">QB")  # chunk index, 1 if last
_LENGTH = struct.Struct(">I")


class ArchiveError(Exception):
    """The archive cannot be read: damaged, cut short, or the key does not open it."""


def key_from_env() -> Fernet | None:
    """The Fernet key from the environment, or None when it is not set."""
    raw = os.environ.get(KEY_VARIABLE, "").strip()
    if not raw:
        return None
    try:
        return Fernet(raw.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ArchiveError(
            f"{KEY_VARIABLE} is not a valid key: it must be 44 characters of URL-safe "
            "base64, as printed by `nervepath backup --generate-key`."
        ) from None


def is_encrypted(path: str | os.PathLike[str]) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def encrypt_file(fernet: Fernet, source: BinaryIO, target: BinaryIO) -> None:
    target.write(MAGIC)
    index = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        token = fernet.encrypt(_HEADER.pack(index, 1 if last else 0) + chunk)
        target.write(_LENGTH.pack(len(token)))
        target.write(token)
        if last:
            return
        chunk, index = following, index + 1


def decrypt_file(fernet: Fernet, source: BinaryIO, target: BinaryIO) -> None:
    if source.read(len(MAGIC)) != MAGIC:
        raise ArchiveError("This is not an encrypted nervepath backup.")
    index = 0
    while True:
        length_bytes = source.read(_LENGTH.size)
        if len(length_bytes) < _LENGTH.size:
            raise ArchiveError("The archive is incomplete: it ends before its last part.")
        (length,) = _LENGTH.unpack(length_bytes)
        token = source.read(length)
        if len(token) < length:
            raise ArchiveError("The archive is incomplete: it ends in the middle of a part.")
        try:
            plain = fernet.decrypt(token)
        except InvalidToken:
            if index == 0:
                raise ArchiveError(
                    f"{KEY_VARIABLE} does not open this archive (wrong key, or the archive "
                    "is damaged)."
                ) from None
            raise ArchiveError(f"The archive is damaged (part {index} fails its check).") from None
        part, last = _HEADER.unpack(plain[: _HEADER.size])
        if part != index:
            raise ArchiveError(f"The archive is damaged (part {index} is out of order).")
        target.write(plain[_HEADER.size :])
        if last:
            if source.read(1):
                raise ArchiveError("The archive is damaged (data after its last part).")
            return
        index += 1
