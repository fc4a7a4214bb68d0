"""What every command shares: bad-input errors, CSV in and out, atomic writes, the store, the actor."""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

import instruments
import scoring

BAD_INPUT = 2


class InputError(Exception):
    """Bad input or a refusal: printed without a stack trace, exit status 2, nothing changed."""


def read_wide_csv(path: str) -> pd.DataFrame:
    """Read a wide response file with every cell as text (so 'NA' and '' stay omission codes).

    pyarrow's C++ reader: a 100,000-row file reads in a fraction of pandas' time.
    """
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    try:
        header = pa_csv.read_csv(path, read_options=pa_csv.ReadOptions(block_size=1 << 16)).schema.names
        convert = pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=False, null_values=[]
        )
        table = pa_csv.read_csv(path, convert_options=convert)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file: {exc}") from None
    frame = table.to_pandas()
    frame.columns = [str(c).lstrip("\ufeff") for c in frame.columns]
    return frame


STDOUT = "-"


def output_problem(path: str) -> str | None:
    """Why ``path`` must not be written over (None: a regular file or a new name in a folder).

    The write replaces the path with a fresh file, so a device node (``/dev/null`` run as root), a
    directory, a fifo or a symlink (whose target an attacker chose) would be destroyed or bypassed:
    they are refused, not followed."""
    target = Path(path)
    try:
        mode = target.lstat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        return f"cannot be checked ({exc.strerror})"
    if mode is not None:
        if stat.S_ISLNK(mode):
            return "is a symbolic link; give the real file's path"
        if stat.S_ISDIR(mode):
            return "is a folder; give a file name inside it"
        if not stat.S_ISREG(mode):
            kind = "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"
            return f"is {kind}; give a regular file, or - for standard output"
    parent = target.parent
    if not parent.is_dir():
        return f"its folder {parent} does not exist"
    return None


def check_output(path: str | None) -> None:
    """Refuse an output path before any work: ``-`` or none is standard output."""
    if path is None or path == STDOUT:
        return
    problem = output_problem(path)
    if problem:
        raise InputError(f"{path}: {problem}; nothing was written")


def write_atomically(path: str | None, text: str | bytes) -> None:
    """Write the whole output (text, or bytes such as a PDF) or nothing: a failed run never leaves a
    half-written file. ``None`` or ``-`` is standard output; a device, folder or symlink is refused."""
    if path is None or path == STDOUT:
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
        return
    check_output(path)
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        binary = isinstance(text, bytes)
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) \
                as handle:
            handle.write(text)
        check_output(path)  # still not a link or device that appeared while we wrote
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def frame_as(frame: pd.DataFrame, fmt: str) -> str:
    """CSV (pyarrow's writer: fast for large cohorts; text cells that could start a spreadsheet
    formula are neutralised) or JSON records."""
    if fmt == "json":
        return frame.to_json(orient="records", force_ascii=False, indent=1) + "\n"
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    from rules.disclosure import neutralise_formulas

    frame = neutralise_formulas(frame)

    sink = pa.BufferOutputStream()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, sink, write_options=pa_csv.WriteOptions(quoting_style="needed"))
    return sink.getvalue().to_pybytes().decode("utf-8")


def load_instrument(id_or_path: str) -> instruments.Instrument:
    try:
        return instruments.load(id_or_path)
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from None
    except instruments.InstrumentError as exc:
        raise InputError(f"the instrument definition has errors:\n{exc}") from None


def refused(path: str, errors: list, outcome: str) -> InputError:
    """Every bad row of a file (the first 50), and what did not happen because of them."""
    lines = [f"{path}: {e}" for e in errors[:50]]
    if len(errors) > 50:
        lines.append(f"... and {len(errors) - 50} more")
    lines.append(outcome)
    return InputError("\n".join(lines))


def response_error(path: str, exc: scoring.ResponseError) -> InputError:
    return refused(path, exc.errors, "nothing was written")


def read_json(path: str, what: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object with the {what}")
    return data


# -- the store and who is acting ----------------------------------------------------------------
def open_store():
    """The migrated database, after the start-up check of its keys (a weak key, or one that is not
    the key its personnummer were written with, stops the command before it does anything)."""
    import store
    from store.keys import KeyProblem, check_keys

    engine = store.make_engine()
    store.upgrade(engine)
    try:
        with store.transaction(engine) as session:
            check_keys(session)
    except KeyProblem as exc:
        raise InputError(f"{exc}; nothing was done") from None
    return engine


def acting(session, args):
    """The named active user the command acts as (``--as`` or ``INSATS_USER``): a claim whose roles are
    checked like anyone's and recorded, not an authentication (the operator holds the database)."""
    from store.users import UserError, actor_for

    login = getattr(args, "as_user", None) or os.environ.get("INSATS_USER")
    if not login:
        raise InputError("say who is acting: --as LOGIN (or INSATS_USER=LOGIN); nothing was done")
    try:
        return actor_for(session, login)
    except UserError:
        raise InputError(f"no active user {login!r}; nothing was done") from None


def run_import(args, importer, what: str) -> None:
    """A CSV import through the store: all or nothing; every bad row named; rows already there listed."""
    from store import transaction
    from store.imports import ImportRefused

    frame = read_wide_csv(args.file)
    try:
        with transaction(open_store()) as session:
            report = importer(session, acting(session, args), frame)
    except ImportRefused as exc:
        raise refused(args.file, exc.errors, "nothing was imported") from None
    for line in report.skipped:
        print(f"{args.file}: {line}", file=sys.stderr)
    print(f"imported {report.imported} {what}; skipped {len(report.skipped)} already recorded")


def parse_day(text: str, flag: str) -> date:
    """A date given on the command line (YYYY-MM-DD, ``rules.dates``), or a message naming the flag."""
    from rules.dates import DateProblem
    from rules.dates import parse_day as parse

    try:
        return parse(text, flag)
    except DateProblem as problem:
        raise InputError(str(problem)) from None
