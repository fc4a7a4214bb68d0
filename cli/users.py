"""insats users add|list|deactivate|set-roles|set-teams|passwd and insats teams add|list.

The first ``users add`` on an empty user table needs no ``--as``: that is how the first admin is
made (it must have the admin role). After that every user command acts as a named admin."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from rules.partner import ORGANISATIONS

from ._io import InputError, acting, open_store

# the roles the store knows (store.access.ROLES), spelled here so --help needs no database import
ROLES = ("intake", "assessor", "coordinator", "researcher", "admin", "partner", "referrer")


def _password(args: argparse.Namespace, prompt: str = "Password: ") -> str:
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InputError("give the password with --password-stdin, or run in a terminal; nothing was done")
    first = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != first:
        raise InputError("the two passwords differ; nothing was done")
    return first


def _run(args: argparse.Namespace, work) -> object:
    from store import transaction
    from store.users import UserError

    try:
        with transaction(open_store()) as session:
            return work(session)
    except UserError as exc:
        raise InputError(f"{exc}; nothing was done") from None


def cmd_add(args: argparse.Namespace) -> None:
    from store.users import add_user, first_admin_actor, has_users

    password = _password(args) if args.password_stdin or args.password else None

    def work(session):
        if has_users(session):
            actor = acting(session, args)
        else:
            if "admin" not in args.role:
                raise InputError("the first user must be an admin (--role admin); nothing was done")
            actor = first_admin_actor(session)
        add_user(session, actor, args.login, display_name=args.name, roles=args.role, teams=args.team or (),
                 email=args.email, subject=args.subject, password=password, organisation=args.organisation)

    _run(args, work)
    print(f"user {args.login} added: {', '.join(sorted(set(args.role)))}"
          + (f"; teams {', '.join(args.team)}" if args.team else "")
          + (f"; organisation {args.organisation}" if args.organisation else ""))


def cmd_list(args: argparse.Namespace) -> None:
    from store.users import list_users

    rows = _run(args, lambda session: list_users(session, acting(session, args)))
    for u in rows:
        state = "active" if u.active else "deactivated"
        if u.locked:
            state += ", locked"
        last = f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"
        reach = ", ".join(u.teams) or (f"({u.organisation})" if u.organisation else "-")
        print(f"{u.login:20} {u.display_name:28} {'+'.join(u.roles):28} {reach:28} "
              f"{state:18} last log-in {last}")


def cmd_deactivate(args: argparse.Namespace) -> None:
    from store.users import deactivate

    _run(args, lambda session: deactivate(session, acting(session, args), args.login))
    print(f"user {args.login} deactivated")


def cmd_set_roles(args: argparse.Namespace) -> None:
    from store.users import set_roles

    _run(args, lambda session: set_roles(session, acting(session, args), args.login, args.role))
    print(f"user {args.login}: {', '.join(sorted(set(args.role)))}")


def cmd_set_teams(args: argparse.Namespace) -> None:
    from store.users import set_teams

    _run(args, lambda session: set_teams(session, acting(session, args), args.login, args.team or ()))
    print(f"user {args.login}: teams {', '.join(args.team or []) or 'none'}")


def _acting_as(args: argparse.Namespace) -> str | None:
    return getattr(args, "as_user", None) or os.environ.get("INSATS_USER")


def cmd_passwd(args: argparse.Namespace) -> None:
    """Another user's password: an admin's task (the store checks). One's own: the old password, typed
    in a terminal. ``--as`` is only a claim, so a script that names a login must not change its
    password; there is deliberately no flag or variable that supplies the old one."""
    from store.users import set_password

    old = None
    if _acting_as(args) == args.login:
        if not sys.stdin.isatty():
            raise InputError("changing your own password needs the old one, typed in a terminal (standard input is "
                             "not one); an admin can set it instead: insats users passwd LOGIN --as ADMIN; "
                             "nothing was done")
        old = getpass.getpass(f"Old password for {args.login}: ")
    password = _password(args, f"New password for {args.login}: ")
    _run(args, lambda session: set_password(session, acting(session, args), args.login, password, old_password=old))
    print(f"password of {args.login} set")


def cmd_teams_add(args: argparse.Namespace) -> None:
    from store.users import add_team

    _run(args, lambda session: add_team(session, acting(session, args), args.name))
    print(f"team {args.name} added")


def cmd_teams_list(args: argparse.Namespace) -> None:
    from store.users import list_teams

    for name, users, cases in _run(args, lambda session: list_teams(session, acting(session, args))):
        print(f"{name:32} {users:4} users {cases:7} cases")


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="people who log in (admin)").add_subparsers(dest="action", required=True)
    p = users.add_parser("add", help="add a user; the first user (an admin) needs no --as")
    p.add_argument("login")
    p.add_argument("--name", required=True, help="display name")
    p.add_argument("--role", action="append", required=True, choices=ROLES, help="repeatable")
    p.add_argument("--team", action="append", help="repeatable")
    p.add_argument("--organisation", choices=ORGANISATIONS,
                   help="a partner's or referrer's organisation (required for them; they hold no team)")
    p.add_argument("--email")
    p.add_argument("--subject", help="the identity provider's claim value for this user (default: the login)")
    p.add_argument("--password-stdin", action="store_true", help="read a local password from standard input")
    p.add_argument("--password", action="store_true", help="ask for a local password in the terminal")
    p.set_defaults(func=cmd_add)
    users.add_parser("list", help="every user with roles, teams, state and last log-in").set_defaults(func=cmd_list)
    p = users.add_parser("deactivate", help="the user can no longer log in (kept for the audit log)")
    p.add_argument("login")
    p.set_defaults(func=cmd_deactivate)
    p = users.add_parser("set-roles", help="replace a user's roles")
    p.add_argument("login")
    p.add_argument("--role", action="append", required=True, choices=ROLES)
    p.set_defaults(func=cmd_set_roles)
    p = users.add_parser("set-teams", help="replace a user's teams")
    p.add_argument("login")
    p.add_argument("--team", action="append")
    p.set_defaults(func=cmd_set_teams)
    p = users.add_parser("passwd", help="set a local password (also unlocks the account)",
                         description="Another user's password: admins only. Your own: the old password is asked "
                                     "in a terminal first (no script can change it).")
    p.add_argument("login")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the new password from standard input (another user's, as an admin)")
    p.set_defaults(func=cmd_passwd)
    teams = sub.add_parser("teams", help="SIG teams (admin)").add_subparsers(dest="action", required=True)
    p = teams.add_parser("add", help="add a team")
    p.add_argument("name")
    p.set_defaults(func=cmd_teams_add)
    teams.add_parser("list", help="teams with their numbers of users and cases").set_defaults(func=cmd_teams_list)
