"""The partner rows of the access matrix (#23 items 1 and 5): each action a partner may take x member of
the group or not x what the youth's consent lets their organisation see x the membership's dates (before
it starts, within, after it ends), on SQLite and PostgreSQL. The expected table is written out here, not
derived from ``store.access.POLICY`` or ``rules.partner``, so a wrong rule in either fails this test.

The world is ``test_access_matrix.world`` (teams A and B, a started case in each, a consent naming the
school for the plan and the assessment). On case A three partners are members from day 10 to day 20:
police (a consent names the police for the plan only), school (plan and assessment) and leisure (no
consent names them). On case B the police officer is named as a member but not linked to the account.
As in the staff matrix: a refusal changes nothing and leaves exactly one ``refused`` audit row; a
permitted action leaves at least one audit row in the partner's name.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import config
from store import AccessDenied, cases, groups, transaction, users, views
from store.models import AgendaItem, Commitment, Event, Member, Subject
from store.users import SETUP, actor_for

from .test_access_matrix import CASE_OPS, GLOBAL, GLOBAL_OPS, REASON, D, _attempt, _audit_rows, _case_op, world

__all__ = ["world"]  # the staff matrix's fixture, used here
FROM, TO = D + timedelta(days=10), D + timedelta(days=20)
DAYS = {"before": FROM - timedelta(days=1), "within": FROM + timedelta(days=5), "last day": TO,
        "after": TO + timedelta(days=1)}
PARTNERS = {"pol": "police", "skol": "school", "fri": "leisure"}
WORD = {"police": "polis", "school": "skola", "leisure": "fritid"}
OTHER_WORD = {"police": "skola", "school": "polis", "leisure": "polis"}

# the expected table, written out: what each partner may do to a group they are a current member of.
# Police: the consent names them for the plan (not the assessment). School: the plan and the assessment.
# Leisure: no consent names them: that they are in the group and its case code, nothing more.
MEMBER_MAY = {
    "police": {"open group", "read plan", "log event", "review own commitment", "send agenda item"},
    "school": {"open group", "read plan", "read assessment summary", "log event", "review own commitment",
               "send agenda item"},
    "leisure": {"open group"},
}
PARTNER_OPS = ("open group", "read plan", "read assessment summary", "log event", "review own commitment",
               "review another organisation's commitment", "send agenda item")


def _subject(s, code: str) -> Subject:
    return s.scalar(select(Subject).where(Subject.case_code == code))


def _commitment(s, code: str, word: str) -> int:
    meeting_ids = [m.id for m in views.meetings_of(s, SETUP, _subject(s, code).id)]
    return s.scalar(select(Commitment.id).where(Commitment.meeting_id.in_(meeting_ids), Commitment.actor == word)
                    .order_by(Commitment.id.desc()).limit(1))


def _partner_op(name: str, organisation: str):
    ops = {
        "open group": lambda s, a, c: groups.group_view(s, a, _subject(s, c).id, a_day()),
        "read plan": lambda s, a, c: groups.group_plan(s, a, _subject(s, c).id, a_day()),
        "read assessment summary": lambda s, a, c: groups.group_summary(s, a, _subject(s, c).id),
        "log event": lambda s, a, c: cases.log_event(s, a, _subject(s, c), "contact", a_day()),
        "review own commitment": lambda s, a, c: cases.review_commitment(
            s, a, _commitment(s, c, WORD[organisation]), "partly", "Halva tiden"),
        "review another organisation's commitment": lambda s, a, c: cases.review_commitment(
            s, a, _commitment(s, c, OTHER_WORD[organisation]), "kept"),
        "send agenda item": lambda s, a, c: groups.send_agenda_item(s, a, _subject(s, c).id, "Frånvaron", a_day()),
    }
    return ops[name]


def a_day():
    return config.today()


@pytest.fixture
def network(engine, world):
    with transaction(engine) as s:
        for login, organisation in PARTNERS.items():
            users.add_user(s, SETUP, login, display_name=login, roles=["partner"], organisation=organisation)
        a, b = _subject(s, world["A"]), _subject(s, world["B"])
        cases.add_consent(s, SETUP, a, signed_on=D, signed_by=["youth"], valid_until=D + timedelta(days=9999),
                          actors=["polis"], categories=["plan"])
        for subject in (a, b):  # the world's plans hold the school's commitment; the police's and leisure's too
            plan = views.plan_of(s, SETUP, subject.id)
            for word in ("polis", "fritid"):
                cases.add_commitment(s, SETUP, plan, cases.PlanItem(word, "Träffa ungdomen", D + timedelta(days=14)))
        for login, organisation in PARTNERS.items():
            cases.add_member(s, SETUP, a, f"{login} namn", organisation, from_on=FROM, to_on=TO)
            cases.link_member(s, SETUP, a, f"{login} namn", login)
        cases.add_member(s, SETUP, b, "pol namn", "police", from_on=FROM, to_on=TO)  # named, not linked
    return world


def test_every_partner_against_every_action_by_membership_consent_and_date(engine, network, monkeypatch):
    mismatches = []
    for when, day in DAYS.items():
        monkeypatch.setenv("INSATS_TODAY", day.isoformat())
        for login, organisation in PARTNERS.items():
            for target in ("member", "not member"):
                code = network["A"] if target == "member" else network["B"]
                for name in PARTNER_OPS:
                    expected = (target == "member" and when in ("within", "last day")
                                and name in MEMBER_MAY[organisation])
                    refused_before, rows_before = _audit_rows(engine, login)
                    op = _partner_op(name, organisation)
                    outcome = _attempt(engine, login, lambda s, a, op=op, c=code: op(s, a, c))
                    refused_after, rows_after = _audit_rows(engine, login)
                    if outcome != ("done" if expected else "refused"):
                        mismatches.append((when, login, target, name, outcome))
                    elif outcome == "refused" and (refused_after - refused_before, rows_after - rows_before) != (1, 1):
                        mismatches.append((when, login, target, name, "refusal not audited exactly once"))
                    elif outcome == "done" and rows_after == rows_before:
                        mismatches.append((when, login, target, name, "not audited"))
    assert mismatches == [], mismatches
    with transaction(engine) as s:  # what was done was done once per permitted day, in the partner's name
        assert sorted(s.scalars(select(Event.logged_by).where(Event.logged_by.in_(PARTNERS)))) == [
            "pol", "pol", "skol", "skol"]
        assert sorted(s.scalars(select(AgendaItem.sent_by))) == ["pol", "pol", "skol", "skol"]


def test_a_partner_is_refused_every_staff_action_and_emergency_access(engine, network, monkeypatch):
    """Not a case, its notes, its consents or assessments, the personnummer, the Logg, another case: a
    partner has the staff's actions only where written above (logging an event); never emergency access."""
    monkeypatch.setenv("INSATS_TODAY", DAYS["within"].isoformat())
    staff_ops = {name for name in CASE_OPS if name != "log event"}
    mismatches = []
    for login in PARTNERS:
        for name in sorted(staff_ops):
            if _attempt(engine, login, lambda s, a, n=name: _case_op(n)(s, a, network["A"])) != "refused":
                mismatches.append((login, name))
        for name in GLOBAL_OPS:
            if _attempt(engine, login, GLOBAL[name]) != "refused":
                mismatches.append((login, name))
        for name, work in {
            "emergency access": lambda s, a: cases.open_in_emergency(s, a, network["B"], REASON),
            "emergency access to own group": lambda s, a: cases.open_in_emergency(s, a, network["A"], REASON),
            "personnummer": lambda s, a: cases.subject_by_pnr(s, a, "200001012384"),
            "members and phone numbers": lambda s, a: cases.members_of(s, a, _subject(s, network["A"]).id),
            "events with notes": lambda s, a: cases.events_of(s, a, _subject(s, network["A"]).id),
            "agenda items of the plan page": lambda s, a: groups.agenda_items_of(s, a, _subject(s, network["A"]).id),
        }.items():
            if _attempt(engine, login, work) != "refused":
                mismatches.append((login, name))
    assert mismatches == [], mismatches


def test_my_groups_lists_the_current_groups_only(engine, network, monkeypatch):
    for when, day in DAYS.items():
        monkeypatch.setenv("INSATS_TODAY", day.isoformat())
        with transaction(engine) as s:
            for login, organisation in PARTNERS.items():
                listed = groups.my_groups(s, actor_for(s, login), day)
                assert [g.case_code for g in listed] == ([network["A"]] if when in ("within", "last day") else []), (
                    when, login)
                for g in listed:  # the next meeting and the own commitments only as the consent says
                    assert (g.next_meeting_on is not None) == (organisation != "leisure")
                    assert [c.actor for c in g.commitments] == ([] if organisation == "leisure"
                                                                 else [WORD[organisation]])


def test_access_ends_at_the_next_click_when_consent_is_withdrawn_or_membership_ends(engine, network, monkeypatch):
    monkeypatch.setenv("INSATS_TODAY", DAYS["within"].isoformat())
    plan = _partner_op("read plan", "police")
    assert _attempt(engine, "pol", lambda s, a: plan(s, a, network["A"])) == "done"
    with transaction(engine) as s:
        police = [c for c in cases.consents_of(s, SETUP, _subject(s, network["A"]).id) if "polis" in c.actors]
        cases.withdraw_consent(s, SETUP, police[0], DAYS["within"])
    with pytest.raises(AccessDenied) as refused, transaction(engine) as s:
        plan(s, actor_for(s, "pol"), network["A"])
    assert refused.value.code == "access.consent"  # still a member: said as the consent, not the group
    assert _attempt(engine, "pol", lambda s, a: _partner_op("open group", "police")(s, a, network["A"])) == "done"
    with transaction(engine) as s:
        member = s.scalar(select(Member).where(Member.name == "skol namn"))
        cases.end_membership(s, SETUP, member.id, DAYS["within"] - timedelta(days=1))
    with pytest.raises(AccessDenied) as refused, transaction(engine) as s:
        groups.group_view(s, actor_for(s, "skol"), _subject(s, network["A"]).id, DAYS["within"])
    assert refused.value.code == "access.member"
    with transaction(engine) as s:
        assert groups.my_groups(s, actor_for(s, "skol"), DAYS["within"]) == []


def test_a_partner_reads_a_protected_case_without_the_familys_names(engine, network, monkeypatch):
    """Skyddade personuppgifter: the plan a partner reads carries no name or number of the youth or the
    guardians, as no document leaving the team does (``rules.protected``)."""
    monkeypatch.setenv("INSATS_TODAY", DAYS["within"].isoformat())
    guardian, phone = "Anna Andersson", "070-123 45 67"
    with transaction(engine) as s:
        subject = _subject(s, network["A"])
        cases.add_member(s, SETUP, subject, guardian, "guardian", phone=phone)
        cases.add_commitment(s, SETUP, views.plan_of(s, SETUP, subject.id), cases.PlanItem(
            "polis", f"Ringa {guardian} på 0701234567", D + timedelta(days=14), if_cannot=f"Sms till {phone}"))
    with transaction(engine) as s:
        before = groups.group_plan(s, actor_for(s, "pol"), _subject(s, network["A"]).id, DAYS["within"])
    assert any(guardian in c.what for c in before.plan_commitments)  # an unprotected case: as the plan says
    with transaction(engine) as s:
        cases.protect(s, SETUP, network["A"], "Familjen har skyddad identitet")
    with transaction(engine) as s:
        after = groups.group_plan(s, actor_for(s, "pol"), _subject(s, network["A"]).id, DAYS["within"])
    said = " ".join(f"{c.actor} {c.what} {c.if_cannot}" for c in after.plan_commitments)
    assert guardian not in said and "0701234567" not in said and phone not in said
    assert "Ringa *** på ***" in said
