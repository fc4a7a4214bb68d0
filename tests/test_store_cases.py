"""Case records on both engines: referral path, consent, assessments that never lose data, plans."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from store import Actor, cases, transaction, views
from store.audit import verify
from store.cases import CaseError, MeetingInput, PlanItem
from store.models import Assessment, AuditEntry, Subject

from .actors import ADMIN
from .path_helpers import EARLY, start, start_consent

D = date(2026, 3, 2)
SAVRY_LOW = {f"H{i}": "L" for i in range(1, 11)} | {f"S{i}": "L" for i in range(1, 7)} | {
    f"I{i}": "L" for i in range(1, 9)} | {f"P{i}": "A" for i in range(1, 7)}


def test_referral_path_is_dated_and_ordered(engine, assessor):
    with transaction(engine) as s:
        youth = cases.create_subject(s, assessor, birth_year=2011, birth_month=4, gender="pojke", district="Söder")
        ref = cases.add_referral(s, assessor, youth, "polis", D)
        assert cases.referral_status(ref) == "received"
        with pytest.raises(CaseError, match="needs a reason"):
            cases.screen(s, assessor, ref, suitable=False, on=D)
        with pytest.raises(CaseError, match="only a referral judged suitable"):
            cases.mark_asked(s, assessor, ref, D)
        cases.screen(s, assessor, ref, suitable=True, criteria=["crime_active"], on=D + timedelta(days=2))
        with pytest.raises(CaseError, match="cannot be before"):
            cases.mark_asked(s, assessor, ref, D)
        cases.mark_asked(s, assessor, ref, D + timedelta(days=5))
        cases.record_answer(s, assessor, ref, accepted=True, on=D + timedelta(days=9))
        with pytest.raises(CaseError, match="no final structured assessment") as refused:
            cases.mark_started(s, assessor, ref, D + timedelta(days=12))
        assert refused.value.code == "referral.no_assessment" and ref.started_on is None
        start_consent(s, assessor, youth, D + timedelta(days=9))
        cases.mark_started(s, assessor, ref, D + timedelta(days=12), reason="Kommer hem från SiS i morgon.",
                           legal_basis="SoL 4:1", decision_reference="Dnr 2026-123")
        assert (ref.start_reason, ref.legal_basis, ref.decision_on) == ("Kommer hem från SiS i morgon.", "SoL 4:1",
                                                                        D + timedelta(days=12))
        assert cases.referral_status(ref) == "started"
        assert youth.case_code.startswith("SIG-") and len(youth.case_code) == 10


def test_declined_referral_records_other_support(engine, assessor):
    with transaction(engine) as s:
        ref = cases.add_referral(s, assessor, cases.create_subject(s, assessor), "skola", D)
        cases.screen(s, assessor, ref, suitable=True, criteria=["crime_active"], on=D)
        cases.mark_asked(s, assessor, ref, D)
        cases.record_answer(s, assessor, ref, accepted=False, on=D, other_support="Fältassistenter")
        assert cases.referral_status(ref) == "declined" and ref.other_support == "Fältassistenter"
        with pytest.raises(CaseError, match="after the youth and guardians said yes"):
            cases.mark_started(s, assessor, ref, D)


def test_consent_scope_and_validity_decide_sharing(engine, assessor):
    with transaction(engine) as s:
        youth = cases.create_subject(s, assessor)
        consent = cases.add_consent(s, assessor, youth, signed_on=D, signed_by=["youth", "guardian 1"],
                                    valid_until=D + timedelta(days=365), actors=["skola", "polis"],
                                    categories=["assessment", "action_plan"])
        assert cases.may_share(s, assessor, youth, "skola", "assessment", D + timedelta(days=10))
        assert not cases.may_share(s, assessor, youth, "fritid", "assessment", D + timedelta(days=10))  # actor
        assert not cases.may_share(s, assessor, youth, "skola", "health", D + timedelta(days=10))  # category
        assert not cases.may_share(s, assessor, youth, "skola", "assessment", D - timedelta(days=1))  # before
        assert not cases.may_share(s, assessor, youth, "skola", "assessment", D + timedelta(days=366))  # expired
        cases.withdraw_consent(s, assessor, consent, D + timedelta(days=20))
        assert not cases.may_share(s, assessor, youth, "skola", "assessment", D + timedelta(days=20))  # withdrawn
        assert cases.may_share(s, assessor, youth, "skola", "assessment", D + timedelta(days=19))


def test_assessment_drafts_autosave_then_finalise_is_immutable(engine, assessor):
    with transaction(engine) as s:
        youth = cases.create_subject(s, assessor)
        draft = cases.save_draft(s, assessor, youth, "savry-like", occasion="baseline", assessed_on=D,
                                 ratings={"H1": "H"})
        same = cases.save_draft(s, assessor, youth, "savry-like", occasion="baseline", assessed_on=D,
                                ratings=SAVRY_LOW | {"H1": "H"}, draft=draft, revision=draft.revision)
        assert same.id == draft.id and same.ratings["H1"] == "H" and same.ratings["P1"] == "A"
        with pytest.raises(CaseError, match="summary judgment"):
            cases.finalise(s, assessor, draft)
        cases.save_draft(s, assessor, youth, "savry-like", occasion="baseline", assessed_on=D,
                         ratings=same.ratings, judgment="moderate", draft=draft, revision=draft.revision)
        with pytest.raises(CaseError, match="rationale"):
            cases.finalise(s, assessor, draft)
        cases.save_draft(s, assessor, youth, "savry-like", occasion="baseline", assessed_on=D,
                         ratings=same.ratings, judgment="moderate", rationale="Våld tidigare, stabilt nu.", draft=draft,
                         revision=draft.revision)
        final = cases.finalise(s, assessor, draft)
        assert final.status == "final" and final.definition_hash and final.instrument_version == "1.0.0"
        with pytest.raises(CaseError, match="cannot be changed"):
            cases.save_draft(s, assessor, youth, "savry-like", occasion="baseline", assessed_on=D,
                             ratings={}, draft=final)
        final_id = final.id
    with pytest.raises((DBAPIError, IntegrityError), match="immutable"), engine.begin() as conn:
        conn.execute(text("UPDATE assessments SET judgment = 'low' WHERE id = :i"), {"i": final_id})


def test_a_save_from_a_stale_revision_is_refused_and_changes_nothing(engine, assessor):
    with transaction(engine) as s:
        youth = cases.create_subject(s, assessor)
        draft = cases.save_draft(s, assessor, youth, "savry-like", occasion="baseline", assessed_on=D,
                                 ratings={"H1": "H"})
        draft_id, loaded = draft.id, draft.revision
    for ratings in ({"H1": "H", "H2": "M"}, {"H3": "L"}):  # two tabs, both loaded at `loaded`
        try:
            with transaction(engine) as s:
                row = s.get(Assessment, draft_id)
                cases.save_draft(s, assessor, row.subject, "savry-like", occasion="baseline", assessed_on=D,
                                 ratings=ratings, draft=row, revision=loaded)
        except CaseError as exc:
            refused = exc
    assert refused.code == "assessment.stale" and refused.params["name"] == "anna.assessor"
    with transaction(engine) as s:
        row = s.get(Assessment, draft_id)
        assert row.ratings == {"H1": "H", "H2": "M"} and row.revision == loaded + 1
        with pytest.raises(CaseError, match="revision"):  # an update must say what it was made from
            cases.save_draft(s, assessor, row.subject, "savry-like", occasion="baseline", assessed_on=D,
                             ratings={}, draft=row)


def test_a_correction_is_a_new_version_with_a_reason_and_history_is_kept(engine, assessor):
    with transaction(engine) as s:
        youth = cases.create_subject(s, assessor)
        first = cases.save_draft(s, assessor, youth, "savry-like", occasion="baseline", assessed_on=D,
                                 ratings=SAVRY_LOW, judgment="low", rationale="Inga tecken.")
        cases.finalise(s, assessor, first)
        with pytest.raises(CaseError, match="needs a reason"):
            cases.correct(s, assessor, first, " ")
        second = cases.correct(s, assessor, first, "Fel faktor skattad: H1 ska vara hög",
                               ratings=SAVRY_LOW | {"H1": "H"})
        assert (second.version, second.replaces_id, second.status) == (2, first.id, "draft")
        cases.finalise(s, assessor, second)
        current = views.assessments_of(s, assessor, youth.id)
        assert [a.id for a in current] == [second.id]
        assert [a.id for a in cases.history(s, assessor, first)] == [first.id, second.id]
        assert s.get(Assessment, first.id).ratings["H1"] == "L"  # the original is untouched


def test_unknown_codes_and_instruments_are_refused(engine, assessor):
    with transaction(engine) as s:
        youth = cases.create_subject(s, assessor)
        with pytest.raises(CaseError, match="not a level"):
            cases.save_draft(s, assessor, youth, "savry-like", occasion="baseline", assessed_on=D, ratings={"H1": "X"})
        with pytest.raises(CaseError, match="not an item"):
            cases.save_draft(s, assessor, youth, "savry-like", occasion="baseline", assessed_on=D, ratings={"Z9": "L"})
        with pytest.raises(CaseError, match="unknown occasion"):
            cases.save_draft(s, assessor, youth, "savry-like", occasion="someday", assessed_on=D, ratings={})


def test_network_meetings_four_weeks_apart_or_with_a_reason_and_overdue(engine, assessor):
    with transaction(engine) as s:
        youth = start(s, assessor, cases.create_subject(s, assessor), EARLY)
        with pytest.raises(CaseError, match="more than four weeks after this one: write why"):
            cases.record_meeting(s, assessor, youth, MeetingInput(D, ["coordinator"], D + timedelta(days=29)))
        meeting = cases.record_meeting(s, assessor, youth, MeetingInput(
            D, ["coordinator", "youth", "guardian", "skola"], short_goals=["Gå i skolan varje dag"],
            long_goals=["Klara gymnasiet"],
            commitments=[PlanItem("skola", "Daglig närvarokontroll", D + timedelta(days=14)),
                         PlanItem("youth", "Gå på träningen två gånger i veckan", D + timedelta(days=28))]))
        assert meeting.next_meeting_on == D + timedelta(weeks=4)  # default: four weeks
        plan = cases.current_plan(s, assessor, youth.id)
        assert plan.id == meeting.id and len(plan.commitments) == 2 and len(plan.goals) == 2
        assert not cases.meeting_overdue(plan, D + timedelta(weeks=4))
        assert cases.meeting_overdue(plan, D + timedelta(weeks=4, days=1))


def test_timeline_is_in_date_order_and_every_access_is_audited(engine, assessor):
    with transaction(engine) as s:
        # a referral a week before, the consent the start rests on, the start on D
        youth = start(s, assessor, cases.create_subject(s, assessor), D)
        cases.save_draft(s, assessor, youth, "ester-like", occasion="baseline", assessed_on=D + timedelta(days=5),
                         ratings={"B1": "R2"})
        cases.record_intervention(s, assessor, youth, "fft", D + timedelta(days=20), hours=14)
        cases.record_meeting(s, assessor, youth, MeetingInput(D + timedelta(days=10), ["coordinator"]))
        events = cases.timeline(s, assessor, youth)
        assert [e.kind for e in events] == ["referral", "consent", "assessment", "meeting", "intervention"]
        youth_id = youth.id
    with transaction(engine) as s:
        actions = s.execute(select(AuditEntry.action, AuditEntry.entity).where(AuditEntry.subject_id == youth_id)
                            .order_by(AuditEntry.id)).all()
        assert actions[0] == ("create", "case") and actions[-1] == ("read", "case")
        assert len(actions) == 11  # the case, the referral and its four steps, the start's consent, three records,
        # the timeline read
        checked, problems = verify(s, ADMIN)
        assert checked >= 11 and problems == []


def test_the_timeline_holds_what_happened_between_meetings_the_outcomes_and_a_reopening(engine, assessor):
    """The case's story is whole: events logged between meetings (by their kind, serious or not), outcome
    periods (at their end) and a reopening, beside the rest, each only for a role that may read it."""
    with transaction(engine) as s:
        youth = start(s, assessor, cases.create_subject(s, assessor), D)
        cases.record_meeting(s, assessor, youth, MeetingInput(D + timedelta(days=10), ["coordinator"]))
        cases.log_event(s, assessor, youth, "police_report", D + timedelta(days=12), serious=True, note="x")
        cases.record_outcome(s, assessor, youth, period_start=D, period_end=D + timedelta(days=30),
                             police_reports=1, placement="none", placement_days=0, occupation="school")
        cases.close_case(s, assessor, youth, D + timedelta(days=40), "goals_reached")
        cases.reopen_case(s, assessor, youth, "Ny oro från skolan.", on=D + timedelta(days=50))
        events = cases.timeline(s, assessor, youth)
        kinds = [e.kind for e in events if e.on > D]
        assert kinds == ["meeting", "police_report", "outcome", "reopening"]
        said = {e.kind: e.facts for e in events}
        assert said["police_report"] == {"serious": True}  # the note stays in the events tab
        assert said["outcome"]["police_reports"] == 1 and said["reopening"]["was_closed_on"] == D + timedelta(days=40)
        intake = cases.timeline(s, Actor("mottagning", {"intake"}, assessor.teams), youth)
        assert not {"police_report", "outcome", "meeting"} & {e.kind for e in intake}


def test_personal_identity_number_is_stored_only_encrypted(engine, assessor, tmp_path):
    with transaction(engine) as s:
        youth = cases.create_subject(s, assessor, pnr="20110612-1237")
        assert youth.birth_year == 2011 and youth.birth_month == 6
        assert b"201106121237" not in youth.pnr_encrypted
        found = cases.subject_by_pnr(s, assessor, "110612-1237")
        assert found is not None and found.id == youth.id
        with pytest.raises(CaseError, match="already exists"):
            cases.create_subject(s, assessor, pnr="201106121237")
    with transaction(engine) as s:
        stored = s.execute(text("SELECT * FROM subjects")).all()
        assert "201106121237" not in repr(stored) and "110612" not in repr(stored)
        assert s.scalar(select(Subject.pnr_hash)) is not None
    if engine.dialect.name == "sqlite":
        from pathlib import Path

        raw = Path(engine.url.database).read_bytes() + Path(engine.url.database + "-wal").read_bytes()
        assert b"201106121237" not in raw and b"110612" not in raw
