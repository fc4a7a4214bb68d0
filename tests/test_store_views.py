"""Read models for the pages, the demo cohort, and the case operations the pages added (both engines)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from store import cases, transaction, views
from store.audit import verify
from store.demo import DemoRefused, seed_demo
from store.models import Assessment, AuditEntry, Consent, Meeting, Referral, Subject

from .actors import ADMIN, SETUP
from .path_helpers import EARLY, start

TODAY = date(2026, 11, 23)


def test_age_is_whole_years_at_the_day():
    assert views.age_on(2010, 12, TODAY) == 15 and views.age_on(2010, 11, TODAY) == 16
    assert views.age_on(None, None, TODAY) is None


def test_intake_queue_statuses_waiting_and_filters(engine, assessor):
    with transaction(engine) as s:
        old = cases.add_referral(s, assessor, cases.create_subject(s, assessor, birth_year=2010), "polis",
                                 TODAY - timedelta(days=30))
        cases.screen(s, assessor, old, suitable=True, criteria=["crime_active"], on=TODAY - timedelta(days=20))
        cases.add_referral(s, assessor, cases.create_subject(s, assessor, birth_year=2000), "skola",
                           TODAY - timedelta(days=3))
        young = cases.add_referral(s, assessor, cases.create_subject(s, assessor, birth_year=2012), "skola",
                                   TODAY - timedelta(days=9))
        cases.screen(s, assessor, young, suitable=False, on=TODAY - timedelta(days=1), reason="BUP")
    with transaction(engine) as s:
        queue = views.intake_queue(s, assessor, TODAY)
        assert queue["status"].tolist() == ["suitable", "received", "not_suitable"]
        assert queue["waiting_days"].iloc[:2].tolist() == [20, 3] and queue["waiting_days"].isna().iloc[2]
        assert len(views.intake_queue(s, assessor, TODAY, sources=["skola"])) == 2
        assert views.intake_queue(s, assessor, TODAY, ages=(12, 18))["age"].max() <= 18
        assert len(views.intake_queue(s, assessor, TODAY, statuses=["received"], min_waiting_days=5)) == 0
    with transaction(engine) as s:  # the rows are written when the reading transaction commits
        listed = s.scalars(select(AuditEntry).where(AuditEntry.action == "list")).all()
    assert len(listed) == 4 and all(a.subject_id is None for a in listed)


def test_case_overview_consent_expiry_and_overdue_meeting(engine, assessor):
    with transaction(engine) as s:
        youth = start(s, assessor, cases.create_subject(s, assessor, birth_year=2010, birth_month=3), EARLY)
        cases.add_consent(s, assessor, youth, signed_on=TODAY - timedelta(days=10), signed_by=["youth"],
                          valid_until=TODAY + timedelta(days=30), actors=["skola", "polis"], categories=["school"])
        cases.record_meeting(s, assessor, youth, cases.MeetingInput(held_on=TODAY - timedelta(days=29),
                                                                    attendees=["skola"]))
        code = youth.case_code
    with transaction(engine) as s:
        o = views.case_overview(s, assessor, code, TODAY)
        assert o.age == 16 and o.consent_until == TODAY + timedelta(days=30) and o.consent_expiring
        assert o.consent_actors == ("polis", "skola") and o.meeting_overdue
        assert not views.case_overview(s, assessor, code, TODAY - timedelta(days=5)).meeting_overdue
        assert views.case_overview(s, assessor, code, TODAY + timedelta(days=31)).consent_until is None
        with pytest.raises(cases.CaseError, match="no case"):
            views.case_overview(s, assessor, "SIG-NOPE00", TODAY)


@pytest.fixture
def months_later(monkeypatch):
    """The store refuses steps dated after today: these tests record steps up to three months after
    TODAY, so today is then."""
    monkeypatch.setenv("INSATS_TODAY", (TODAY + timedelta(days=120)).isoformat())


def test_register_referral_new_and_existing_case_with_checklist(engine, assessor, months_later):
    with transaction(engine) as s:
        first = cases.register_referral(s, assessor, source="polis", received_on=TODAY, birth_year=2011,
                                        checklist={"K1": "Ja", "K2": "Nej"})
        code = first.subject.case_code
        again = cases.register_referral(s, assessor, source="skola", received_on=TODAY + timedelta(days=40),
                                        case_code=code.lower())
        assert again.subject_id == first.subject_id and again.checklist_id is None
        checklist = s.get(Assessment, first.checklist_id)
        assert checklist.status == "final" and checklist.occasion == "referral"
        with pytest.raises(cases.CaseError, match="already has a referral"):
            cases.register_referral(s, assessor, source="skola", received_on=TODAY, case_code=code)


def test_add_to_plan_starts_a_plan_or_extends_the_current(engine, assessor, months_later):
    item = cases.PlanItem("skola", "Studiestöd", TODAY + timedelta(weeks=4), intervention_id="skolsocionom")
    with transaction(engine) as s:
        youth = start(s, assessor, cases.create_subject(s, assessor), EARLY)
        with pytest.raises(cases.CaseError, match="at least one"):
            cases.add_to_plan(s, assessor, youth, [])
        with pytest.raises(cases.CaseError, match="no action plan yet") as refused:  # never a meeting not held
            cases.add_to_plan(s, assessor, youth, [item])
        assert refused.value.code == "plan.no_meeting" and not s.scalars(select(Meeting)).all()
        held = TODAY - timedelta(days=3)
        plan = cases.add_to_plan(s, assessor, youth, [item], cases.MeetingInput(held_on=held,
                                                                               attendees=["police", "school"]))
        assert plan.held_on == held and plan.next_meeting_on == held + timedelta(weeks=4)
        same = cases.add_to_plan(s, assessor, youth, [item])
        assert same.id == plan.id and len(same.commitments) == 2
        with pytest.raises(cases.CaseError, match="record meetings in order"):
            cases.record_meeting(s, assessor, youth, cases.MeetingInput(held_on=TODAY - timedelta(days=5),
                                                                        attendees=["skola"]))
        cases.set_commitment_status(s, assessor, plan.commitments[0].id, "done")
        with pytest.raises(cases.CaseError, match="unknown status"):
            cases.set_commitment_status(s, assessor, plan.commitments[0].id, "maybe")
        carried = cases.record_meeting(s, assessor, youth, cases.MeetingInput(
            held_on=TODAY + timedelta(days=28), attendees=["skola"], carry_over=True))
        assert [c.status for c in carried.commitments] == ["planned"]  # the done one stays behind
        # four weeks is a target: a longer interval needs its reason, and is kept with it
        later = TODAY + timedelta(days=56)
        with pytest.raises(cases.CaseError, match="write why") as refused:
            cases.record_meeting(s, assessor, youth, cases.MeetingInput(
                held_on=later, attendees=["skola"], next_meeting_on=later + timedelta(days=42)))
        assert refused.value.code == "plan.interval_reason"
        long = cases.record_meeting(s, assessor, youth, cases.MeetingInput(
            held_on=later, attendees=["skola"], next_meeting_on=later + timedelta(days=42),
            interval_reason="Sommaruppehåll: skolan är stängd."))
        assert long.interval_reason == "Sommaruppehåll: skolan är stängd."


def test_demo_cohort_is_synthetic_complete_and_seeded_once(engine, assessor):
    with transaction(engine) as s:
        report = seed_demo(s, SETUP, n_subjects=60, today=TODAY, seed=3)
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Subject).where(Subject.synthetic.is_(False))) == 0
        assert all(c.startswith("DEMO-") for c in s.scalars(select(Subject.case_code)))
        per_case = s.execute(select(Assessment.subject_id, func.count()).group_by(Assessment.subject_id)).all()
        counts = [n for _, n in per_case]
        assert report.assessments == sum(counts) and min(counts) >= 2 and max(counts) <= 6
        started = s.scalar(select(func.count()).select_from(Referral).where(Referral.started_on.is_not(None)))
        assert len(per_case) == started > 20
        assert {cases.referral_status(r) for r in s.scalars(select(Referral))} >= {"received", "started"}
        with pytest.raises(DemoRefused):
            seed_demo(s, SETUP, n_subjects=5, today=TODAY)
    with transaction(engine) as s:
        assert verify(s, ADMIN)[1] == []


def test_vectorised_queue_status_agrees_with_referral_status(engine, assessor):
    with transaction(engine) as s:
        seed_demo(s, SETUP, n_subjects=150, today=TODAY, seed=11)
    with transaction(engine) as s:
        queue = views.intake_queue(s, SETUP, TODAY).set_index("referral_id")
        expected = {r.id: cases.referral_status(r) for r in s.scalars(select(Referral))}
    assert queue["status"].to_dict() == expected
    assert len(set(expected.values())) >= 5


def test_the_queue_in_arrays_agrees_with_the_rules_referral_by_referral(engine, assessor):
    """Every column and the order of the queue, against the per-row rules (age, the latest step, the law's
    clocks), on a cohort where a third of the referrals are reports of concern at every stage of their clocks."""
    from rules import clocks
    from rules.path import OPEN_STATUSES

    with transaction(engine) as s:
        seed_demo(s, SETUP, n_subjects=150, today=TODAY, seed=11)
    with transaction(engine) as s:
        for r in s.scalars(select(Referral)).all():
            if r.id % 3 == 0:
                r.report_of_concern = True
                r.safety_assessed_on = r.received_on + timedelta(days=r.id % 4) if r.id % 2 == 0 else None
                r.investigation_opened_on = r.received_on + timedelta(days=r.id % 15) if r.id % 5 == 0 else None
                r.investigation_ended_on = (r.received_on + timedelta(days=r.id % 150)
                                            if r.id % 10 == 0 and r.received_on + timedelta(days=r.id % 150) <= TODAY
                                            else None)
    for today in (TODAY, TODAY - timedelta(days=200)):
        with transaction(engine) as s:
            queue = views.intake_queue(s, SETUP, today)
            expected = {}
            for r in s.scalars(select(Referral)).all():
                status = cases.referral_status(r)
                last = r.answered_on or r.asked_on or r.decided_on or r.received_on
                row = {"age": views.age_on(r.subject.birth_year, r.subject.birth_month, today),
                       "waiting_days": (today - last).days if status in OPEN_STATUSES else None,
                       "status": status, "received_on": r.received_on, "case_code": r.subject.case_code}
                alerts = []
                for name in clocks.CLOCKS:
                    due, state = clocks.clock(r, name, today)
                    row[f"{name}_due_on"] = due if state in ("running", "soon", "passed") else None
                    alerts.append(state)
                row["clock_alert"] = "passed" if "passed" in alerts else "soon" if "soon" in alerts else None
                expected[r.id] = row
        def plain(value):
            return None if value is None or pd.isna(value) else value

        # no clock is None, never NaN (pandas 3 turns a column of words and None into text with NaN gaps,
        # which a page took for an alert)
        assert all(a is None or a in ("passed", "soon") for a in queue["clock_alert"])
        shown = {int(q.referral_id): {c: plain(q[c]) for c in row} for _, q in queue.iterrows()}
        assert shown == expected
        waiting = [(-plain(w) if plain(w) is not None else float("inf"), r) for w, r in zip(queue["waiting_days"],
                                                                             queue["received_on"], strict=True)]
        assert waiting == sorted(waiting)  # the longest waiting first (closed ones last), then the oldest
        assert set(queue["clock_alert"].dropna()) == {"passed", "soon"} or today != TODAY


def _state_by_hand(consents, on):
    """The rule as the issue states it, one consent at a time (the oracle for the vectorised one)."""
    def active(c):
        return c.signed_on <= on <= c.valid_until and not (c.withdrawn_on and c.withdrawn_on <= on)

    if any(active(c) for c in consents):
        return "active"
    if not consents:
        return "none"
    latest = max(consents, key=lambda c: (c.signed_on, c.id))
    if latest.withdrawn_on and latest.withdrawn_on <= on:
        return "withdrawn"
    return "expired" if latest.valid_until < on else "none"


def test_consent_state_in_the_queue_agrees_with_the_rule_case_by_case(engine, assessor):
    with transaction(engine) as s:
        seed_demo(s, SETUP, n_subjects=80, today=TODAY, seed=5, users=False)
        youth = cases.create_subject(s, SETUP)
        cases.add_referral(s, SETUP, youth, "skola", TODAY)
        first = cases.add_consent(s, SETUP, youth, signed_on=TODAY - timedelta(days=90), signed_by=["youth"],
                                  valid_until=TODAY + timedelta(days=90), actors=["skola"], categories=["plan"])
        cases.withdraw_consent(s, SETUP, first, TODAY - timedelta(days=3))
        edges = cases.create_subject(s, SETUP)  # a consent's first and last day, and a withdrawal on the day
        cases.add_referral(s, SETUP, edges, "polis", TODAY)
        cases.add_consent(s, SETUP, edges, signed_on=TODAY, signed_by=["youth"],
                          valid_until=TODAY + timedelta(days=120), actors=["polis"], categories=["plan"])
        later = cases.create_subject(s, SETUP)
        cases.add_referral(s, SETUP, later, "polis", TODAY)
        second = cases.add_consent(s, SETUP, later, signed_on=TODAY - timedelta(days=200), signed_by=["youth"],
                                   valid_until=TODAY + timedelta(days=120), actors=["polis"], categories=["plan"])
        cases.withdraw_consent(s, SETUP, second, TODAY)
        twice = cases.create_subject(s, SETUP)  # the latest consent decides, not the first one
        cases.add_referral(s, SETUP, twice, "skola", TODAY)
        cases.add_consent(s, SETUP, twice, signed_on=TODAY - timedelta(days=300), signed_by=["youth"],
                          valid_until=TODAY - timedelta(days=250), actors=["skola"], categories=["plan"])
        newer = cases.add_consent(s, SETUP, twice, signed_on=TODAY - timedelta(days=100), signed_by=["youth"],
                                  valid_until=TODAY + timedelta(days=100), actors=["skola"], categories=["plan"])
        cases.withdraw_consent(s, SETUP, newer, TODAY - timedelta(days=10))
    for day in (TODAY - timedelta(days=200), TODAY, TODAY + timedelta(days=120)):
        with transaction(engine) as s:
            queue = views.intake_queue(s, SETUP, day).set_index("case_code")["consent"]
            consents = {subject.case_code: s.scalars(select(Consent).where(Consent.subject_id == subject.id)).all()
                        for subject in s.scalars(select(Subject))}
            overview = views.case_overview(s, SETUP, youth.case_code, day).consent
        by_hand = {code: _state_by_hand(rows, day) for code, rows in consents.items()}
        assert queue.to_dict() == by_hand  # the queue's rule, for many cases at once
        assert {code: cases.consent_state(rows, day) for code, rows in consents.items()} == by_hand  # one case's
        assert overview == by_hand[youth.case_code]
    assert set(by_hand.values()) >= {"none", "withdrawn"}
