"""insats db upgrade|backup|restore and insats audit verify: an admin's work."""

from __future__ import annotations

import argparse

from ._io import InputError, acting, open_store


def cmd_upgrade(args: argparse.Namespace) -> None:
    import store

    engine = store.make_engine()
    store.upgrade(engine)
    print(f"database is up to date: {engine.url.render_as_string(hide_password=True)}")


def _admin(engine, args):
    from store import transaction

    with transaction(engine) as session:
        return acting(session, args)


def cmd_backup(args: argparse.Namespace) -> None:
    from store.backup import BackupError, backup

    engine = open_store()
    try:
        backup(engine, _admin(engine, args), args.file)
    except BackupError as exc:
        raise InputError(str(exc)) from None
    print(f"backup written to {args.file}")


def cmd_restore(args: argparse.Namespace) -> None:
    import store
    from store.backup import BackupError, restore

    engine = store.make_engine()
    try:
        restore(engine, _admin(engine, args), args.file)
    except BackupError as exc:
        raise InputError(str(exc)) from None
    print(f"restored from {args.file}")


def cmd_audit_verify(args: argparse.Namespace) -> None:
    from store import transaction
    from store.audit import verify

    with transaction(open_store()) as session:
        checked, problems = verify(session, acting(session, args))
    if problems:
        raise InputError("\n".join(str(p) for p in problems) + f"\n{len(problems)} problem(s) in {checked} rows")
    print(f"audit chain intact: {checked} rows")


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="create, migrate, back up and restore the database").add_subparsers(
        dest="action", required=True)
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(func=cmd_upgrade)
    for name, func, text in (("backup", cmd_backup, "write a backup file (admin)"),
                             ("restore", cmd_restore, "replace the database with a backup (admin)")):
        p = db.add_parser(name, help=text)
        p.add_argument("file")
        p.set_defaults(func=func)
    audit = sub.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    audit.add_parser("verify", help="check the hash chain; names edited or deleted rows (admin)").set_defaults(
        func=cmd_audit_verify)
