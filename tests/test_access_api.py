"""No store function that touches case data can be added without the access check.

Read from the source: every public function of ``store`` that takes a database session must call
``guard`` (directly, or through another checked store function) and take the actor right after the
session, unless it is one of the few named below, each with the reason it needs no actor. The
unchecked readers of case data are store-internal: pages and the CLI never call them.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .app_helpers import ROOT

# name -> why it takes no actor. Everything else with a session is checked.
UNCHECKED = {
    # store-internal readers used by guarded functions (never by pages or the CLI)
    "find_subject": "the case by code, for functions that guard it themselves",
    "team_for_new_case": "which of the actor's teams a new case goes to (called after the guard)",
    "current_rows": "assessments of a case, for guarded readers",
    "consent_rows": "consents of a case, for guarded readers",
    "latest_meeting": "the current plan, for guarded readers",
    "assessed_before": "whether a final structured assessment precedes a start, for guarded callers",
    "asks_of": "the asks of a referral, for guarded callers",
    "outside_age_range": "whether an assessment's youth is outside the form's ages, for guarded callers",
    "start_consent_problem": "what a start's consent lacks, for guarded callers",
    "check_step": "whether a step belongs in the case's phase, for guarded callers",
    "started_on": "the case's latest start, for guarded callers",
    "emergency_until": "the end of the actor's own emergency grant, part of the guarded case overview",
    "subject_ids_by_code": "case code -> id for imports, which guard every row",
    "case_access": "the guard's own look-up",
    "memberships": "partners' current memberships and consent categories, for the guard and guarded callers",
    "membership_of": "one partner's membership of one group, the guard's question",
    "partner_account": "the partner account a guarded member link names",
    "openings": "who can open which case and why, for the guarded who_can_open and cases_open_to",
    "in_scope": "the guard's own check",
    "member_allows": "the guard's own check of the member scope",
    "current_membership": "the guard's own look-up of a partner's membership (cached like case_access)",
    "guard": "the check itself",
    "refuse": "the guard's refusal",
    "forget_case_access": "clears the guard's cache",
    # the audit log itself
    "record": "appends an audit row",
    "record_many": "appends audit rows",
    "authors": "the display names of logins a guarded read already returned (accounts, not case data)",
    "write_pending": "writes the audit rows recorded in the transaction (at commit, or before the log is read)",
    "seal_legacy": "migration 0008 seals the rows from before audit keys (no case data, once)",
    # log-in: there is no actor yet; each attempt is audited inside
    "actor_for": "builds the actor of an active user",
    "actor_for_claim": "OIDC log-in (audited)",
    "authenticate": "local log-in (audited)",
    "record_logout": "audits a log-out",
    "first_admin_actor": "the set-up actor, only while no user exists",
    "has_users": "whether any user exists (no case data)",
    "team_id": "a team's id by name (no case data)",
    "team_names": "team names (no case data)",
    "has_demo": "whether the synthetic cohort exists (a count)",
    "is_empty": "whether any case exists (a count)",
    "upgrade": "creates or migrates the schema",
    "reachable": "operations' health check: can the database be reached (no case data)",
    "schema_current": "operations' health check: the schema's revision (no case data)",
    "keys_ok": "operations' health check: do the keys serve the database (rolled back, no case data)",
    "hours_since": "operations' health check: time of the last backup or anchor row (no case data)",
    "migrate": "the migrations themselves, after upgrade's safety copy or a restore",
    "is_sqlite": "which engine (no data)",
    "transaction": "opens a unit of work; the functions inside it check",
    "reading": "opens a read-only unit of work that is not a case's (who is logged in); writes are refused",
    "check_keys": "start-up: compares key ids, adopts pre-key-id rows (no case data leaves it)",
    "hold_serving_lock": "a lock file beside the database (no data)",
    "lock_path": "the lock file's name (no data)",
    "holds_users": "whether anyone can be looked up (an empty database is restored by an operator)",
    "schema_revision": "the schema version (no case data)",
    "pg_environment": "libpq variables for pg_dump/pg_restore (no case data)",
    "write_backup": "copies the database file; called by the guarded backup() and by upgrade() before migrating",
    "min_cell_floor": "the instance's k floor (a setting, no case data)",
    "backup_before_upgrade": "upgrade's own safety copy, before any migration (a system step)",
}
INTERNAL_CASE_READERS = {"find_subject", "current_rows", "consent_rows", "latest_meeting", "subject_ids_by_code",
                         "case_access", "current_membership", "record", "record_many", "write_pending", "openings"}


def _functions() -> dict[str, tuple[Path, ast.FunctionDef]]:
    found = {}
    for path in sorted((ROOT / "store").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                found[node.name] = (path, node)
    return found


def _calls(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def _params(node: ast.FunctionDef) -> list[str]:
    return [a.arg for a in node.args.args]


def test_every_store_function_with_a_session_checks_the_actor():
    functions = _functions()
    with_session = {name: (path, node) for name, (path, node) in functions.items()
                    if {"session", "engine"} & set(_params(node)[:1])}
    assert len(with_session) > 60  # the whole API was read
    checked = {"guard"}
    changed = True
    while changed:  # a function that calls a checked function is checked
        changed = False
        for name, (_, node) in with_session.items():
            if name not in checked and _calls(node) & checked:
                checked.add(name)
                changed = True
    unchecked = sorted(f"{path.relative_to(ROOT)}:{name}" for name, (path, _) in with_session.items()
                       if name not in checked and name not in UNCHECKED)
    assert unchecked == [], "store functions that read or write without guard()"
    no_actor = sorted(name for name, (_, node) in with_session.items()
                      if name not in UNCHECKED and _params(node)[1:2] != ["actor"])
    assert no_actor == [], "checked functions take (session or engine, actor, ...)"


def test_pages_and_cli_never_use_the_unchecked_readers():
    offences = {}
    for path in [ROOT / "app.py", *sorted((ROOT / "forms").rglob("*.py")), *sorted((ROOT / "cli").rglob("*.py"))]:
        tree = ast.parse(path.read_text())
        used = _calls(tree) | {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                               for alias in node.names}
        if bad := used & INTERNAL_CASE_READERS:
            offences[str(path.relative_to(ROOT))] = sorted(bad)
    assert offences == {}


def test_the_allow_list_names_only_functions_that_exist():
    assert set(UNCHECKED) <= set(_functions())


def test_pages_never_make_up_an_actor():
    """Identity comes from the log-in only: no page builds an Actor or borrows the set-up's."""
    offences = {}
    for path in [ROOT / "app.py", *sorted((ROOT / "forms").rglob("*.py"))]:
        tree = ast.parse(path.read_text())
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
        if bad := (names & {"SETUP", "SYSTEM", "first_admin_actor"}) | (_calls(tree) & {"Actor"}):
            offences[str(path.relative_to(ROOT))] = sorted(bad)
    assert offences == {}
