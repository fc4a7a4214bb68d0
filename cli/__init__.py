"""The ``insats`` command. Thin: one module per command group parses its arguments, calls the
packages and prints results.

Exit status: 0 success, 2 bad input or a refusal (with a message naming file, row, column and what
was expected, or what the acting user may not do), 1 anything else unexpected. Commands that touch
the database act as a named active user (``--as LOGIN`` or ``INSATS_USER``), whose roles the store
checks like anyone's; the name is a claim recorded in the log, not an authentication (whoever runs
``insats`` against the database holds it and its keys).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

import catalogue

from . import (
    access,
    cases,
    consents,
    db,
    extract,
    health,
    instruments,
    keys,
    network,
    outbox,
    research,
    score,
    serve,
    users,
)
from ._io import BAD_INPUT, InputError

GROUPS: list[Callable[[argparse._SubParsersAction], None]] = [
    instruments.register, score.register, db.register, cases.register, users.register, serve.register,
    research.register, keys.register, network.register, consents.register, health.register, extract.register,
    access.register, outbox.register,
]


def build_parser() -> argparse.ArgumentParser:
    import config

    parser = argparse.ArgumentParser(prog="insats", description="Structured risk assessment for SIG work.")
    parser.add_argument("--version", action="version", version=f"insats {config.version()}")
    parser.add_argument("--lang", choices=sorted(catalogue.LANGUAGES),
                        default=catalogue.language_or_swedish(os.environ.get("INSATS_LANG", "sv")),
                        help="the language of instrument texts and refusals (default: INSATS_LANG, else sv)")
    parser.add_argument("--as", dest="as_user", metavar="LOGIN",
                        help="the user the command acts as (default: INSATS_USER): a claim, recorded in the log")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in GROUPS:
        register(sub)
    _as_anywhere(parser)
    return parser


def _as_anywhere(parser: argparse.ArgumentParser) -> None:
    """``--as`` is also taken after the command (``insats users list --as ada``)."""
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for child in action.choices.values():
            if child._subparsers is None:
                child.add_argument("--as", dest="as_user", metavar="LOGIN", default=argparse.SUPPRESS,
                                   help="the user the command acts as (default: INSATS_USER)")
            else:
                _as_anywhere(child)


def main(argv: list[str] | None = None) -> int:
    from services import logs
    from store.db import dispose_all

    args = build_parser().parse_args(argv)
    try:
        logs.configure()
    except ValueError as exc:  # a mistyped INSATS_LOG_FORMAT: said before any work
        print(f"insats: error: {exc}", file=sys.stderr)
        return BAD_INPUT
    try:
        return _run(args)
    finally:
        dispose_all()  # no pooled connection outlives the command


def _run(args: argparse.Namespace) -> int:
    from store import AccessDenied
    from store.errors import CaseError
    from store.identity import IdentityError
    from store.users import UserError

    from ._io import check_output

    # what the acting user may not do, said like the pages say it; an operator's problem (a missing key, a
    # backup) keeps its own, more technical sentence
    refusals = (AccessDenied, CaseError, UserError)
    coded = (*refusals, IdentityError)  # every store error with a code: exit 2, never "unexpected error"

    def refused(exc: BaseException | None) -> bool:
        return isinstance(exc, refusals) and catalogue.knows(exc)

    try:
        check_output(getattr(args, "output", None))  # a bad -o is refused before any work
        status = args.func(args)
        if isinstance(status, int) and status:  # a command with its own answer (health: 3, needs a person)
            return status
    except InputError as exc:
        origin = exc.__context__  # the store's refusal this message was made from (``raise ... from None``)
        if refused(origin):
            _say_refusal(origin, args.lang)
        else:
            print(f"insats: error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except AccessDenied as exc:
        _say_refusal(exc, args.lang)
        return BAD_INPUT
    except coded as exc:  # a coded refusal a command did not word itself: still a refusal, not a crash
        if refused(exc):
            _say_refusal(exc, args.lang)
        else:
            print(f"insats: refused ({exc.code}): {exc}; nothing was done", file=sys.stderr)
        return BAD_INPUT
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the error boundary: no traceback, SQL or values on the terminal
        if refused(exc):  # a refusal no command caught
            _say_refusal(exc, args.lang)
            return BAD_INPUT
        from services.errors import place_of, report

        print(f"insats: unexpected error (id {report(exc)}: {type(exc).__name__} at {place_of(exc)}); "
              "nothing more is shown here, so no case data reaches the terminal", file=sys.stderr)
        return 1
    return 0


def _say_refusal(exc: Exception, language: str) -> None:
    """A refusal by its code, in the language of ``--lang`` (or ``INSATS_LANG``), the same words as the
    pages use; the code stays in brackets for whoever looks it up."""
    said = catalogue.text("cli_refused", language, code=exc.code, message=catalogue.refusal(exc, language))
    if getattr(exc, "audit_row", None) is not None:  # an access refusal leaves its trace in the log
        said = f"{said} {catalogue.text('cli_refusal_logged', language)}"
    print(said, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
