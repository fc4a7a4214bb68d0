"""One open draft per rater, case, form and occasion (#19 item 2).

Starting the same form twice on the same day gave two drafts with one label, and while rating the page
slid from the new draft to the older one: H1 went into one draft, H2-H10 into the other. The store now
refuses the twin and names the open draft; the page opens that draft instead, and never switches the
draft it shows while the user rates (a twin left from before the rule included).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

import instruments
from store import Actor, cases, transaction
from store.models import Assessment, Subject

from .app_helpers import AS_USER, SYSTEM, TODAY, no_trace, open_page, texts

OTHER = Actor("bo.bedomare", {"assessor"}, {1})


def _youth(engine) -> tuple[int, str]:
    with transaction(engine) as s:
        youth = cases.create_subject(s, SYSTEM)
        return youth.id, youth.case_code


def _draft(engine, actor: Actor, subject_id: int, occasion: str = "baseline") -> int:
    with transaction(engine) as s:
        youth = s.get(Subject, subject_id)
        return cases.save_draft(s, actor, youth, "savry-like", occasion=occasion, assessed_on=TODAY, ratings={}).id


def test_a_second_open_draft_of_the_same_form_and_occasion_is_refused(engine, assessor):
    subject_id, _ = _youth(engine)
    first = _draft(engine, assessor, subject_id)
    with pytest.raises(cases.CaseError) as refused:
        _draft(engine, assessor, subject_id)
    assert refused.value.code == "assessment.draft_exists" and refused.value.params["draft"] == first
    assert _draft(engine, assessor, subject_id, occasion="follow-up") != first  # another occasion is another form
    # another rater's own draft (agreement studies) is theirs to keep
    assert _draft(engine, OTHER, subject_id) != first
    with transaction(engine) as s:
        drafts = s.scalars(select(Assessment).where(Assessment.subject_id == subject_id)).all()
        assert sorted((a.rater, a.occasion) for a in drafts) == sorted(
            [(assessor.who, "baseline"), (assessor.who, "follow-up"), (OTHER.who, "baseline")])


def test_starting_the_same_form_twice_opens_the_one_draft(app_engine):
    subject_id, code = _youth(app_engine)
    at = open_page("case", case=code, case_tab="Ny bedömning")
    at.button(key="new_start").click().run()
    first = at.session_state["assessment_id"]
    again = open_page("case", case=code, case_tab="Ny bedömning")
    again.button(key="new_start").click().run()
    no_trace(again)
    assert again.session_state["assessment_id"] == first
    assert "redan ett öppet utkast" in texts(again, "success")
    with transaction(app_engine) as s:
        assert len(s.scalars(select(Assessment).where(Assessment.subject_id == subject_id)).all()) == 1


def test_rating_every_factor_with_a_twin_present_keeps_every_rating_in_the_open_draft(app_engine):
    subject_id, code = _youth(app_engine)
    older = _draft(app_engine, AS_USER, subject_id)
    with transaction(app_engine) as s:  # a twin made before the rule: same form, occasion and day
        twin = s.get(Assessment, older)
        newer = Assessment(subject_id=subject_id, instrument_id=twin.instrument_id, rater=twin.rater,
                           instrument_version=twin.instrument_version, definition_hash=twin.definition_hash,
                           occasion=twin.occasion, assessed_on=twin.assessed_on, ratings={}, status="draft", version=1,
                           updated_by=twin.rater)
        s.add(newer)
        s.flush()
        newer = newer.id
    # the list was last left on the older draft; then the newer one was opened (as "Starta" does)
    at = open_page("assessment", case=code, assessment_pick=older, assessment_id=newer)
    labels = at.selectbox(key="assessment_pick").options
    assert len(set(labels)) == len(labels) == 2  # unmistakable: no two share a label
    # the list shows the draft the form shows: a stale choice in it is what the browser sent back on the
    # next click, switching the form to the older draft mid-rating
    assert at.selectbox(key="assessment_pick").value == newer
    inst = instruments.load("savry-like")
    step_key = f"assessment:{newer}:step"
    rated = {}
    for step in at.radio(key=step_key).options:
        at.radio(key=step_key).set_value(step).run()
        for item in inst.items:
            key = f"assessment:{newer}:item:{item.id}"
            if any(r.key == key for r in at.radio):
                level = at.radio(key=key).options[0]
                at.radio(key=key).set_value(level).run()
                rated[item.id] = level
                assert at.session_state["assessment_id"] == newer  # never switched while rating
    no_trace(at)
    assert len(rated) == len(inst.items) == 30
    assert "fel" not in texts(at, "error")
    with transaction(app_engine) as s:
        saved_new, saved_old = s.get(Assessment, newer).ratings, s.get(Assessment, older).ratings
    assert {k: v for k, v in saved_new.items() if v is not None}.keys() == rated.keys()
    assert not any(saved_old.values())
