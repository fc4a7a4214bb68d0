"""insats referrals import, insats assessments import|export, insats cases assign|protect|unprotect,
insats report funnel."""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

import catalogue
from instruments import interop

from ._io import InputError, acting, frame_as, load_instrument, open_store, read_wide_csv, refused, write_atomically


def _team(session, name: str | None) -> int | None:
    from store.users import UserError, team_id

    if name is None:
        return None
    try:
        return team_id(session, name)
    except UserError as exc:
        raise InputError(str(exc)) from None


def cmd_referrals_import(args: argparse.Namespace) -> None:
    from store import transaction
    from store.imports import ImportRefused, import_referrals

    frame = read_wide_csv(args.file)
    try:
        with transaction(open_store()) as session:
            report = import_referrals(session, acting(session, args), frame, team_id=_team(session, args.team))
    except ImportRefused as exc:
        raise refused(args.file, exc.errors, "nothing was imported") from None
    for line in report.skipped:
        print(f"{args.file}: {line}", file=sys.stderr)
    print(f"imported {report.imported} referrals ({report.new_subjects} new cases, {report.checklists} checklists); "
          f"skipped {len(report.skipped)} already in the register")


def cmd_assessments_import(args: argparse.Namespace) -> None:
    from store import transaction
    from store.imports import ImportRefused, import_assessments

    inst = load_instrument(args.instrument)
    frame = read_wide_csv(args.file)
    if interop.is_redcap_records(frame.columns, inst):  # a REDCap records export of a converted instrument
        frame, left_out, _ = interop.from_redcap_records(inst, frame)
        print(f"{args.file}: read as a REDCap records export" +
              (f" (left out: {', '.join(map(str, left_out))})" if left_out else ""), file=sys.stderr)
    try:
        with transaction(open_store()) as session:
            report = import_assessments(session, acting(session, args), args.instrument, frame, args.create_subjects,
                                        team_id=_team(session, args.team))
    except ImportRefused as exc:
        raise refused(args.file, exc.errors, "nothing was imported") from None
    print(f"imported {report.imported} assessments ({report.new_subjects} new cases)")


def cmd_assessments_export(args: argparse.Namespace) -> None:
    from store import transaction
    from store.imports import export_assessments

    load_instrument(args.instrument)
    with transaction(open_store()) as session:
        export = export_assessments(session, acting(session, args), args.instrument, args.recipient)
    write_atomically(args.output, frame_as(export.frame, args.format))
    if export.withheld:
        print(f"withheld {len(export.withheld)} case(s) whose active consent does not let {args.recipient} receive "
              f"assessments: {', '.join(export.withheld[:20])}{' ...' if len(export.withheld) > 20 else ''}",
              file=sys.stderr)


def cmd_cases_assign(args: argparse.Namespace) -> None:
    from store import transaction
    from store.users import UserError, assign_case

    if args.team is None and not args.assessor:
        raise InputError("say --team TEAM and/or --assessor LOGIN; nothing was done")
    try:
        with transaction(open_store()) as session:
            assign_case(session, acting(session, args), args.case, team=args.team, assessors=args.assessor or ())
    except UserError as exc:
        raise InputError(f"{exc}; nothing was done") from None
    print(f"{args.case.upper()}: " + ", ".join(filter(None, [
        f"team {args.team}" if args.team else "", f"assessors {', '.join(args.assessor)}" if args.assessor else ""])))


def cmd_cases_protect(args: argparse.Namespace) -> None:
    """Protected identity on or off (coordinators; the reason is kept with the case, the log refers to it)."""
    from store import cases, transaction

    with transaction(open_store()) as session:
        subject = cases.protect(session, acting(session, args), args.case, args.reason) if args.on else \
            cases.unprotect(session, acting(session, args), args.case, args.reason)
        code = subject.case_code
    if args.on:
        print(catalogue.text("protect_cli_on", args.lang, case=code))
    else:
        print(catalogue.text("protect_cli_off", args.lang, case=code))


def cmd_report_funnel(args: argparse.Namespace) -> None:
    from scoring.funnel import STEPS, monthly_funnel
    from store import transaction
    from store.imports import referral_dates

    with transaction(open_store()) as session:
        table = monthly_funnel(referral_dates(session, acting(session, args)), args.date_from, args.date_to)
    if args.format == "json":
        print(json.dumps(table.to_dict(orient="records"), indent=1))
        return
    totals = {"month": "total", **{s: int(table[s].sum()) for s in STEPS}}
    table = pd.concat([table, pd.DataFrame([totals])], ignore_index=True)
    if args.format == "csv":
        sys.stdout.write(frame_as(table, "csv"))
    else:
        print(table.to_string(index=False))


def register(sub: argparse._SubParsersAction) -> None:
    referrals = sub.add_parser("referrals", help="referral registers").add_subparsers(dest="action", required=True)
    p = referrals.add_parser("import", help="import a referral register (CSV), all or nothing")
    p.add_argument("file")
    p.add_argument("--team", help="the team new cases go to (default: your first team)")
    p.set_defaults(func=cmd_referrals_import)
    assessments = sub.add_parser("assessments", help="import and export assessments").add_subparsers(
        dest="action", required=True)
    p = assessments.add_parser("import", help="import a wide response file as final assessments")
    p.add_argument("--instrument", required=True)
    p.add_argument("file")
    p.add_argument("--create-subjects", action="store_true", help="create cases for unknown case codes")
    p.add_argument("--team", help="the team new cases go to (default: your first team)")
    p.set_defaults(func=cmd_assessments_import)
    p = assessments.add_parser("export", help="export current final assessments as a wide file, for a recipient "
                                              "whose consent covers them")
    p.add_argument("--instrument", required=True)
    p.add_argument("--recipient", required=True,
                   help="who receives the file (socialtjanst, polis, skola, ...): only cases whose active consent "
                        "lets them receive assessments are exported")
    p.add_argument("-o", "--output")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(func=cmd_assessments_export)
    cases = sub.add_parser("cases", help="case assignment, closing and reopening").add_subparsers(
        dest="action", required=True)
    p = cases.add_parser("assign", help="move a case to a team and/or name its responsible assessors")
    p.add_argument("case")
    p.add_argument("--team")
    p.add_argument("--assessor", action="append", help="login of a responsible assessor (repeatable)")
    p.set_defaults(func=cmd_cases_assign)
    for name, on, said in (("protect", True, "protected identity (skyddade personuppgifter): only the case's named "
                                              "assessors and its team's coordinators open it; coordinators only"),
                           ("unprotect", False, "lift protected identity from a case; coordinators only")):
        p = cases.add_parser(name, help=said)
        p.add_argument("case")
        p.add_argument("--reason", required=True, help="why (kept with the case; the log refers to it)")
        p.set_defaults(func=cmd_cases_protect, on=on)
    report = sub.add_parser("report", help="reports").add_subparsers(dest="action", required=True)
    p = report.add_parser("funnel", help="referrals received, suitable, asked, accepted and started per month")
    p.add_argument("--from", dest="date_from")
    p.add_argument("--to", dest="date_to")
    p.add_argument("--by", choices=["month"], default="month")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_report_funnel)
    from . import followup

    followup.register(sub, cases, report)
