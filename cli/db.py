"""insats db upgrade|backup|restore and insats audit verify: an admin's work."""

from __future__ import annotations

import argparse
import sys

from ._io import InputError, acting, check_output, open_store, parse_day


def cmd_upgrade(args: argparse.Namespace) -> None:
    import store
    from store.backup import BackupError

    engine = store.make_engine()
    try:
        saved = store.upgrade(engine, backup_first=not args.no_backup)
    except BackupError as exc:
        raise InputError(f"{exc}\nthe backup before the upgrade failed, so nothing was migrated (take one yourself, "
                         "then run insats db upgrade --no-backup)") from None
    if saved:
        print(f"backup before the upgrade: {saved}")
    print(f"database is up to date: {engine.url.render_as_string(hide_password=True)}")


def _admin(engine, args):
    from store import transaction

    with transaction(engine) as session:
        return acting(session, args)


def cmd_backup(args: argparse.Namespace) -> None:
    from pathlib import Path

    from store.backup import BackupError, backup, prune, sidecar_of
    from store.identity import IdentityError

    if args.keep is not None and args.keep < 1:
        raise InputError(f"--keep {args.keep}: keep at least the newest backup")
    engine = open_store()
    try:
        meta = backup(engine, _admin(engine, args), args.file, encrypt=args.encrypt)
    except (BackupError, IdentityError) as exc:
        raise InputError(str(exc)) from None
    print(f"backup written to {args.file} (schema {meta['schema']}, sha256 {meta['sha256'][:12]}…"
          f"{', encrypted under ' + meta['key_id'] if meta['encrypted'] else ''}); "
          f"sidecar {sidecar_of(Path(args.file))}")
    if args.keep is not None:
        for gone in prune(Path(args.file).resolve().parent, args.keep):
            print(f"removed the older backup {gone} and its sidecar")


def cmd_restore(args: argparse.Namespace) -> None:
    """An admin restores over a database with users; into an empty (new or wiped) one, where nobody can
    be looked up, the operator does: proven by the audit key that verifies the backup's signature, or
    named with --as-operator; the restored log records which."""
    import store
    from store.backup import BackupError, holds_users, operator, restore
    from store.identity import IdentityError

    engine = store.make_engine()
    try:
        if holds_users(engine):
            if args.as_operator:
                raise InputError("the database has users: an admin restores it (--as LOGIN); --as-operator is only "
                                 "for restoring into an empty database; nothing was changed")
            actor = _admin(engine, args)
        else:
            actor = operator(args.as_operator)
        checked, problems = restore(engine, actor, args.file, allow_unsigned=args.allow_unsigned)
    except (BackupError, IdentityError) as exc:
        raise InputError(str(exc)) from None
    if problems:
        raise InputError(f"restored from {args.file}, but its audit chain has problems:\n"
                         + "\n".join(str(p) for p in problems))
    print(f"restored from {args.file} as {actor.who}; audit chain intact ({checked} rows)")


def cmd_audit_verify(args: argparse.Namespace) -> None:
    from store import transaction
    from store.audit import read_anchors, verify

    try:
        anchors = [a for path in args.anchor or () for a in read_anchors(path)]
    except OSError as exc:
        raise InputError(f"{exc.filename}: cannot read the anchor file ({exc.strerror})") from None
    except ValueError as exc:
        raise InputError(str(exc)) from None
    with transaction(open_store()) as session:
        checked, problems = verify(session, acting(session, args), anchors=anchors)
    if problems:
        raise InputError("\n".join(str(p) for p in problems) + f"\n{len(problems)} problem(s) in {checked} rows")
    held = f", holding all {len(anchors)} anchor(s)" if anchors else ""
    print(f"audit chain intact: {checked} rows{held}")


def cmd_audit_anchor(args: argparse.Namespace) -> None:
    """The chain's head as one JSON line: on stdout, or appended to a file (the archive keeps them all)."""
    from store import transaction
    from store.audit import anchor

    check_output(args.out)
    with transaction(open_store()) as session:
        head = anchor(session, acting(session, args))
    if args.out and args.out != "-":
        check_output(args.out)
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write(head.to_json() + "\n")
        print(f"anchor of row {head.row_id} appended to {args.out}", file=sys.stderr)
    else:
        print(head.to_json())


def cmd_gallring(args: argparse.Namespace) -> None:
    """Remove or anonymise the cases whose retention ran out (store.retention has the policy)."""

    from store import transaction
    from store.retention import RetentionError, gallring

    before = parse_day(args.before, "--before")
    mode = "anonymise" if args.anonymise else "remove"
    try:
        with transaction(open_store()) as session:
            report = gallring(session, acting(session, args), before, mode=mode, dry_run=args.dry_run)
    except RetentionError as exc:
        raise InputError(f"{exc}; nothing was changed") from None
    cases = report.cases
    verb = {"remove": "removed", "anonymise": "anonymised"}[mode]
    if cases.empty:
        print(f"no case is due for gallring before {before}")
        return
    for row in cases.itertuples():
        print(f"{row.case_code}\t{row.team or '-'}\t{row.why} {row.since}")
    if report.dry_run:
        print(f"dry run: {len(cases)} case(s) would be {verb}; nothing was changed", file=sys.stderr)
    else:
        print(f"{len(cases)} case(s) {verb} in one transaction; the audit log has a gallring row for each",
              file=sys.stderr)


def cmd_set_min_cell(args: argparse.Namespace) -> None:
    """The instance's k floor, kept in the database: no caller's environment or flag can lower it."""
    from rules.disclosure import DisclosureError
    from store import transaction
    from store.settings import set_min_cell

    try:
        with transaction(open_store()) as session:
            k = set_min_cell(session, acting(session, args), args.k)
    except DisclosureError as exc:
        raise InputError(f"{exc}; nothing was changed (the refusal is logged)") from None
    print(f"the smallest group of youths shown is now {k}: counts of 1..{k - 1} youths are shown as \"< {k}\" "
          "for researchers and across teams")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gallring", help="remove or anonymise cases past their retention period (admin)",
                       description="Due: cases closed before DATE, and cases that never started whose last "
                                   "decision was before DATE. See the README, 'Retention (gallring)'.")
    p.add_argument("--before", required=True, metavar="DATE", help="retention ran out for what ended before this")
    p.add_argument("--anonymise", action="store_true",
                   help="keep ratings, dates and outcomes for research; remove all that identifies the youth")
    p.add_argument("--dry-run", action="store_true", help="list what would go; change nothing")
    p.set_defaults(func=cmd_gallring)
    db = sub.add_parser("db", help="create, migrate, back up and restore the database").add_subparsers(
        dest="action", required=True)
    p = db.add_parser("upgrade", help="create or migrate the schema (backs up an existing database first)")
    p.add_argument("--no-backup", action="store_true", help="only when you have just taken a backup yourself")
    p.set_defaults(func=cmd_upgrade)
    p = db.add_parser("backup", help="write a backup file and its sidecar FILE.json (admin)")
    p.add_argument("file")
    p.add_argument("--encrypt", action="store_true", help="encrypt the file with the instance key")
    p.add_argument("--keep", type=int, metavar="N",
                   help="then keep only the newest N backups in the file's folder (older ones and their sidecars "
                        "are removed; other files are never touched)")
    p.set_defaults(func=cmd_backup)
    p = db.add_parser("restore", help="replace the database with a backup, after checking it (admin)",
                      description="Checks the backup's signature (the audit key), checksum and schema first, and "
                                  "refuses while insats serve runs on the database. Into an empty database the "
                                  "audit key that verifies the signature authorises the restore (or name yourself "
                                  "with --as-operator); the restored log records who.")
    p.add_argument("file")
    p.add_argument("--as-operator", metavar="NAME",
                   help="into an empty database: who restores, recorded in the restored audit log")
    p.add_argument("--allow-unsigned", action="store_true",
                   help="accept a backup without a signature (taken before Insats signed backups); recorded")
    p.set_defaults(func=cmd_restore)
    p = db.add_parser("set-min-cell", help="the smallest group of youths any figure or export shows (admin)",
                      description="Kept with the database, so INSATS_MIN_CELL can raise it for one command but "
                                  "never lower it. Never below 5; every change is audited.")
    p.add_argument("k", type=int, metavar="K")
    p.set_defaults(func=cmd_set_min_cell)
    audit = sub.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    p = audit.add_parser("verify", help="check the hash chain and anchors; names edited or deleted rows (admin)")
    p.add_argument("--anchor", action="append", metavar="FILE",
                   help="anchors written by `insats audit anchor` (repeatable): rows they name must be there")
    p.set_defaults(func=cmd_audit_verify)
    p = audit.add_parser("anchor", help="write the chain's head (row, hash, time) for an archive outside Insats "
                                        "(admin)")
    p.add_argument("--out", metavar="FILE", help="append to FILE (default: print)")
    p.set_defaults(func=cmd_audit_anchor)
