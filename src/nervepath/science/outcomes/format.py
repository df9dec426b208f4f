# SPDX-License-Identifier: AGPL-3.0-or-later
"""Journal-style formatting of numbers, and turning results into JSON-safe values."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def p_value(p: float | None) -> str:
    """ "<0.001" below 0.001, else three decimals; "—" when no test was run."""
    if p is None or not math.isfinite(p):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def number(x: float | None, digits: int = 1) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.{digits}f}"


def percent(share: float | None) -> str:
    """A share 0..1 as a percentage with one decimal, "—" when there is none."""
    return "—" if share is None else f"{share * 100:.1f}"


def count(n: int, min_cell: int = 0) -> str:
    """A count as text; with ``min_cell``, a count of 1 to ``min_cell`` - 1 reads
    "<min_cell" (small-cell suppression: the CMS cell-size suppression policy shows no
    cell of 1 to 10, so ``min_cell`` = 11). Zero stays visible, as the policy allows."""
    n = int(n)
    if min_cell and 0 < n < min_cell:
        return f"<{min_cell}"
    return str(n)


def opt(x: Any) -> float | None:
    """A finite float, or None for NaN/inf/None."""
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def jsonable(obj: Any) -> Any:
    """Recursively: NaN/inf -> None, NumPy scalars -> Python, tuples -> lists."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [jsonable(v) for v in obj.tolist()]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return opt(obj)
    return obj
