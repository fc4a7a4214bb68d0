"""Limits on what a browser may upload: size (``INSATS_MAX_UPLOAD_MB``, default 10) and rows
(``INSATS_MAX_ROWS``, default 100,000).

Streamlit's own cap (``server.maxUploadSize``, set to the same default by ``insats serve``) stops
the bytes at the door; these checks give the user a sentence with the limit instead of a broken
widget, and stop a huge register before it is parsed into memory.
"""

from __future__ import annotations

import csv
import io
import re

import streamlit as st

from services.settings import DEFAULT_MB, DEFAULT_ROWS, max_rows, max_upload_mb  # noqa: F401

from .i18n import tr


def upload_bytes(uploaded) -> bytes | None:
    """The uploaded file's bytes, or None after saying that it is over the size limit."""
    size, limit = uploaded.size, max_upload_mb()
    if size > limit * 1024 * 1024:
        st.error(tr("upload_too_big", name=uploaded.name, mb=f"{size / 1024 / 1024:.1f}", limit=limit))
        return None
    return uploaded.getvalue()


def csv_rows(data: bytes) -> int:
    """The records in a CSV file (header included), counted as the CSV reader counts them: a row may end
    in CR LF, LF or a lone CR (old Mac and some exports), and a line break inside a quoted field is
    part of that field. Counting only LF let a 150,000-row file with CR line ends pass as one line. A
    blank line counts too (the reader of the import skips it): the count is never below the rows
    imported."""
    text = data.decode("utf-8-sig", errors="replace")
    try:
        return sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
    except csv.Error:  # not CSV as the csv module reads it: every line break is a row, to be safe
        return len(re.findall(r"\r\n|\r|\n", text)) + 1


def too_many_rows(data: bytes) -> bool:
    """Count rows before the file is parsed into a frame: over the row limit, say so and stop."""
    rows, limit = csv_rows(data), max_rows()
    if rows > limit + 1:  # the header line
        st.error(tr("upload_too_many_rows", rows=f"{rows - 1:,}".replace(",", " "),
                    limit=f"{limit:,}".replace(",", " ")))
        return True
    return False
