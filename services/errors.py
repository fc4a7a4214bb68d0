"""The one error boundary: an unexpected error becomes a short error id for the user, and the log
gets that id with the exception's type and place, never its message (which can hold SQL, parameter
values or free text about a youth)."""

from __future__ import annotations

import logging
import secrets
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("insats")


def place_of(exc: BaseException) -> str:
    """The innermost frame in Insats' own code (file:line in function), else the innermost at all."""
    frames = traceback.extract_tb(exc.__traceback__)
    # Insats' own files: under its root, but not the source tree's own .venv (an installed Insats lives in
    # some venv's site-packages, whatever that venv is called, and its frames are its own)
    ours = [f for f in frames if Path(f.filename).is_relative_to(ROOT)
            and not Path(f.filename).is_relative_to(ROOT / ".venv")]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "?"
    name = Path(frame.filename)
    shown = name.relative_to(ROOT) if name.is_relative_to(ROOT) else name.name
    return f"{shown}:{frame.lineno} in {frame.name}"


def report(exc: BaseException) -> str:
    """Log the error without its message; return the id to show the user."""
    error_id = secrets.token_hex(4)
    log.error("error %s: %s at %s", error_id, type(exc).__name__, place_of(exc))
    return error_id
