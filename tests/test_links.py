"""Links that last (#13 item 4): the open case, the assessment and the before/after pair live in the
address, so a reload or a bookmark opens the same view; a link to a case the user may not open shows
the refusal, never the case."""

from __future__ import annotations

import time

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from forms import auth
from store import make_engine, transaction
from store.models import Assessment, Subject, Team

from .actors import SETUP
from .app_helpers import ROOT, TODAY, USER, make_database, no_trace, texts


def _fresh(page: str, user: str = USER, **params: str) -> AppTest:
    """A new browser session (a reload, or a bookmark opened tomorrow) on ``page`` with ``params``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[auth.STATE] = {"login": user, "via": "local", "last_seen": time.time()}
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    at.switch_page(f"forms/pages/{page}.py")
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    return at


def _demo(tmp_path, monkeypatch):
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    return make_engine(make_database(tmp_path, subjects=30))


def test_a_link_opens_the_case_the_assessment_and_the_pair(tmp_path, monkeypatch):
    engine = _demo(tmp_path, monkeypatch)
    with transaction(engine) as s:
        rows = s.execute(select(Subject.case_code, Assessment.id).join(Assessment, Assessment.subject_id == Subject.id)
                         .where(Assessment.status == "final", Assessment.instrument_id == "savry-like")
                         .order_by(Subject.id, Assessment.assessed_on)).all()
    code = next(c for c in {r.case_code for r in rows} if sum(r.case_code == c for r in rows) >= 3)
    ids = [r.id for r in rows if r.case_code == code]
    case = _fresh("case", case=code.lower())
    no_trace(case)
    assert case.metric[0].value == code and case.query_params["case"] == code
    assert case.query_params["page"] == "case"  # the log-in run keeps the query, not the URL path
    assessment = _fresh("assessment", case=code, assessment=str(ids[1]))
    no_trace(assessment)
    assert assessment.session_state["assessment_id"] == ids[1]
    assert assessment.query_params["assessment"] == str(ids[1])
    change = _fresh("change", case=code, before=str(ids[0]), after=str(ids[1]))
    no_trace(change)
    assert change.selectbox(key="change_before").value == 0 and change.selectbox(key="change_after").value == 1
    assert change.query_params["before"] == str(ids[0]) and change.query_params["after"] == str(ids[1])
    engine.dispose()


def test_a_link_to_a_case_the_user_may_not_open_shows_the_refusal(tmp_path, monkeypatch):
    engine = _demo(tmp_path, monkeypatch)
    from store.users import add_user

    with transaction(engine) as s:
        teams = list(s.scalars(select(Team.name).order_by(Team.id)))
        other = s.scalar(select(Subject.case_code).join(Team, Team.id == Subject.team_id)
                         .where(Team.name == teams[-1]).limit(1))
        add_user(s, SETUP, "vera.v", display_name="Vera", roles=["assessor"], teams=[teams[0]])
    for page in ("case", "change", "assessment"):
        at = _fresh(page, user="vera.v", case=other)
        no_trace(at)
        assert "inget ärende med den koden som du kan öppna" in texts(at, "error")
        assert not any(m.value == other for m in at.metric)  # nothing of the case is shown
        # no existence oracle: another team's case and a code no case has get the same answer
        assert texts(_fresh(page, user="vera.v", case="SIG-FINNSEJ"), "error") == texts(at, "error")
    engine.dispose()
