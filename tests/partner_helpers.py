"""A police officer's group for the tests of "Mina grupper" (AppTest and Chromium alike): SIG-POL1, where
Pia Polis is a linked member and the consent names the police for the plan and police information but
not the assessment; SIG-POL2, a case she is not a member of (another officer is)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from store import cases, transaction
from store.models import Subject
from store.users import SETUP, add_user

PARTNER_LOGIN, PARTNER_PASSWORD = "pia.polis", "ett långt lösenord för polisen"
OWN, OTHER = "SIG-POL1", "SIG-POL2"
OWN_COMMITMENT, SCHOOL_COMMITMENT = "Hembesök varannan vecka", "Närvaroplan med mentor"
SAVRY = {f"H{i}": "L" for i in range(1, 11)} | {f"S{i}": "L" for i in range(1, 7)} | {
    f"I{i}": "L" for i in range(1, 9)} | {f"P{i}": "P" for i in range(1, 7)}


def police_groups(engine, today: date, with_password: bool = False) -> None:
    """The two cases, started four weeks ago, each with a final assessment and a plan."""
    held = today - timedelta(days=7)
    with transaction(engine) as s:
        add_user(s, SETUP, PARTNER_LOGIN, display_name="Pia Polis", roles=["partner"], organisation="police",
                 password=PARTNER_PASSWORD if with_password else None)
        for code, officer in ((OWN, "Pia Polis"), (OTHER, "Per Polis")):
            subject = cases.create_subject(s, SETUP, case_code=code, birth_year=2010)
            s.flush()
            start = today - timedelta(days=28)
            referral = cases.add_referral(s, SETUP, subject, "polis", start - timedelta(days=7))
            cases.screen(s, SETUP, referral, suitable=True, criteria=["crime_active"], on=start - timedelta(days=6))
            cases.mark_asked(s, SETUP, referral, start - timedelta(days=5))
            cases.record_answer(s, SETUP, referral, accepted=True, on=start - timedelta(days=4))
            cases.mark_started(s, SETUP, referral, start, reason="Startad i testet utan bedömning.",
                               legal_basis="LVU 11")
            cases.add_consent(s, SETUP, subject, signed_on=start, signed_by=["youth", "guardian 1"],
                              valid_until=today + timedelta(days=300), actors=["socialtjanst", "polis", "skola"],
                              categories=["plan", "police"])  # not "assessment"
            final = cases.save_draft(s, SETUP, subject, "savry-like", occasion="baseline", assessed_on=start,
                                     ratings=SAVRY, judgment="moderate", rationale="Samlad bedömning i testet.")
            cases.finalise(s, SETUP, final)
            cases.add_member(s, SETUP, subject, officer, "police", from_on=start)
            cases.add_member(s, SETUP, subject, "Sara Skola", "school", from_on=start)
            cases.record_meeting(s, SETUP, subject, cases.MeetingInput(
                held, ["polis", "skola"], notes="Hemligt mötesanteckning", short_goals=["Gå till skolan varje dag"],
                commitments=[cases.PlanItem("Pia Polis (Polis)" if code == OWN else "polis", OWN_COMMITMENT,
                                            today + timedelta(days=7), if_cannot="Ringer samordnaren"),
                             cases.PlanItem("skola", SCHOOL_COMMITMENT, today + timedelta(days=14))]))
            cases.log_event(s, SETUP, subject, "school_absence", held, note="Hemlig händelseanteckning")
        cases.link_member(s, SETUP, s.scalar(select(Subject).where(Subject.case_code == OWN)), "Pia Polis",
                          PARTNER_LOGIN)


def withdraw_police_consent(engine, on: date) -> None:
    """The coordinator withdraws the consent of SIG-POL1 (as ``insats consents withdraw`` does)."""
    with transaction(engine) as s:
        subject = s.scalar(select(Subject).where(Subject.case_code == OWN))
        for consent in cases.consents_of(s, SETUP, subject.id):
            cases.withdraw_consent(s, SETUP, consent, on)
