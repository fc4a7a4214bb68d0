"""An event or an agenda item a partner wrote names the person as everywhere else: display name and
organisation in words, never their login (the audit log's word)."""

from __future__ import annotations

from store import cases, groups, transaction
from store.models import Subject
from store.users import actor_for

from .app_helpers import TODAY, no_trace, open_page, texts
from .partner_helpers import OWN, PARTNER_LOGIN, police_groups


def partner_writes(engine) -> None:
    """Pia Polis, a linked police member of SIG-POL1, logs an event and sends an item for the agenda."""
    police_groups(engine, TODAY)
    with transaction(engine) as s:
        pia = actor_for(s, PARTNER_LOGIN)
        subject = s.query(Subject).filter_by(case_code=OWN).one()
        cases.log_event(s, pia, subject, "contact", TODAY, note="Samtal med polisen")
        groups.send_agenda_item(s, pia, subject.id, "Ta upp skolvägen", TODAY)


def test_the_events_tab_names_the_partner_who_logged_an_event(app_engine):
    partner_writes(app_engine)
    at = open_page("case", case=OWN, case_tab="Händelser")
    no_trace(at)
    table = next(d.value for d in at.dataframe if "Loggad av" in d.value.columns)
    by = dict(zip(table["Vad hände"], table["Loggad av"], strict=True))
    assert by["Samtal med polisen"] == "Pia Polis (Polisen)"
    assert PARTNER_LOGIN not in table.to_string()


def test_the_plan_page_names_the_partner_who_sent_an_agenda_item(app_engine):
    partner_writes(app_engine)
    at = open_page("plan", case=OWN)
    no_trace(at)
    said = texts(at, "markdown").replace("\\", "")  # plain() escapes markdown's brackets
    assert "Pia Polis (Polisen): Ta upp skolvägen" in said and PARTNER_LOGIN not in said
