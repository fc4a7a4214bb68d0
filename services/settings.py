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


# the limits of an upload, the same at the door (insats serve) as in the pages' messages
DEFAULT_MB, DEFAULT_ROWS = 10, 100_000


def _setting(name: str, default: int) -> int:
    try:
        return int_setting(name, default)
    except ValueError:  # a mistyped limit must not take the pages down: the default holds
        return default


def max_upload_mb() -> int:
    return _setting("INSATS_MAX_UPLOAD_MB", DEFAULT_MB)


def max_rows() -> int:
    return _setting("INSATS_MAX_ROWS", DEFAULT_ROWS)
