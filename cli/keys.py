"""insats keys new|check|rotate: the instance key behind personnummer (an admin's work).

A key never goes on the command line (it would be in the shell history and the process list): the
new key for ``rotate`` comes from ``INSATS_NEW_SECRET_KEY`` or a file.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ._io import InputError, acting, open_store


def cmd_new(args: argparse.Namespace) -> None:
    from store.identity import key_id, new_key

    key = new_key()
    print(key)
    print(f"# key id {key_id(key)}: keep the key in your secrets store, never in the repository", flush=True)


def cmd_check(args: argparse.Namespace) -> None:
    from store import transaction
    from store.keys import check_keys

    engine = open_store()  # runs the check; a problem stops here with its reason
    with transaction(engine) as session:
        current = check_keys(session)
    print(f"key {current}: every stored personnummer opens with it" if current
          else "no key set, no personnummer stored")


def _new_key(args: argparse.Namespace) -> str:
    if args.new_key_file:
        try:
            return Path(args.new_key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError(f"{args.new_key_file}: cannot read the new key ({exc.strerror})") from None
    key = os.environ.get("INSATS_NEW_SECRET_KEY")
    if not key:
        raise InputError("give the new key in INSATS_NEW_SECRET_KEY or --new-key-file FILE (never on the command "
                         "line); make one with `insats keys new`")
    return key


def cmd_rotate(args: argparse.Namespace) -> None:
    from store import transaction
    from store.identity import key_id
    from store.keys import KeyProblem, rotate

    new = _new_key(args)
    engine = open_store()
    old = os.environ.get("INSATS_SECRET_KEY")
    if not old:
        raise InputError("INSATS_SECRET_KEY (the key in use) is not set; nothing was done")
    try:
        with transaction(engine) as session:
            count = rotate(session, acting(session, args), old, new)
    except KeyProblem as exc:
        raise InputError(f"{exc}; nothing was done") from None
    print(f"re-encrypted and re-hashed {count} personnummer under key {key_id(new)} in one transaction.\n"
          "Now set INSATS_SECRET_KEY to the new key and restart Insats; the old key opens nothing any more.")


def register(sub: argparse._SubParsersAction) -> None:
    keys = sub.add_parser("keys", help="the instance key behind personnummer").add_subparsers(
        dest="action", required=True)
    keys.add_parser("new", help="print a new strong key").set_defaults(func=cmd_new)
    keys.add_parser("check", help="check the key against the database").set_defaults(func=cmd_check)
    p = keys.add_parser("rotate", help="re-encrypt every personnummer under a new key (admin)")
    p.add_argument("--new-key-file", help="a file holding the new key (else INSATS_NEW_SECRET_KEY)")
    p.set_defaults(func=cmd_rotate)
