"""What a page says about a case's state, decided in the store (#19 items 4, 7, 8, 9).

Each recipient's own consent end date, a closed case that reads as closed (no next meeting, a
closing row on the timeline), each role's landing page, and no form drawn that the role may not use.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from store import Actor, cases, transaction, views
from store.access import landing_page
from store.users import add_user

from .app_helpers import AS_USER, SYSTEM, TODAY, USER, no_trace, open_page, open_tab, texts
from .path_helpers import start, start_consent


def _case_with_two_consents(engine, actor):
    with transaction(engine) as s:
        youth = cases.create_subject(s, SYSTEM)
        cases.add_consent(s, actor, youth, signed_on=TODAY, signed_by=["youth", "guardian"],
                          valid_until=TODAY + timedelta(days=365), actors=["socialtjanst", "polis"],
                          categories=["plan"])
        cases.add_consent(s, actor, youth, signed_on=TODAY, signed_by=["youth", "guardian"],
                          valid_until=TODAY + timedelta(days=200), actors=["fritid"], categories=["plan"])
        return youth.case_code


def test_each_recipient_has_its_own_consent_end_date(engine, assessor):
    code = _case_with_two_consents(engine, assessor)
    with transaction(engine) as s:
        o = views.case_overview(s, assessor, code, TODAY)
    assert dict(o.consent_until_by_actor) == {"socialtjanst": TODAY + timedelta(days=365),
                                              "polis": TODAY + timedelta(days=365),
                                              "fritid": TODAY + timedelta(days=200)}
    assert o.consent_until == TODAY + timedelta(days=200)  # the first to run out


def test_the_header_names_each_recipients_end_date(app_engine):
    code = _case_with_two_consents(app_engine, SYSTEM)
    at = open_page("case", case=code)
    no_trace(at)
    said = texts(at, "success")
    assert "Fritid till 2027-06-11" in said and "Polisen till 2027-11-23" in said, said
    assert "fritid," not in said and "socialtjanst" not in said


def test_a_closed_case_reads_closed_with_a_closing_row_and_no_next_meeting(engine, assessor):
    with transaction(engine) as s:
        referral = cases.register_referral(s, assessor, source="polis", received_on=TODAY - timedelta(days=90))
        youth = referral.subject
        for step, kwargs in ((cases.screen, {"suitable": True, "criteria": ["crime_active"]}), (cases.mark_asked, {}),
                             (cases.record_answer, {"accepted": True})):
            step(s, assessor, referral, on=TODAY - timedelta(days=80), **kwargs)
        start_consent(s, assessor, youth, TODAY - timedelta(days=80))
        cases.mark_started(s, assessor, referral, on=TODAY - timedelta(days=70), reason="stated in the test")
        cases.record_meeting(s, assessor, youth, cases.MeetingInput(held_on=TODAY - timedelta(days=20),
                                                                      next_meeting_on=TODAY + timedelta(days=8),
                                                                      attendees=["socialtjanst"]))
        cases.close_case(s, assessor, youth, TODAY - timedelta(days=1), "goals_reached", "Målen nådda.")
        code = youth.case_code
    with transaction(engine) as s:
        o = views.case_overview(s, assessor, code, TODAY)
        events = cases.timeline(s, assessor, cases.subject_by_code(s, assessor, code))
    assert o.status == "closed" and o.next_meeting_on is None and not o.meeting_overdue
    assert events[-1].kind == "closing" and events[-1].on == TODAY - timedelta(days=1)


def test_each_role_lands_where_its_day_starts():
    assert landing_page(Actor("c", {"coordinator"}, {1})) == "caseload"
    assert landing_page(Actor("ic", {"intake", "assessor", "coordinator"}, {1})) == "caseload"
    assert landing_page(Actor("i", {"intake"}, {1})) == "intake"
    assert landing_page(Actor("a", {"assessor"}, {1})) == "case"
    assert landing_page(Actor("r", {"researcher"})) == "research"
    assert landing_page(Actor("d", {"admin"})) == "log"


def test_an_assessor_sees_the_queue_without_a_form_it_may_not_use(app_engine):
    with transaction(app_engine) as s:
        add_user(s, SYSTEM, "test.assessor", display_name="Test Bedömare", roles=["assessor"], teams=["Standard"])
        cases.register_referral(s, SYSTEM, source="skola", received_on=TODAY - timedelta(days=3))
    at = open_page("intake", user="test.assessor")
    no_trace(at)
    assert at.segmented_control(key="intake_view").options == ["Ärenden i kön"] or len(
        at.segmented_control(key="intake_view").options) == 1
    assert "Nästa steg tas av mottagningsgruppen" in texts(at, "caption")
    assert not [r for r in at.radio if r.key and r.key.endswith(":suitable")]
    assert not [b for b in at.button if b.key and b.key.endswith(":decide")]
    assert "får inte" not in texts(at, "error") + texts(at, "warning")


def test_a_referral_needs_an_answered_checklist_and_a_yes_its_criteria(engine, assessor):
    with pytest.raises(cases.CaseError) as empty, transaction(engine) as s:
        cases.register_referral(s, assessor, source="skola", received_on=TODAY, checklist={"K1": None, "K2": None})
    assert empty.value.code == "referral.empty_checklist"
    with transaction(engine) as s:
        referral = cases.register_referral(s, assessor, source="skola", received_on=TODAY, checklist={"K1": "Ja"})
        with pytest.raises(cases.CaseError) as bare:
            cases.screen(s, assessor, referral, suitable=True, on=TODAY)
        assert bare.value.code == "referral.no_criteria" and referral.suitable is None
        code = referral.subject.case_code
    with transaction(engine) as s:  # nothing of the refused referral was kept
        assert views.find_cases(s, assessor) == [code]


def test_the_checklist_as_sent_is_shown_beside_the_decision_and_on_the_case(app_engine):
    with transaction(app_engine) as s:
        referral = cases.register_referral(s, SYSTEM, source="polis", received_on=TODAY - timedelta(days=2),
                                           checklist={"K1": "Ja", "K3": "Nej"})
        code = referral.subject.case_code
    for at in (open_page("intake", intake_view="queue"), open_page("case", case=code)):
        no_trace(at)
        shown = " ".join(str(t.value.to_dict()) for t in at.table)
        assert "K1" in shown and "Ja" in shown and "Nej" in shown, shown


def test_a_case_read_under_emergency_access_says_so_and_until_when(app_engine):
    """The page says what the grant covers and when it ends, instead of offering forms that the store
    would refuse one by one."""
    with transaction(app_engine) as s:
        from store.users import add_team, team_id

        add_team(s, SYSTEM, "Jourteamet")
        add_user(s, SYSTEM, "jour", display_name="Jour", roles=["assessor"], teams=["Jourteamet"])
        youth = cases.create_subject(s, SYSTEM, team_id=next(t for t in (1, 2) if t != team_id(s, "Jourteamet")))
        cases.open_in_emergency(s, Actor("jour", {"assessor"}, {team_id(s, "Jourteamet")}), youth.case_code,
                                "Polisen ringde om akut oro i kväll")
    at = open_page("case", case=youth.case_code, user="jour")
    no_trace(at)
    said = texts(at, "warning")
    assert "Du har nödåtkomst till ärendet till" in said and "logga en händelse" in said, said
    at = open_page("case", case=youth.case_code)  # the team's own coordinator: no such line
    assert "nödåtkomst" not in texts(at, "warning")


def _another_teams_visitor(s, roles: list[str], started_on):
    """A started youth of the default teams and "jour" of Jourteamet with ``roles``: the visitor who can
    only come in by emergency access. Returns the youth and the visitor as an actor."""
    from store.users import add_team, team_id

    add_team(s, SYSTEM, "Jourteamet")
    add_user(s, SYSTEM, "jour", display_name="Jour", roles=roles, teams=["Jourteamet"])
    youth = cases.create_subject(s, SYSTEM, team_id=next(t for t in (1, 2) if t != team_id(s, "Jourteamet")))
    s.flush()
    start(s, SYSTEM, youth, started_on)
    return youth, Actor("jour", set(roles), {team_id(s, "Jourteamet")})


def test_under_emergency_access_the_case_page_offers_only_what_the_grant_covers(app_engine):
    """A coordinator of another team in by emergency access saw the consent, member, outcome and closing
    forms and the new-assessment tab, each of which the store then refused: they are not drawn."""
    from catalogue import STRINGS

    with transaction(app_engine) as s:
        youth, jour = _another_teams_visitor(s, ["assessor", "coordinator"], TODAY - timedelta(days=30))
        cases.open_in_emergency(s, jour,
                                youth.case_code, "Polisen ringde om akut oro i kväll")

    def offered(at) -> set[str]:
        """What every tab offers, each opened in turn (only the open tab is drawn)."""
        shown = {t.label for t in at.tabs}
        for label in [t.label for t in at.tabs]:
            open_tab(at, label)
            shown |= {str(m.value) for m in at.markdown} | {str(c.value) for c in at.caption}
            shown |= {b.label for b in at.button} | {str(x.label) for x in at.date_input}
        words = {key: STRINGS[key]["sv"] for key in ("new_assessment", "closing_tab", "tab_privacy", "tab_who",
                                                      "consent_pick_hint", "signed_on", "withdraw")}
        words["add_member"] = f"**{STRINGS['add_member']['sv']}**"
        words["outcome_form"] = STRINGS["outcome_col_period_start"]["sv"]
        return {key for key, word in words.items() if word in shown}

    visitor = open_page("case", case=youth.case_code, user="jour")
    no_trace(visitor)
    assert {t.label for t in visitor.tabs} >= {STRINGS["timeline"]["sv"], STRINGS["tab_events"]["sv"]}
    assert offered(visitor) == set(), offered(visitor)
    own = open_page("case", case=youth.case_code)  # the team's own coordinator is offered them all
    no_trace(own)
    assert {"new_assessment", "closing_tab", "tab_privacy", "consent_pick_hint", "add_member"} <= offered(own)


def test_under_emergency_access_the_plan_is_read_only(app_engine):
    """The plan page drew the commitment, meeting, release and send controls to a visitor in by emergency
    access; the store refused each. Now it shows the plan and nothing to write or send."""
    from catalogue import STRINGS

    with transaction(app_engine) as s:
        youth, jour = _another_teams_visitor(s, ["coordinator"], TODAY - timedelta(days=30))
        cases.record_meeting(s, SYSTEM, youth, cases.MeetingInput(
            held_on=TODAY - timedelta(days=3), attendees=["polis", "skola"], short_goals=["Gå till skolan"],
            commitments=[cases.PlanItem("skola", "Mentorssamtal varje vecka", TODAY)]))
        cases.open_in_emergency(s, jour, youth.case_code,
                                "Polisen ringde om akut oro i kväll")

    def offered(at) -> set[str]:
        shown = {str(x.label) for x in at.expander} | {str(m.value) for m in at.markdown}
        shown |= {str(x.label) for x in at.selectbox}
        words = {k: STRINGS[k]["sv"] for k in ("add_commitment", "convene", "new_meeting", "review_commitment")}
        words |= {k: f"**{STRINGS[k]['sv']}**" for k in ("print_plain", "outbox_send_plan")}
        return {key for key, word in words.items() if word in shown}

    visitor = open_page("plan", case=youth.case_code, user="jour")
    no_trace(visitor)
    assert "Mentorssamtal varje vecka" in " ".join(str(m.value) for m in visitor.markdown)  # the plan is read
    assert offered(visitor) == set(), offered(visitor)
    own = open_page("plan", case=youth.case_code)
    no_trace(own)
    assert {"add_commitment", "convene", "new_meeting", "print_plain", "outbox_send_plan"} <= offered(own)


def test_under_emergency_access_bedomning_and_forandring_read_but_neither_finalise_correct_nor_release(app_engine):
    """A visitor in by emergency access reads the team's assessments and their change, but the
    finalising of a draft, a correction of a final and the release of the before/after sheet stay with
    the team (store.access.may_on_case): none of them is drawn; the team's own coordinator has each."""
    from catalogue import STRINGS

    from .test_start_rules import SAVRY

    with transaction(app_engine) as s:
        youth, jour = _another_teams_visitor(s, ["assessor", "coordinator"], TODAY - timedelta(days=200))
        finals = []
        for days, judgment in ((180, "high"), (20, "moderate")):
            occasion = "baseline" if days == 180 else "follow-up"
            draft = cases.save_draft(s, AS_USER, youth, "savry-like", occasion=occasion, ratings=SAVRY,
                                     assessed_on=TODAY - timedelta(days=days), judgment=judgment,
                                     rationale="Motiverat i testet.")
            finals.append(cases.finalise(s, AS_USER, draft).id)
        draft_id = cases.save_draft(s, AS_USER, youth, "savry-like", occasion="follow-up", assessed_on=TODAY,
                                    ratings={"H1": "L"}).id
        code = youth.case_code
        cases.open_in_emergency(s, jour, code,
                                "Polisen ringde om akut oro i kväll")
    finalise, correct, sheet = STRINGS["finalise"]["sv"], STRINGS["correct"]["sv"], STRINGS["export_sheet"]["sv"]

    def bedomning(user: str, assessment_id: int):
        at = open_page("assessment", case=code, user=user, assessment_id=assessment_id)
        no_trace(at)
        return at

    for user, offered in (("jour", False), (USER, True)):
        on_draft = bedomning(user, draft_id)
        assert (finalise in {b.label for b in on_draft.button}) is offered, user
        on_final = bedomning(user, finals[-1])
        assert "(SAVRY-liknande)" in " ".join(str(m.value) for m in on_final.markdown), user  # read, by both
        assert (correct in {str(x.label) for x in on_final.expander}) is offered, user
        change = open_page("change", case=code, user=user)
        no_trace(change)
        assert change.dataframe or change.table, user  # the change is shown to both
        assert (sheet in {str(h.value) for h in change.header}) is offered, user
