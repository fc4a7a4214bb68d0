"""insats cases close|reopen, insats outcomes import, insats report follow-up: closing and follow-up."""

from __future__ import annotations

import argparse

import pandas as pd

from ._io import InputError, acting, frame_as, open_store, parse_day, run_import, write_atomically


def cmd_close(args: argparse.Namespace) -> None:
    from store import cases, transaction

    on = parse_day(args.on, "--on")
    try:
        with transaction(open_store()) as session:
            actor = acting(session, args)
            cases.close_case(session, actor, cases.subject_by_code(session, actor, args.case), on, args.reason,
                             args.summary)
    except cases.CaseError as exc:
        raise InputError(f"{exc}; nothing was changed") from None
    print(f"{args.case.upper()}: closed {on} ({args.reason})")


def cmd_reopen(args: argparse.Namespace) -> None:
    from store import cases, transaction

    try:
        with transaction(open_store()) as session:
            actor = acting(session, args)
            cases.reopen_case(session, actor, cases.subject_by_code(session, actor, args.case), args.reason)
    except cases.CaseError as exc:
        raise InputError(f"{exc}; nothing was changed") from None
    print(f"{args.case.upper()}: reopened")


def cmd_outcomes_import(args: argparse.Namespace) -> None:
    from store.imports import import_outcomes

    run_import(args, import_outcomes, "outcome periods")


def cmd_follow_up(args: argparse.Namespace) -> None:
    import config
    from rules.before_after import Windows
    from services.followup_report import follow_up_report, report_json
    from store import transaction

    start, end = parse_day(args.date_from, "--from"), parse_day(args.date_to, "--to")
    if end < start:
        raise InputError(f"--to {end} is before --from {start}")
    if args.format == "pdf" and not args.output:
        raise InputError("--format pdf needs -o FILE.pdf (or -o - for standard output)")
    from store.users import UserError

    try:  # the windows and the programme's cost, checked before anything is read
        windows = Windows(args.window_months, args.window_months if args.after_months is None else args.after_months)
        cost = config.programme_cost_per_year()
    except ValueError as exc:
        raise InputError(f"{exc}; nothing was written") from None
    try:
        with transaction(open_store()) as session:
            report = follow_up_report(session, acting(session, args), start, end, args.window_months,
                                      published=args.published, team=args.team, raise_to=args.min_cell or 0,
                                      by=args.by, after_months=windows.after, programme_cost_per_year=cost)
    except UserError as exc:
        raise InputError(f"{exc}; nothing was written") from None
    if args.format == "json":
        write_atomically(args.output, report_json(report) + "\n")
        return
    if args.format == "pdf":  # -o is required (checked above): a PDF does not go to a terminal
        from services.followup_pdf import follow_up_pdf

        write_atomically(args.output, follow_up_pdf(report))
        if args.output != "-":
            print(f"follow-up report written to {args.output}")
        return
    from services.followup_report import figures

    # one figure per row, as the page's CSV; text throughout ("< 5" beside 12 and 0.5, one type per column)
    flat = pd.DataFrame(figures(report), columns=["figure", "value"])
    flat["value"] = flat["value"].astype("string")
    write_atomically(args.output, frame_as(flat, "csv"))


def register(sub: argparse._SubParsersAction, cases: argparse._SubParsersAction,
             report: argparse._SubParsersAction) -> None:
    from rules import timing
    from store.cases import CLOSING_REASONS

    p = cases.add_parser("close", help="end a participation with a date and a reason (coordinator)")
    p.add_argument("case")
    p.add_argument("--on", required=True, metavar="DATE")
    p.add_argument("--reason", required=True, choices=CLOSING_REASONS)
    p.add_argument("--summary", help="the written closing summary (required with --reason other)")
    p.set_defaults(func=cmd_close)
    p = cases.add_parser("reopen", help="reopen a closed case, with a reason (coordinator)")
    p.add_argument("case")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_reopen)
    outcomes = sub.add_parser("outcomes", help="outcome periods").add_subparsers(dest="action", required=True)
    p = outcomes.add_parser("import", help="import outcome periods (CSV), all or nothing; periods already "
                                           "recorded are skipped")
    p.add_argument("file")
    p.set_defaults(func=cmd_outcomes_import)
    p = report.add_parser("follow-up", help="the follow-up report for cases started in a period")
    p.add_argument("--from", dest="date_from", required=True, metavar="DATE")
    p.add_argument("--to", dest="date_to", required=True, metavar="DATE")
    p.add_argument("--window-months", type=int, default=timing.OUTCOME_WINDOW_MONTHS,
                   help="outcome window before the start (and after it, unless --after-months)")
    p.add_argument("--after-months", type=int, help="outcome window after the start (default: --window-months); "
                   "windows of unequal length compare by their rates per month")
    p.add_argument("--by", choices=["month", "quarter", "year"], default="quarter",
                   help="the process indicators per period of the start (and per team)")
    p.add_argument("--team", metavar="NAME", help="only this team's cases (exact counts when it is your own)")
    p.add_argument("--published", action="store_true",
                   help="a report to be published: counts under the instance's floor shown as \"< k\"")
    p.add_argument("--min-cell", type=int, metavar="N",
                   help="raise the smallest count shown to N (never lowers the instance's floor, which holds for "
                        "researchers and across teams; a coordinator's own teams are exact unless --published)")
    p.add_argument("--format", choices=["json", "csv", "pdf"], default="json")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_follow_up)
