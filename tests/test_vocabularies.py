"""Vocabulary codes are never shown raw (#21 item 6): every code of a stored vocabulary that reaches a page,
a PDF or a printout has words in both catalogues under its family's prefix, and the places that once
showed a code say it in words.

Two vocabularies name the same organisations: consent recipients are stored as Swedish codes
(``socialtjanst``, ``polis``: ``actor_``) and network members' organisations as English ones (``police``,
``school``: ``org_``). They are kept as stored (renaming them is a migration); each has its own words.
"""

from __future__ import annotations

import ast

import pytest

from catalogue import STRINGS, words
from rules.path import STATUSES
from store import access, models, transaction
from store.cases import CLOSING_REASONS
from store.cases.consent import CONSENT_ACTORS, CONSENT_CATEGORIES, CONSENT_STATES

from .app_helpers import ADMIN, AS_USER, ROOT, no_trace, open_page


def literal(path: str, name: str) -> tuple[str, ...]:
    """A page's own vocabulary (pages run on import, so it is read from the source)."""
    for node in ast.walk(ast.parse((ROOT / path).read_text())):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path} has no {name}")


VOCABULARIES = {
    "actor_": (*CONSENT_ACTORS, *literal("forms/pages/plan.py", "ATTENDEES"), "family"),
    "category_": CONSENT_CATEGORIES,
    "org_": models.ORGANISATIONS, "role_": access.ROLES, "source_": models.REFERRAL_SOURCES,
    "occasion_": models.OCCASIONS, "commitment_": models.COMMITMENT_STATUSES, "occupation_": models.OCCUPATIONS,
    "placement_": models.PLACEMENTS, "review_": models.COMMITMENT_REVIEWS, "owner_": models.GOAL_OWNERS,
    "event_": models.EVENT_KINDS, "closing_": CLOSING_REASONS, "status_": STATUSES,
    "consent_state_": CONSENT_STATES,
}


@pytest.mark.parametrize("prefix", sorted(VOCABULARIES))
def test_every_code_of_every_vocabulary_has_words_in_both_languages(prefix):
    missing = [code for code in VOCABULARIES[prefix] if set(STRINGS.get(prefix + code, {})) != {"sv", "en"}]
    assert not missing


def test_both_organisation_vocabularies_are_said_in_words():
    """The Swedish-coded recipients and the English-coded organisations: never the code on a Swedish page."""
    for prefix in ("actor_", "org_"):
        for code in VOCABULARIES[prefix]:
            said = words(code, "sv", prefix)
            assert said != code or code in ("ungdom",), (prefix, code)  # "ungdom" is itself the Swedish word
    assert words("police", "sv", "org_") == "Polisen" and words("polis", "sv", "actor_") != "polis"


def test_the_log_says_a_refusal_in_words_not_by_its_code(app_engine):
    """Logg showed "access.role user.manage" for a refusal; the download keeps the code for its tools."""
    with pytest.raises(access.AccessDenied), transaction(app_engine) as s:
        access.guard(s, AS_USER, "user.manage")
    at = open_page("log", user=ADMIN)
    no_trace(at)
    [table] = at.dataframe
    details = " | ".join(map(str, table.value.iloc[:, list(table.value.columns).index("Detaljer")]))
    assert "access.role" not in details and STRINGS["err_access.role"]["sv"] in details


def audit_words() -> tuple[set[str], set[str]]:
    """Every action and kind of record the store can write to the log: the access rules' own (an
    unaudited guard still names them), ``verb=`` overrides, ``audit.record(_many)`` and refusal rows."""
    actions = {rule.split(".", 1)[1] for rule in access.POLICY}
    entities = {rule.split(".", 1)[0] for rule in access.POLICY}
    for path in (ROOT / "store").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", None))
                if name in ("record", "record_many") and len(node.args) >= 4:
                    for found, arg in ((actions, node.args[2]), (entities, node.args[3])):
                        if isinstance(arg, ast.Constant):
                            found.add(arg.value)
                if name == "guard":
                    actions |= {k.value.value for k in node.keywords if k.arg == "verb" and
                                isinstance(k.value, ast.Constant)}
            if isinstance(node, ast.Dict):  # a refusal's audit_row
                pairs = {k.value: v.value for k, v in zip(node.keys, node.values, strict=True)
                         if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)}
                if "action" in pairs and "entity" in pairs:
                    actions.add(pairs["action"])
                    entities.add(pairs["entity"])
    return actions, entities


def test_every_action_and_record_kind_the_log_can_hold_is_said_in_words():
    """Logg says "hanterade användare", never "manage user" or "login_refused"."""
    actions, entities = audit_words()
    assert {"read", "manage", "lockout", "refused"} <= actions and {"case", "user", "member"} <= entities
    assert not [a for a in actions if set(STRINGS.get(f"log_action_{a}", {})) != {"sv", "en"}]
    assert not [e for e in entities if set(STRINGS.get(f"log_entity_{e}", {})) != {"sv", "en"}]


def stored_details() -> set[str]:
    """Every detail the store writes as a plain string: ``detail=`` of the guard and the audit calls,
    and the detail argument of ``audit.record`` (f-strings are checked by their shapes below)."""
    found: set[str] = set()
    for path in [*(ROOT / "store").rglob("*.py"), ROOT / "forms" / "auth.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            args = [k.value for k in node.keywords if k.arg in ("detail", "why")]
            if name == "record" and len(node.args) >= 6:
                args.append(node.args[5])
            if name == "end_session" and len(node.args) >= 2:
                args.append(node.args[1])
            found |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


# the shapes of the store's f-string details, filled in as the store fills them
SHAPES = ["assessment 12", "draft 3", "emergency_access 4", "protection 2", "reopening 1", "referral 9",
          "intervention mst-1", "history of 12", "checklist of referral 9", "commitment 5: done",
          "commitment 5 reviewed: not_kept", "member school", "member 7 leaves 2026-05-01",
          "member link pia.polis", "closed 2026-03-01: goals_reached", "withdrawn 2 from 2026-04-01",
          "police_report", "incident (serious)", "4 meetings", "1 assessments",
          "referral 9: safety assessment 2026-02-01", "referral 9: report of concern yes",
          "referral 9: investigation opened 2026-02-03", "referral 9: investigation ended 2026-06-01",
          "caseload on 2026-05-01: 12 active cases", "intake queue: 40 rows", "awaiting assessment: 3 youths",
          "motivation list: 2 youths", "concern clocks: 1 alerts", "case search: 2 codes",
          "follow-up 2026-01-01..2026-06-30", "plan-SIG-1.pdf to polis (plan)", "skola/assessment: True",
          "wrong password; locked until 2026-05-01 12:30 UTC", "cases open to pia.polis",
          "network recipients of plan on 2026-05-01", "mina grupper: 3 groups",
          "status of the referrer's own referrals (4)", "add pia.polis",
          "access log: case=* user=* 2026-11-04..2026-12-04: 352 rows", "access log: case=SIG-A1 user=* ..: 1 rows",
          "referral 201 from a referrer: personnummer not known before",
          "referral 201 from a referrer: personnummer already known",
          "invitation notice 2026-05-01: 2 queued; not sent to nobody",
          "plan notice 2026-05-01: 1 queued; not sent to member 3 (no_consent), member 4 (family)",
          "plan notice 2026-05-01 to member 3 to polis (plan)",
          "message 7 (plan 2026-05-01) to member 3: sent, attempt 2",
          "message 7 (plan 2026-05-01) to member 3: attempt 6 smtp.refused; failed for good",
          "message 7 (invitation 2026-05-01) to member 3: attempt 1 smtp.down; next attempt 2026-05-01 10:02 UTC"]


def test_the_log_says_each_detail_in_words_not_as_the_store_wrote_it():
    """Logg's "Detaljer" showed the stored English notes ("case overview", "emergency_access 1"). The
    chain seals them, so Logg translates at display: every plain detail and every f-string shape."""
    from catalogue.log_details import log_detail

    plain = stored_details()
    assert {"case overview", "timeline", "local", "idle timeout"} <= plain  # the harvest itself works
    said = {d: log_detail(d, "sv") for d in sorted(plain | set(SHAPES))}
    assert not [d for d, sv in said.items() if sv == d], "details shown as stored on a Swedish page"
    english = {d: log_detail(d, "en") for d in said}
    assert english["case overview"] == "case overview" and english["emergency_access 4"] == "emergency access 4"
    reason = words("goals_reached", "sv", "closing_")
    assert said["closed 2026-03-01: goals_reached"] == f"avslutat 2026-03-01: {reason}"
    assert said["4 meetings"] == "4 möten" and said["1 assessments"] == "1 bedömning"  # ngettext's forms


def test_the_log_page_shows_a_case_read_in_swedish(app_engine):
    from store import cases

    with transaction(app_engine) as s:
        subject = cases.create_subject(s, AS_USER, case_code="SIG-LOGG1")
        s.flush()
        cases.timeline(s, AS_USER, subject)
    at = open_page("log", user=ADMIN)
    no_trace(at)
    [table] = at.dataframe
    details = set(map(str, table.value["Detaljer"]))
    assert "tidslinje" in details and "timeline" not in details
