"""Insats's own log lines: plain text, or one JSON object per line (``INSATS_LOG_FORMAT=json``) for a
log collector. What Insats logs never holds a name, a personnummer or free text: the error boundary logs
an error id, the exception's type and its place (``services/errors.py``), never a message or a value."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

LOGGER = "insats"


class JsonLines(logging.Formatter):
    """One object per line: time (UTC, ISO), level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                           "level": record.levelname.lower(), "logger": record.name,
                           "message": record.getMessage()}, ensure_ascii=False)


def configure(log_format: str | None = None, stream=None) -> logging.Logger:
    """Set the ``insats`` loggers' one handler (idempotent: a second call replaces it)."""
    import config

    chosen = log_format or config.log_format()
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if getattr(h, "insats", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.insats = True
    handler.setFormatter(JsonLines() if chosen == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    # Python's warnings (a library's deprecation) would write plain text between the JSON lines: in JSON
    # mode they go through the same handler, as one object each
    warned = logging.getLogger("py.warnings")
    for old in [h for h in warned.handlers if getattr(h, "insats", False)]:
        warned.removeHandler(old)
    logging.captureWarnings(chosen == "json")
    warned.propagate = chosen != "json"
    if chosen == "json":
        warned.addHandler(handler)
    return logger
