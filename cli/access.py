"""insats access who|case-list: who can open a case and why, and the inverse, every case a user can open.

One row per user, case and ground (team, assigned, emergency, member), with what that ground lets them
see (``store.who``). ``who``: the case's coordinator or an admin; ``case-list``: an admin for every case,
a coordinator for the cases of their own teams only. Both are audited.
"""

from __future__ import annotations

import argparse

from ._io import acting, frame_as, open_store, write_atomically

COLUMNS = ("case", "login", "name", "roles", "ground", "sees", "team", "organisation", "reason", "until")
LISTS = ("roles", "sees")  # JSON arrays; in CSV joined by ";"


def as_text(rows: list[dict[str, object]], fmt: str) -> str:
    import pandas as pd

    if fmt == "csv":
        rows = [row | {key: ";".join(row[key]) for key in LISTS} for row in rows]  # type: ignore[arg-type]
    return frame_as(pd.DataFrame(rows, columns=list(COLUMNS)), fmt)


def cmd_who(args: argparse.Namespace) -> None:
    from store import transaction
    from store.who import who_can_open

    with transaction(open_store()) as session:
        found = who_can_open(session, acting(session, args), args.case)
    if args.format == "table":  # for a person at a terminal: the case page's list, in --lang's words
        from services.who import who_table

        said = who_table(found, args.lang).to_string(index=False) if found else "–"
        write_atomically(args.output, f"{said}\n")
        return
    write_atomically(args.output, as_text([o.as_row() for o in found], args.format))


def cmd_case_list(args: argparse.Namespace) -> None:
    from store import transaction
    from store.who import cases_open_to

    with transaction(open_store()) as session:
        found = cases_open_to(session, acting(session, args), args.login)
    write_atomically(args.output, as_text([o.as_row() for o in found], args.format))


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("access", help="who can open a case, and why; which cases a user can open")
    commands = group.add_subparsers(dest="access_command", required=True)
    p = commands.add_parser("who", help="every active user who can open the case, with the ground and what they "
                                        "see (the case's coordinator or an admin; audited)")
    p.add_argument("case")
    p.add_argument("--format", choices=["json", "csv", "table"], default="json",
                   help="json or csv for programs (codes); table for people (words, in --lang)")
    p.add_argument("-o", "--output", help="the file to write (default: standard output)")
    p.set_defaults(func=cmd_who)
    p = commands.add_parser("case-list", help="every case the user can open, with the ground (an admin: all cases; "
                                              "a coordinator: the cases of their teams; audited)")
    p.add_argument("login")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.add_argument("-o", "--output", help="the file to write (default: standard output)")
    p.set_defaults(func=cmd_case_list)
