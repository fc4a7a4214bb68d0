"""insats extract CASE --format pdf|json -o FILE: the register extract (GDPR art. 15) of one youth."""

from __future__ import annotations

import argparse
import sys

import catalogue

from ._io import InputError, acting, open_store, write_atomically


def cmd_extract(args: argparse.Namespace) -> None:
    """Everything held about the youth and who read it, as the case's coordinator (audited)."""
    from config import today
    from services.extract import extract_file
    from store import transaction
    from store.register import case_record

    if args.format == "pdf" and not args.output:
        raise InputError("--format pdf needs -o FILE.pdf (or -o - for standard output)")
    with transaction(open_store()) as session:
        record = case_record(session, acting(session, args), args.case)
    code = record["case"]["case_code"]
    data = extract_file(record, code, today(), args.format, args.lang)
    write_atomically(args.output, data if args.format == "pdf" else data.decode("utf-8"))
    if args.output not in (None, "-"):
        print(catalogue.text("extract_cli_written", args.lang, case=code, file=args.output), file=sys.stderr)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="the register extract (GDPR art. 15) of a case: everything held about the "
                                       "youth and who read it; coordinators only, audited")
    p.add_argument("case")
    p.add_argument("--format", choices=["pdf", "json"], default="json")
    p.add_argument("-o", "--output", help="the file to write (- for standard output)")
    p.set_defaults(func=cmd_extract)
