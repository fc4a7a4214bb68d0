""""Mina grupper" as a page (#23 item 1), run by Streamlit's AppTest on a fresh SQLite file: a police
officer sees their own group only, without the assessment summary the consent does not cover and without
any note; reviews their commitment, logs an event and sends an agenda item that the coordinator then sees
on the plan; a withdrawn consent ends the view on the next run, said in Swedish."""

from __future__ import annotations

from sqlalchemy import select

from store import make_engine, transaction
from store.models import AgendaItem, Commitment, Event

from .app_helpers import TODAY, USER, make_database, no_trace, open_page, texts
from .partner_helpers import (
    OTHER,
    OWN,
    OWN_COMMITMENT,
    PARTNER_LOGIN,
    SCHOOL_COMMITMENT,
    police_groups,
    withdraw_police_consent,
)


def _engine(tmp_path, monkeypatch):
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    engine = make_engine(make_database(tmp_path))
    police_groups(engine, TODAY)
    return engine


def _everything(at) -> str:
    return " | ".join(texts(at, kind) for kind in ("title", "header", "subheader", "markdown", "caption", "info",
                                                   "warning", "error", "success")) + " | " + " ".join(
        str(df.value.to_dict()) for df in at.dataframe)


def test_a_police_partner_sees_their_group_within_the_consent_and_adds_to_it(tmp_path, monkeypatch):
    engine = _engine(tmp_path, monkeypatch)
    at = open_page("groups", user=PARTNER_LOGIN)
    no_trace(at)
    shown = _everything(at)
    assert at.title[0].value == "Mina grupper"
    assert OWN in shown and OTHER not in shown
    assert OWN_COMMITMENT in shown and "Ringer samordnaren" in shown  # the own commitment with "if I can't"
    assert SCHOOL_COMMITMENT in shown  # the plan in plain words: every commitment, the school's too
    assert "Skolfrånvaro" not in shown  # the school's information: the consent lets the police have "police"
    assert "Bedömningen i sammanfattning" not in shown  # the consent lacks "assessment"
    assert "Hemlig" not in shown  # no meeting note, no event note
    assert "police" not in shown and "plan_" not in shown  # no raw vocabulary on a Swedish page
    with transaction(engine) as s:
        commitment = s.scalar(select(Commitment).where(Commitment.what == OWN_COMMITMENT,
                                                       Commitment.actor == "Pia Polis (Polis)"))
    at.radio(key=f"groups:review:{commitment.id}").set_value("partly")
    at.text_input(key=f"groups:review_note:{commitment.id}").input("Ett av två besök blev av")
    next(b for b in at.button if b.label == "Spara uppföljningen").click().run()
    no_trace(at)
    at.selectbox[-1].set_value("police_report")
    at.text_input[-1].input("Anmälan om hot")
    next(b for b in at.button if b.label == "Logga händelsen").click().run()
    no_trace(at)
    assert "Ny polisanmälan" in _everything(at)  # police information: within the consent, said in words
    at.text_area[0].input("Ungdomen vill byta mentor")
    next(b for b in at.button if b.label == "Skicka till samordnaren").click().run()
    no_trace(at)
    with transaction(engine) as s:
        reviewed = s.get(Commitment, commitment.id)
        assert (reviewed.review, reviewed.review_note) == ("partly", "Ett av två besök blev av")
        assert s.scalars(select(Event.kind).where(Event.logged_by == PARTNER_LOGIN)).all() == ["police_report"]
        assert s.scalars(select(AgendaItem.text)).all() == ["Ungdomen vill byta mentor"]
    plan = open_page("plan", case=OWN, user=USER)
    no_trace(plan)
    assert "Ungdomen vill byta mentor" in texts(plan, "markdown")  # the coordinator sees it for the next meeting


def test_a_withdrawn_consent_ends_the_view_on_the_next_run(tmp_path, monkeypatch):
    engine = _engine(tmp_path, monkeypatch)
    at = open_page("groups", user=PARTNER_LOGIN)
    assert OWN_COMMITMENT in _everything(at)
    withdraw_police_consent(engine, TODAY)
    at.run()
    no_trace(at)
    shown = _everything(at)
    assert OWN_COMMITMENT not in shown and SCHOOL_COMMITMENT not in shown
    assert "samtycke" in texts(at, "warning")  # said in Swedish: the consent no longer covers anything
