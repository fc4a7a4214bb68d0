"""Settings from the environment (limits, minimum cell size, the case-management system): one reading rule."""

from __future__ import annotations

import os


def int_setting(name: str, default: int, minimum: int = 1) -> int:
    """``$name`` as a whole number of at least ``minimum`` (``default`` when unset). A value that is
    not a whole number raises ValueError naming the setting: the caller decides whether that stops
    a command or falls back to the default."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return max(minimum, int(raw))
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number") from None


def case_system() -> str:
    """The municipality's case-management system (``INSATS_CASE_SYSTEM``, e.g. "Treserva", "Procapita"):
    the start decision's reference is a number in it. Empty when not set."""
    return os.environ.get("INSATS_CASE_SYSTEM", "").strip()
