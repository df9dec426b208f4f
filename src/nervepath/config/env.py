# SPDX-License-Identifier: AGPL-3.0-or-later
"""Typed readers for settings taken from the environment.

Every setting comes from an environment variable; a bad value stops start-up with a
message that names the variable, instead of a confusing failure later.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rate(name: str, default: str) -> tuple[int, int]:
    """A rate limit written ``"N/SECONDS"`` (e.g. ``"20/60"``: 20 requests a minute)."""
    raw = os.environ.get(name)
    text = default if raw is None or raw.strip() == "" else raw
    count, slash, period = text.strip().partition("/")
    try:
        limit, seconds = int(count), int(period)
    except ValueError:
        limit = seconds = 0
    if not slash or limit < 1 or seconds < 1:
        raise ImproperlyConfigured(
            f"{name} must be 'N/SECONDS' with whole numbers of at least 1, "
            f"e.g. '20/60'; got {text!r}"
        )
    return limit, seconds


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of a fixed set of words (case-insensitive), so a typo is refused at start-up."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {raw!r}")
    return value


def env_required(name: str, why: str) -> str:
    """A value production cannot run without; ``why`` ends the error message."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set: {why}")
    return value


def env_dir(name: str) -> Path | None:
    """An existing folder, or None when the variable is unset or empty."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise ImproperlyConfigured(f"{name} must name an existing folder; got {raw!r}")
    return path
