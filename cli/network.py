"""insats caseload, insats members import, insats meetings import: the coordinator's groups."""

from __future__ import annotations

import argparse
import json
from datetime import date

from ._io import InputError, acting, frame_as, open_store, parse_day, run_import, write_atomically


def _day(text: str | None) -> date:
    """``--on``, or today (``INSATS_TODAY`` pins it, as in the app)."""
    if text is None:
        from config import today

        return today()
    return parse_day(text, "--on")


def cmd_caseload(args: argparse.Namespace) -> None:
    from services.caseload import caseload
    from store import transaction

    on = _day(args.on)
    with transaction(open_store()) as session:
        table = caseload(session, acting(session, args), on, args.team)
    if args.format == "json":
        records = table.astype(object).where(table.notna(), None).to_dict("records")
        text = json.dumps(records, ensure_ascii=False, indent=1, default=str) + "\n"
    else:
        text = frame_as(table.assign(missing_organisations=table["missing_organisations"].map(";".join)), "csv")
    write_atomically(args.output, text)


def _import(args: argparse.Namespace, what: str) -> None:
    from store.network_imports import import_meetings, import_members

    run_import(args, import_members if what == "members" else import_meetings, what)


def cmd_link(args: argparse.Namespace) -> None:
    from store import transaction
    from store.cases import CaseError, link_member, subject_by_code

    try:
        with transaction(open_store()) as session:
            actor = acting(session, args)
            link_member(session, actor, subject_by_code(session, actor, args.case), args.member, args.user)
    except CaseError as exc:
        raise InputError(f"{exc}; nothing was done") from None
    print(f"{args.member} in {args.case} is linked to {args.user}")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("caseload", help="every active group with what is due, most urgent first (coordinator)")
    p.add_argument("--on", metavar="DATE", help="the day (default: today)")
    p.add_argument("--team", help="one of your teams (default: all of them)")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_caseload)
    members = sub.add_parser("members", help="the named members of groups").add_subparsers(dest="action", required=True)
    p = members.add_parser("import", help="members from CSV (case_code, name, organisation, role, from, to; "
                                          "optionally phone, email, login), all or nothing; members already "
                                          "recorded are skipped")
    p.add_argument("file")
    p.set_defaults(func=lambda args: _import(args, "members"))
    p = members.add_parser("link", help="link a named member to their partner account, who then logs in and "
                                        "sees what the consent lets their organisation see (coordinator)")
    p.add_argument("case", help="the case code")
    p.add_argument("--member", required=True, help="the member's name, as recorded in the group")
    p.add_argument("--user", required=True, help="the partner's login (insats users add … --role partner)")
    p.set_defaults(func=cmd_link)
    meetings = sub.add_parser("meetings", help="network meetings held").add_subparsers(dest="action", required=True)
    p = meetings.add_parser("import", help="meetings held, from CSV (case_code, held_on, attendees as "
                                           "organisations separated by ;), all or nothing; repeats skipped")
    p.add_argument("file")
    p.set_defaults(func=lambda args: _import(args, "meetings"))
