"""A setting's value read the one way Insats reads it: a whole number with a floor, its default when
unset, and a message naming the setting and what was expected when it is anything else (never a silent
"no limit")."""

from __future__ import annotations


def whole_number(raw: str | None, setting: str, default: int, unit: str, *, minimum: int = 1,
                 problem: type[ValueError] = ValueError) -> int:
    """``raw`` as a whole number of ``unit`` (plural words: "attempts", "referrals per day"), at least
    ``minimum``; ``default`` when unset or empty; else ``problem`` saying what was expected."""
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise problem(f"{setting}={raw!r}: expected a whole number of {unit}") from None
    if value < minimum:
        raise problem(f"{setting}={raw!r}: expected a whole number of {unit}, at least {minimum}")
    return value
