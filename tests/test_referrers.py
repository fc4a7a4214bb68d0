"""Referrers who send the checklist themselves (#23 item 2): the referral arrives in the chosen team's
intake with the referrer's name and organisation, the referrer sees received / decided yes / no and
nothing else, and nothing tells them whether the youth was known (no existence oracle). On both engines.
"""

from __future__ import annotations

import dataclasses
import random
import re
from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import event, func, select

from rules.referrer import DAILY_LIMIT, SENT_STATUSES, parse_daily_limit, sent_status, sent_statuses
from store import AccessDenied, cases, referrers, transaction, views
from store.access import landing_page, pages_for
from store.identity import IdentityError, decrypt_pnr, luhn_ok
from store.models import Assessment, AuditEntry, Referral, Subject
from store.users import SETUP, actor_for, add_team, add_user, deactivate, team_id

TODAY = date(2026, 6, 1)
CHECKLIST = {"K1": "Ja", "K2": "Nej", "K3": None}


def pnr(birth: str, serial: str = "123") -> str:
    """A personnummer with a right check digit: ``birth`` YYYYMMDD."""
    for check in range(10):
        if luhn_ok(birth[2:] + serial + str(check)):
            return f"{birth}-{serial}{check}"
    raise AssertionError


KNOWN, UNKNOWN = pnr("20100315"), pnr("20110420", "456")


@pytest.fixture
def network(engine):
    """Teams A and B with an intake worker each; a police referrer; a youth already known in team A."""
    with transaction(engine) as s:
        for team in ("A", "B"):
            add_team(s, SETUP, team)
            add_user(s, SETUP, f"intake.{team.lower()}", display_name=f"Intag {team}", roles=["intake"], teams=[team])
        add_user(s, SETUP, "coord.a", display_name="Samordnare A", roles=["coordinator"], teams=["A"])
        add_user(s, SETUP, "rita", display_name="Rita Polis", roles=["referrer"], organisation="police")
        add_user(s, SETUP, "fia", display_name="Fia Fält", roles=["referrer"], organisation="field_workers")
        cases.create_subject(s, SETUP, case_code="SIG-KNOWN", pnr=KNOWN, team_id=team_id(s, "A"))
    return engine


def send(engine, login: str = "rita", team: str = "A", number: str = UNKNOWN, **kwargs) -> referrers.SentReferral:
    with transaction(engine) as s:
        return referrers.send_referral(s, actor_for(s, login), team_id=team_id(s, team), pnr=number,
                                       checklist=kwargs.pop("checklist", CHECKLIST), on=TODAY, **kwargs)


def mine(engine, login: str = "rita") -> list[referrers.SentReferral]:
    with transaction(engine) as s:
        return referrers.sent_referrals(s, actor_for(s, login))


def test_the_status_rule_per_referral_and_for_a_column_agree():
    assert [sent_status(x) for x in (None, True, False)] == ["received", "yes", "no"]
    rng = random.Random(23)
    column = [rng.choice([None, True, False]) for _ in range(500)]
    assert list(sent_statuses(np.array(column, dtype=object))) == [sent_status(x) for x in column]
    assert set(sent_statuses(np.array(column, dtype=object))) == set(SENT_STATUSES)


def test_a_sent_checklist_arrives_in_the_chosen_teams_intake_as_a_new_case(network):
    sent = send(network, gender="flicka", district="Västerort", report_of_concern=True)
    assert (sent.number, sent.team, sent.status, sent.decided_on) == (1, "A", "received", None)
    with transaction(network) as s:
        referral = s.scalar(select(Referral).order_by(Referral.id.desc()).limit(1))
        subject = referral.subject
        assert referral.source == "polis" and referral.report_of_concern and referral.received_on == TODAY
        assert referral.same_pnr_as is None and referral.sent_to == team_id(s, "A")
        assert subject.team_id == team_id(s, "A") and re.fullmatch(r"SIG-[A-Z0-9]{6}", subject.case_code)
        assert (subject.birth_year, subject.birth_month, subject.gender, subject.district) == (2011, 4, "flicka",
                                                                                                "Västerort")
        assert decrypt_pnr(subject.pnr_encrypted) == UNKNOWN.replace("-", "")  # stored as intake stores it
        form = s.get(Assessment, referral.checklist_id)
        assert (form.instrument_id, form.occasion, form.status, form.rater) == ("irk-8", "referral", "final", "rita")
        assert form.ratings == CHECKLIST
        queue_a = views.intake_queue(s, actor_for(s, "intake.a"), TODAY)
        assert subject.case_code in set(queue_a["case_code"])
        assert subject.case_code not in set(views.intake_queue(s, actor_for(s, "intake.b"), TODAY)["case_code"])
        origin = referrers.origin_of(s, actor_for(s, "intake.a"), referral)
        assert (origin.name, origin.organisation, origin.same_case, origin.same_elsewhere) == (
            "Rita Polis", "police", None, False)
        [event_] = [e for e in cases.timeline(s, actor_for(s, "intake.a"), subject) if e.kind == "referral"]
        assert (event_.facts["sent_by"], event_.facts["sent_by_organisation"]) == ("Rita Polis", "police")
        actions = s.execute(select(AuditEntry.action, AuditEntry.subject_id).where(AuditEntry.who == "rita")).all()
        assert ("create", subject.id) in actions and ("pnr_check", None) in actions
    assert send(network, login="fia", team="B", number=pnr("20090101", "777")).team == "B"
    with transaction(network) as s:
        assert s.scalar(select(Referral.source).order_by(Referral.id.desc()).limit(1)) == "faltassistenter"


def test_the_referrer_sees_received_then_the_decision_without_reasons_and_nothing_later(network):
    send(network)
    send(network, number=pnr("20120202", "321"))
    assert [(r.number, r.status) for r in mine(network)] == [(1, "received"), (2, "received")]
    assert mine(network, "fia") == []  # another referrer's referrals are not theirs
    assert {f.name for f in dataclasses.fields(referrers.SentReferral)} == {
        "number", "sent_on", "team", "status", "decided_on"}  # no reason, no criteria, no case code
    with transaction(network) as s:
        intake = actor_for(s, "intake.a")
        first, second = s.scalars(select(Referral).where(Referral.sent_by.is_not(None)).order_by(Referral.id)).all()
        cases.screen(s, intake, first, suitable=True, criteria=["crime_active"], on=TODAY)
        cases.screen(s, intake, second, suitable=False, reason="Har redan stöd via BUP", on=TODAY)
        cases.mark_asked(s, intake, first, TODAY)
        cases.record_answer(s, intake, first, accepted=False, on=TODAY, other_support="Fältassistenter")
        codes = [first.subject.case_code, second.subject.case_code]
    with transaction(network) as s:  # the case moves to team B: the referrer still sees the team they chose
        from store.users import assign_case

        assign_case(s, SETUP, codes[0], team="B")
    seen = mine(network)
    assert [(r.status, r.decided_on, r.team) for r in seen] == [("yes", TODAY, "A"), ("no", TODAY, "A")]
    assert "Har redan stöd" not in repr(seen) and not any(code in repr(seen) for code in codes)
    with transaction(network) as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.subject_id).where(
            AuditEntry.who == "rita", AuditEntry.action == "sent_status")).all()
        assert len(rows) == 2 + 2 and all(subject_id is not None for _, subject_id in rows)


def _statements(engine) -> tuple[list[str], callable]:
    said: list[str] = []

    def listen(_conn, _cursor, statement, _params, _context, _many) -> None:
        said.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", listen)
    return said, lambda: event.remove(engine, "before_cursor_execute", listen)


def test_no_existence_oracle_a_known_youth_looks_like_an_unknown_one(network):
    """Same answer, same statements (so roughly the same time), same status list: the referrer cannot
    tell that SIG-KNOWN holds the number. Intake can, on its own side only."""
    said_known, stop = _statements(network)
    known = send(network, number=KNOWN)
    stop()
    said_unknown, stop = _statements(network)
    unknown = send(network, number=UNKNOWN)
    stop()
    assert said_known == said_unknown  # the same SQL, statement for statement
    assert dataclasses.replace(known, number=0) == dataclasses.replace(unknown, number=0)
    assert [(r.status, r.team, r.decided_on) for r in mine(network)] == [("received", "A", None)] * 2
    with transaction(network) as s:
        from_known, from_unknown = s.scalars(select(Referral).where(Referral.sent_by.is_not(None))
                                              .order_by(Referral.id)).all()
        known_id = s.scalar(select(Subject.id).where(Subject.case_code == "SIG-KNOWN"))
        assert from_known.same_pnr_as == known_id and from_unknown.same_pnr_as is None
        assert from_known.subject.pnr_hash is None  # the number stays with the case that holds it
        origin = referrers.origin_of(s, actor_for(s, "intake.a"), from_known)
        assert (origin.same_case, origin.same_elsewhere) == ("SIG-KNOWN", False)
        # the audit row of the check sits on the known case, for its team's log
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.who == "rita", AuditEntry.action == "pnr_check", AuditEntry.subject_id == known_id)) == 1
    send(network, team="B", number=KNOWN)  # to team B, whose intake may not open SIG-KNOWN
    with transaction(network) as s:
        last = s.scalar(select(Referral).order_by(Referral.id.desc()).limit(1))
        origin = referrers.origin_of(s, actor_for(s, "intake.b"), last)
        assert (origin.same_case, origin.same_elsewhere) == (None, True)  # known elsewhere, code not given


@pytest.mark.parametrize(("changes", "error", "code"), [
    ({"number": "20100315-1234"}, IdentityError, "pnr.check"),
    ({"number": "Kalle Anka"}, IdentityError, "pnr.format"),
    ({"number": "20101332-1234"}, IdentityError, "pnr.date"),
    ({"number": ""}, IdentityError, "pnr.format"),
    ({"district": "Väster\x00ort"}, cases.CaseError, "input.text"),
    ({"district": "x" * 65}, cases.CaseError, "referral.district_long"),
    ({"gender": "robot"}, cases.CaseError, "referral.gender"),
    ({"checklist": {"K1": None}}, cases.CaseError, "referral.empty_checklist"),
    ({"checklist": {"K99": "Ja"}}, cases.CaseError, "assessment.item"),
    ({"checklist": {"K1": "Kanske"}}, cases.CaseError, "assessment.level"),
])
def test_hostile_or_wrong_input_is_refused_with_a_code_and_changes_nothing(network, changes, error, code):
    def counts():
        with transaction(network) as s:
            return [s.scalar(select(func.count()).select_from(m)) for m in (Subject, Referral, Assessment)]

    before = counts()
    with pytest.raises(error) as refused:
        send(network, **changes)
    assert refused.value.code == code
    assert counts() == before


def test_an_unknown_team_is_refused(network):
    with transaction(network) as s, pytest.raises(cases.CaseError) as refused:
        referrers.send_referral(s, actor_for(s, "rita"), team_id=999, pnr=UNKNOWN, checklist=CHECKLIST, on=TODAY)
    assert refused.value.code == "referral.team"


def test_only_teams_with_an_intake_receive_referrals(network):
    """"Standard" (made at install, migration 0002) has nobody at intake here, nor has a team of coordinators
    only: neither is offered, and a referral sent to either is refused with nothing saved."""
    with transaction(network) as s:
        add_team(s, SETUP, "C")
        add_user(s, SETUP, "coord.c", display_name="Samordnare C", roles=["coordinator"], teams=["C"])
        assert [name for _, name in referrers.receiving_teams(s, actor_for(s, "rita"))] == ["A", "B"]
        before = s.scalar(select(func.count()).select_from(Referral))
    for team in ("Standard", "C"):
        with pytest.raises(cases.CaseError) as refused:
            send(network, team=team)
        assert refused.value.code == "referral.team_no_intake" and refused.value.params["team"] == team
    with transaction(network) as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == before
        deactivate(s, SETUP, "intake.b")  # B's only intake worker leaves: B takes no more referrals
        assert [name for _, name in referrers.receiving_teams(s, actor_for(s, "rita"))] == ["A"]


def test_only_a_referrer_sends_and_reads_sent_status_and_a_referrer_has_one_page(network):
    for login in ("intake.a", "coord.a"):
        with pytest.raises(AccessDenied):
            send(network, login=login)
        with pytest.raises(AccessDenied):
            mine(network, login)
    with transaction(network) as s:
        rita = actor_for(s, "rita")
        assert pages_for(rita) == ["referrals_sent", "instruments"] and landing_page(rita) == "referrals_sent"
        assert "referrals_sent" not in pages_for(actor_for(s, "intake.a"))


@pytest.mark.parametrize("mode", ["remove", "anonymise"])
def test_gallring_of_the_known_case_leaves_the_pointer_to_it_empty(network, mode):
    """The known case goes (or loses its identity) by gallring: the referral that named it names nothing."""
    from store.retention import gallring

    from .actors import ADMIN

    with transaction(network) as s:
        known = s.scalar(select(Subject).where(Subject.case_code == "SIG-KNOWN"))
        old = cases.add_referral(s, SETUP, known, "skola", date(2020, 1, 1))
        cases.screen(s, SETUP, old, suitable=False, reason="Inte aktuell", on=date(2020, 1, 2))
    send(network, number=KNOWN)
    with transaction(network) as s:
        assert len(gallring(s, ADMIN, date(2021, 1, 1), mode=mode).cases) == 1
    with transaction(network) as s:
        sent = s.scalar(select(Referral).where(Referral.sent_by.is_not(None)))
        assert sent.same_pnr_as is None
        assert s.scalar(select(Subject.id).where(Subject.case_code == "SIG-KNOWN")) is None
    assert [r.status for r in mine(network)] == ["received"]  # the referrer's own list is untouched


def test_the_daily_limit_setting_is_a_whole_number_of_at_least_one():
    assert parse_daily_limit(None) == parse_daily_limit("  ") == DAILY_LIMIT == 20
    assert parse_daily_limit("5") == 5
    for wrong in ("0", "-3", "tjugo", "2.5"):
        with pytest.raises(ValueError, match="INSATS_REFERRAL_LIMIT_PER_DAY"):
            parse_daily_limit(wrong)


def test_a_referrer_account_sends_at_most_the_daily_limit(network, monkeypatch):
    """Past INSATS_REFERRAL_LIMIT_PER_DAY a referral is refused with a code and nothing is written; the limit
    is per account and per day: another referrer, or the same one the next day, still sends."""
    monkeypatch.setenv("INSATS_REFERRAL_LIMIT_PER_DAY", "2")
    send(network, number=UNKNOWN)
    send(network, number=KNOWN)

    def counts():
        with transaction(network) as s:
            return [s.scalar(select(func.count()).select_from(m)) for m in (Subject, Referral, Assessment)]

    before = counts()
    with pytest.raises(cases.CaseError) as refused:
        send(network, number=pnr("20120101"))
    assert refused.value.code == "referral.daily_limit" and refused.value.params == {"limit": 2}
    assert counts() == before
    assert send(network, login="fia").status == "received"  # another account's day is its own
    with transaction(network) as s:  # the next day, the same account again
        sent = referrers.send_referral(s, actor_for(s, "rita"), team_id=team_id(s, "A"), pnr=pnr("20120101"),
                                       checklist=CHECKLIST, on=TODAY + timedelta(days=1))
    assert sent.number == 3
    monkeypatch.setenv("INSATS_REFERRAL_LIMIT_PER_DAY", "3")  # the instance raises its limit: one more today
    assert send(network, number=pnr("20120202")).number == 4
