"""insats health: what an operations team monitors, as text or JSON; exit 3 when something needs a person.

No ``--as``: it reads no case data (times and the schema's state), and a monitor has no user."""

from __future__ import annotations

import argparse
import json

from ._io import InputError

NEEDS_A_PERSON = 3


def check() -> tuple[dict, list[str]]:
    """The figures and what in them needs a person."""
    import config
    import store
    from store import health

    try:
        limits = config.health_limits()
    except ValueError as exc:
        raise InputError(str(exc)) from None
    engine = store.make_engine()
    report: dict = {"version": config.version(), "database": health.reachable(engine)}
    problems = []
    if not report["database"]:
        report.update(migrations_current=None, keys_ok=None, last_backup_age_hours=None,
                      last_anchor_age_hours=None)
        return report, ["the database cannot be reached"]
    report["migrations_current"] = health.schema_current(engine)
    if not report["migrations_current"]:  # the tables the rest reads may not be there yet
        report.update(keys_ok=None, last_backup_age_hours=None, last_anchor_age_hours=None)
        return report, ["the schema is not the newest: run `insats db upgrade`"]
    key_problem = health.keys_ok(engine)
    report["keys_ok"] = key_problem is None
    report["last_backup_age_hours"] = health.hours_since(engine, "backup")
    report["last_anchor_age_hours"] = health.hours_since(engine, "anchor")
    if key_problem:
        problems.append(f"keys: {key_problem}")
    for what, key in (("backup", "last_backup_age_hours"), ("anchor", "last_anchor_age_hours")):
        age = report[key]
        if age is None:
            problems.append(f"no {what} has been taken")
        elif age > limits[what]:
            problems.append(f"the last {what} is {age} hours old (limit {limits[what]:g})")
    return report, problems


def cmd_health(args: argparse.Namespace) -> int:
    report, problems = check()
    if args.format == "json":
        print(json.dumps({**report, "ok": not problems, "problems": problems}, sort_keys=True))
    else:
        for key in ("version", "database", "migrations_current", "keys_ok", "last_backup_age_hours",
                    "last_anchor_age_hours"):
            print(f"{key}: {report[key]}")
        print("ok" if not problems else "needs a person:\n  " + "\n  ".join(problems))
    return NEEDS_A_PERSON if problems else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("health", help="is the database reachable, its schema current, the keys right, the last "
                                      "backup and anchor recent? exit 3 when something needs a person")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_health)
