# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations


class PathwayError(Exception):
    """A refused change to the care pathway; the message is shown to the user as is.
    Raised before anything is written (or inside the transaction, which then rolls
    back), so a refused change stores nothing."""
