# SPDX-License-Identifier: AGPL-3.0-or-later
"""The ``id`` path converter: a database id, 1 to 18 digits.

Django's ``int`` converter takes any number of digits, and an id beyond 2**63 - 1 then
fails in the database driver (a 500) instead of matching nothing. Every id in our URLs
(pages and the JSON API, ``{id:booking_id}``) uses ``<id:...>``: 18 digits always fit a
64-bit column, so a longer or larger id is simply not a route (404).
"""

from __future__ import annotations

from django.urls import register_converter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        number = int(value)
        if not 0 <= number <= MAX_ID:
            raise ValueError(f"{value!r} is not a database id")
        return str(number)


register_converter(IdConverter, "id")
