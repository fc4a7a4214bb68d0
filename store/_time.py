from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Naive UTC, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)
