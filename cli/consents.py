"""insats consents import: the consents of running groups, brought in from Excel."""

from __future__ import annotations

import argparse

from ._io import run_import


def cmd_consents_import(args: argparse.Namespace) -> None:
    from store.consent_imports import import_consents

    run_import(args, import_consents, "consents")


def register(sub: argparse._SubParsersAction) -> None:
    consents = sub.add_parser("consents", help="consents (samtycken)").add_subparsers(dest="action", required=True)
    p = consents.add_parser("import", help="consents from CSV (case_code, signed_on, valid_until, signed_by, actors, "
                                           "categories; lists separated by ;), all or nothing; repeats skipped")
    p.add_argument("file")
    p.set_defaults(func=cmd_consents_import)
