"""AppTest, one page per test: each page works on the demo cohort and on an empty database, saves
what the user did through the store, and shows refusals as messages rather than traces."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from store import cases, make_engine, transaction, views
from store.models import Assessment, Commitment, Meeting, Referral, Subject

from .app_helpers import (
    AS_USER,
    PARTNER,
    REFERRER,
    RESEARCHER,
    ROOT,
    SYSTEM,
    TODAY,
    USER,
    logged_in,
    make_database,
    no_trace,
    open_page,
    open_tab,
    texts,
)
from .path_helpers import EARLY, start, start_consent

PAGES = ["intake", "caseload", "case", "assessment", "change", "matching", "plan", "research", "log", "instruments",
         "groups", "referrals_sent"]
# the de-identified page is a researcher's, "Mina grupper" a partner's, the referrals page a referrer's; every
# other page a coordinator's
USER_OF = {"research": RESEARCHER, "groups": PARTNER, "referrals_sent": REFERRER}
SAVRY_LOW = {f"H{i}": "L" for i in range(1, 11)} | {f"S{i}": "L" for i in range(1, 7)} | {
    f"I{i}": "L" for i in range(1, 9)} | {f"P{i}": "P" for i in range(1, 7)}


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def demo(env):
    url = make_database(env, subjects=30)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def empty(env):
    engine = make_engine(make_database(env))
    yield engine
    engine.dispose()


def case_with_finals(engine, at_least: int = 2) -> str:
    with transaction(engine) as s:
        return s.execute(
            select(Subject.case_code).join(Assessment, Assessment.subject_id == Subject.id)
            .where(Assessment.status == "final", Assessment.instrument_id == "savry-like")
            .group_by(Subject.case_code).having(func.count() >= at_least).order_by(Subject.case_code).limit(1)
        ).scalar_one()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_empty_database(empty, page):
    at = open_page(page, case=None, user=USER_OF.get(page, USER))
    no_trace(at)
    if page in ("assessment", "change", "matching", "plan"):
        assert "Välj ett ärende" in texts(at, "info")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_demo_cohort(demo, page):
    at = open_page(page, case=case_with_finals(demo), user=USER_OF.get(page, USER))
    no_trace(at)


def test_every_ui_string_used_in_code_exists_in_both_languages():
    from forms.i18n import STRINGS

    missing = []
    for path in [ROOT / "app.py", *sorted((ROOT / "forms").rglob("*.py"))]:
        for key in re.findall(r"\btr(?:_or)?\(\s*\"([a-z_]+)\"\s*[,)]", path.read_text()):
            if key not in STRINGS:
                missing.append(f"{path.name}: {key}")
    assert not missing
    assert all(set(v) == {"sv", "en"} and all(v.values()) for v in STRINGS.values())


# -- Inkorg --------------------------------------------------------------------------------------
def test_intake_queue_filters_by_status_and_source(demo):
    at = open_page("intake")
    no_trace(at)
    shown = at.dataframe[0].value
    assert set(shown["Status"]) <= {"Inkommen", "Lämplig", "Tillfrågad", "Tackat ja"}
    assert shown["Väntat (dagar)"].is_monotonic_decreasing  # the longest waiting first
    at.multiselect(key="intake_statuses").set_value(["started"]).run()
    at.multiselect(key="intake_sources").set_value(["polis"]).run()
    shown = at.dataframe[0].value
    with transaction(demo) as s:
        expected = s.scalar(select(func.count()).select_from(Referral).where(
            Referral.started_on.is_not(None), Referral.source == "polis"))
    assert len(shown) == expected > 0 and set(shown["Källa"]) == {"Polisen"}


def test_register_a_referral_with_the_irk_8_checklist(empty):
    at = open_page("intake", intake_view="register_referral")
    at.number_input(key="reg_year").set_value(2011).run()
    at.selectbox(key="reg_source").set_value("skola").run()
    for item in ("K1", "K2", "K3"):
        at.radio(key=f"reg_checklist:item:{item}").set_value("Ja").run()
    at.button(key="reg_submit").click().run()
    no_trace(at)
    assert "Remissen är registrerad i ärende SIG-" in texts(at, "success")
    with transaction(empty) as s:
        referral = s.scalars(select(Referral)).one()
        checklist = s.get(Assessment, referral.checklist_id)
    assert referral.source == "skola" and referral.received_on == TODAY
    assert checklist.instrument_id == "irk-8" and checklist.status == "final"
    assert checklist.ratings["K1"] == "Ja" and checklist.ratings["K8"] is None


def test_a_wrong_personal_identity_number_is_refused_and_nothing_is_saved(empty, monkeypatch):
    monkeypatch.setenv("INSATS_SECRET_KEY", "app-test-key-key-0123456789-abcdefghijklmnop")
    at = open_page("intake", intake_view="register_referral")
    at.text_input(key="reg_pnr").input("20100101-1235").run()  # wrong check digit
    at.radio(key="reg_checklist:item:K1").set_value("Ja").run()
    at.button(key="reg_submit").click().run()
    no_trace(at)
    assert "Inget har ändrats" in texts(at, "error")
    with transaction(empty) as s:
        assert s.scalar(select(func.count()).select_from(Subject)) == 0


def test_screening_steps_one_click_each_dated(empty):
    with transaction(empty) as s:
        youth = cases.create_subject(s, SYSTEM, birth_year=2010)
        cases.add_referral(s, SYSTEM, youth, "polis", TODAY - timedelta(days=20))
        start_consent(s, SYSTEM, youth, TODAY - timedelta(days=20))
        code = youth.case_code
    at = open_page("intake")
    at.date_input(key=next(w.key for w in at.date_input if w.key.endswith(":date"))).set_value(
        TODAY - timedelta(days=15)).run()
    referral_key = next(w.key for w in at.button if w.key.endswith(":decide"))[: -len(":decide")]
    at.button(key=f"{referral_key}:decide").click().run()  # nothing is preselected: yes or no is chosen
    assert "Välj ja eller nej först" in texts(at, "error")
    at.radio(key=f"{referral_key}:suitable").set_value(True).run()
    at.button(key=f"{referral_key}:decide").click().run()  # a yes names its criteria
    assert "välj minst ett" in texts(at, "error")
    at.multiselect(key=f"{referral_key}:criteria").select("crime_active").run()
    at.button(key=f"{referral_key}:decide").click().run()
    assert f"Sparat för {code}" in texts(at, "success")
    at.button(key=f"{referral_key}:ask").click().run()
    at.button(key=f"{referral_key}:answer").click().run()  # their answer is not preselected either
    assert "Välj om de tackade ja eller nej" in texts(at, "error")
    at.radio(key=f"{referral_key}:accepted").set_value(True).run()
    at.button(key=f"{referral_key}:answer").click().run()
    assert "Ingen slutförd strukturerad bedömning finns före start" in texts(at, "warning")
    at.button(key=f"{referral_key}:start").click().run()  # no assessment and no reason: refused
    no_trace(at)
    assert "gör den först, eller skriv varför" in texts(at, "error")
    at.text_input(key=f"{referral_key}:start_reason").input("Hemkomst från SiS i dag.").run()
    at.selectbox(key=f"{referral_key}:basis").set_value("SoL 4:1").run()
    at.text_input(key=f"{referral_key}:reference").input("Dnr IFO 2026/812").run()
    at.button(key=f"{referral_key}:start").click().run()
    no_trace(at)
    with transaction(empty) as s:
        r = s.scalars(select(Referral)).one()
        assert cases.referral_status(r) == "started"
        assert r.decided_on == TODAY - timedelta(days=15) and r.started_on == TODAY
        assert (r.start_reason, r.legal_basis, r.decision_reference) == ("Hemkomst från SiS i dag.", "SoL 4:1",
                                                                         "Dnr IFO 2026/812")


def test_screening_refusal_is_a_message_and_changes_nothing(empty):
    with transaction(empty) as s:
        cases.add_referral(s, SYSTEM, cases.create_subject(s, SYSTEM), "skola", TODAY)
    at = open_page("intake")
    key = next(w.key for w in at.button if w.key.endswith(":decide"))[: -len(":decide")]
    at.radio(key=f"{key}:suitable").set_value(False).run()
    at.button(key=f"{key}:decide").click().run()  # not suitable without a reason
    no_trace(at)
    assert "behöver en motivering" in texts(at, "error") and "Inget har ändrats" in texts(at, "error")
    with transaction(empty) as s:
        assert s.scalars(select(Referral)).one().suitable is None


def test_bulk_import_previews_and_lists_row_errors_before_saving(empty):
    header = "case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on\n"
    bad = header + "SIG-AAA111,polis,2026-02-30,,,,,\nSIG-AAA112,kiosk,2026-03-01,,,,,\n"
    at = open_page("intake", intake_view="bulk_import")
    at.file_uploader(key="import_upload").upload("register.csv", bad.encode(), "text/csv").run()
    no_trace(at)
    assert "2 fel" in texts(at, "error")
    errors = at.table[-1].value.reset_index()
    assert list(errors["Rad"]) == [2, 3] and list(errors["Kolumn"]) == ["received_on", "source"]
    assert not [b for b in at.button if b.key == "import_go"]  # nothing to click: nothing is saved
    good = header + "SIG-AAA111,polis,2026-02-03,ja,2026-02-05,,,\nSIG-AAA112,skola,2026-03-01,,,,,\n"
    at.file_uploader(key="import_upload").upload("register.csv", good.encode(), "text/csv").run()
    at.button(key="import_go").click().run()
    no_trace(at)
    assert "Importerat: 2 remisser, 2 nya ärenden" in texts(at, "success")


def test_funnel_counts_each_step_in_its_month(demo):
    at = open_page("intake", intake_view="funnel")
    funnel = next(d.value for d in at.dataframe if "Månad" in d.value.columns)
    with transaction(demo) as s:
        received = s.scalar(select(func.count()).select_from(Referral).where(
            Referral.received_on >= (TODAY - timedelta(days=365)).replace(day=1)))
    assert funnel["Inkomna"].astype(int).sum() == received  # the chart's table shows the numbers as text
    assert len(at.get("vega_lite_chart")) >= 1


# -- Ärende --------------------------------------------------------------------------------------
def test_case_header_warns_of_consent_expiry_and_overdue_meeting(empty):
    with transaction(empty) as s:
        youth = start(s, SYSTEM, cases.create_subject(s, SYSTEM, birth_year=2010, birth_month=12), EARLY)
        cases.add_consent(s, SYSTEM, youth, signed_on=TODAY - timedelta(days=300), signed_by=["youth"],
                          valid_until=TODAY + timedelta(days=20), actors=["skola"], categories=["school"])
        cases.record_meeting(s, SYSTEM, youth, cases.MeetingInput(held_on=TODAY - timedelta(days=40),
                                                                  attendees=["skola"]))
        code = youth.case_code
    at = open_page("case", case=code)
    no_trace(at)
    assert any(m.label == "Ålder" and m.value == "15" for m in at.metric)
    assert "Samtycket går ut 2026-12-13" in texts(at, "warning")
    assert "skulle ha hållits 2026-11-11" in texts(at, "error")
    assert "Nätverksmöte" in at.dataframe[0].value["Vad"].tolist()  # the timeline


def test_case_without_consent_says_nothing_may_be_shared(empty):
    with transaction(empty) as s:
        code = cases.create_subject(s, SYSTEM).case_code
    at = open_page("case", case=code, case_tab="Samtycken")
    assert "Inget aktivt samtycke" in texts(at, "error")
    signed_by, actors, categories = at.multiselect[:3]
    assert signed_by.value == actors.value == categories.value == []  # nothing preselected
    signed_by.set_value(["youth", "guardian 1"])
    actors.set_value(["skola", "polis"])
    categories.set_value(["assessment", "plan"])
    at.button(key="FormSubmitter:consent_form-Spara samtycke").click().run()
    no_trace(at)
    assert "Samtycket är sparat" in texts(at, "success")
    assert "Samtycke gäller för: Polisen till 2027-11-23, Skolan till 2027-11-23" in texts(at, "success")


def test_start_an_assessment_from_the_case(empty):
    with transaction(empty) as s:
        code = cases.create_subject(s, SYSTEM).case_code
    at = open_page("case", case=code, case_tab="Ny bedömning")
    at.button(key="new_start").click().run()
    no_trace(at)
    with transaction(empty) as s:
        draft = s.scalars(select(Assessment)).one()
    assert draft.status == "draft" and draft.instrument_id == "savry-like" and draft.occasion == "baseline"
    assert at.session_state["assessment_id"] == draft.id


def test_a_new_assessment_is_offered_as_a_follow_up_once_the_baseline_is_final(empty):
    """The occasion's default follows the case (rules.path.suggested_occasion): baseline first; a follow-up
    once a baseline with the same form is final; a draft baseline changes nothing (it is reopened)."""
    code, draft_id = _draft(empty, SAVRY_LOW)
    at = open_page("case", case=code, case_tab="Ny bedömning")
    assert at.selectbox(key="new_occasion").value == "baseline"
    _finalised(empty, draft_id, SAVRY_LOW, "low", "Inga tecken.")
    at = open_page("case", case=code, case_tab="Ny bedömning")
    assert at.selectbox(key="new_occasion").value == "follow-up"
    at.selectbox(key="new_instrument").set_value("ester-like").run()  # another form: the page draws it (the
    no_trace(at)  # occasion already in the box stays as it is)


def test_the_timeline_says_what_happened_between_meetings_and_the_outcomes_in_words(demo):
    from store.models import Event, Outcome

    with transaction(demo) as s:
        code = s.execute(select(Subject.case_code).join(Event, Event.subject_id == Subject.id)
                         .join(Outcome, Outcome.subject_id == Subject.id).order_by(Subject.case_code).limit(1)
                         ).scalar_one()
    at = open_page("case", case=code)  # the timeline is the first tab
    no_trace(at)
    table = next(d.value for d in at.dataframe if "Vad" in d.value.columns)
    what = set(table["Vad"])
    assert "Utfall" in what and what & {"Ny polisanmälan", "Skolfrånvaro", "Incident", "Bruten överenskommelse",
                                        "Kontakt"}, what
    details = " | ".join(table["Detaljer"].astype(str))
    assert "polisanmälningar:" in details and "police" not in details and "serious" not in details


def test_an_event_the_demo_seeded_says_so_rather_than_a_login(demo):
    from store.models import Event

    with transaction(demo) as s:
        code = s.execute(select(Subject.case_code).join(Event, Event.subject_id == Subject.id)
                         .where(Event.logged_by == "demo").order_by(Subject.case_code).limit(1)).scalar_one()
    at = open_page("case", case=code, case_tab="Händelser")
    no_trace(at)
    table = next(d.value for d in at.dataframe if "Loggad av" in d.value.columns)
    assert set(table["Loggad av"]) == {"Demodata (påhittade)"}


# -- Bedömning -----------------------------------------------------------------------------------
def _finalised(engine, draft_id: int, ratings: dict, judgment: str, rationale: str) -> None:
    """The user's baseline draft ``draft_id`` rated, judged and finalised."""
    with transaction(engine) as s:
        draft = s.get(Assessment, draft_id)
        cases.save_draft(s, AS_USER, draft.subject, "savry-like", occasion="baseline", assessed_on=TODAY,
                         ratings=ratings, judgment=judgment, rationale=rationale, draft=draft,
                         revision=draft.revision)
        cases.finalise(s, AS_USER, draft)


def _draft(engine, ratings=None) -> tuple[str, int]:
    with transaction(engine) as s:
        youth = cases.create_subject(s, SYSTEM)
        draft = cases.save_draft(s, AS_USER, youth, "savry-like", occasion="baseline", assessed_on=TODAY,
                                 ratings=ratings or {})
        return youth.case_code, draft.id


def test_every_change_is_saved_as_a_draft(empty):
    code, draft_id = _draft(empty)
    at = open_page("assessment", case=code)
    at.radio(key=f"assessment:{draft_id}:item:H1").set_value("H").run()
    at.radio(key=f"assessment:{draft_id}:step").set_value("protective").run()
    at.radio(key=f"assessment:{draft_id}:item:P3").set_value("P").run()
    no_trace(at)
    with transaction(empty) as s:
        assert s.get(Assessment, draft_id).ratings | {} == {"H1": "H", "P3": "P"} | {
            k: None for k in s.get(Assessment, draft_id).ratings if k not in ("H1", "P3")}
    reopened = open_page("assessment", case=code)  # a new session reads the draft back
    assert reopened.radio(key=f"assessment:{draft_id}:item:H1").value == "H"


def test_an_answer_whose_callback_was_lost_is_still_saved(empty):
    """A quick second click can interrupt the rerun that would run the first click's callback; the
    widget then shows an answer the callback never recorded. The page reconciles and saves it."""
    code, draft_id = _draft(empty)
    at = open_page("assessment", case=code)
    at.session_state[f"assessment:{draft_id}:item:H2"] = "M"  # widget state set, no on_change fired
    at.run()
    no_trace(at)
    with transaction(empty) as s:
        assert s.get(Assessment, draft_id).ratings["H2"] == "M"


def test_two_sessions_on_one_draft_lose_nothing(empty):
    """Two tabs on one draft: the second save is refused with who and when, its ratings stay on
    screen, nothing the first tab saved is overwritten, and after a reload both answers are kept."""
    code, draft_id = _draft(empty)
    first, second = open_page("assessment", case=code), open_page("assessment", case=code)
    first.radio(key=f"assessment:{draft_id}:item:H1").set_value("H").run()
    second.radio(key=f"assessment:{draft_id}:item:H2").set_value("M").run()
    no_trace(first), no_trace(second)
    assert "ändrats av Test Samordnare" in texts(second, "error") and "ladda om" in texts(second, "error")
    assert second.radio(key=f"assessment:{draft_id}:item:H2").value == "M"  # the unsaved answer is still there
    assert second.session_state[f"assessment:{draft_id}"]["H2"] == "M"
    with transaction(empty) as s:
        ratings = s.get(Assessment, draft_id).ratings
    assert ratings["H1"] == "H" and ratings.get("H2") is None  # the first tab's save stands
    second.button(key=f"assessment:{draft_id}:reload").click().run()
    assert second.radio(key=f"assessment:{draft_id}:item:H1").value == "H"
    second.radio(key=f"assessment:{draft_id}:item:H2").set_value("M").run()
    no_trace(second)
    assert not texts(second, "error")
    with transaction(empty) as s:
        saved = s.get(Assessment, draft_id)
        assert saved.ratings["H1"] == "H" and saved.ratings["H2"] == "M" and saved.revision == 3
    first.radio(key=f"assessment:{draft_id}:item:H3").set_value("L").run()  # now the first tab is behind
    assert "ändrats av" in texts(first, "error")


def test_an_answer_whose_callback_never_ran_survives_moving_to_the_next_step(empty):
    """A quick user's last click before "Nästa" can arrive in a rerun its callback did not run in; the
    factor's widget is then not drawn again. The answer must still be kept and saved (the keyboard test
    lost 2 of 30 this way under load)."""
    code, draft_id = _draft(empty)
    at = open_page("assessment", case=code)
    at.session_state[f"assessment:{draft_id}:item:H2"] = "M"  # in the widget, never through its callback
    at.radio(key=f"assessment:{draft_id}:step").set_value("social").run()
    no_trace(at)
    assert "1 av 30 faktorer skattade" in texts(at, "caption")
    with transaction(empty) as s:
        assert s.get(Assessment, draft_id).ratings["H2"] == "M"


def test_finalise_needs_judgment_and_rationale_then_locks(empty):
    code, draft_id = _draft(empty, SAVRY_LOW)
    at = open_page("assessment", case=code)
    at.button(key=f"finalise:{draft_id}").click().run()
    assert "Gör den slutliga bedömningen" in texts(at, "error")
    at.radio(key=f"assessment:{draft_id}:step").set_value("__judgment__").run()
    at.radio(key=f"assessment:{draft_id}:judgment").set_value("high").run()
    at.button(key=f"finalise:{draft_id}").click().run()
    assert "Skriv en motivering" in texts(at, "error")
    at.text_area(key=f"assessment:{draft_id}:rationale").input("Nytt grovt våld trots låga summor.").run()
    at.button(key=f"finalise:{draft_id}").click().run()
    no_trace(at)
    assert "slutförd och låst" in texts(at, "success")
    assert "skiljer sig två nivåer" in texts(at, "warning")  # discordance shown, judgment stands
    # locked: the judgment is text now, no widget left to change (nor a greyed-out one to misread)
    assert not [r for r in at.radio if r.key == f"assessment:{draft_id}:judgment"]
    assert "**Samlad bedömning:** Hög risk" in [m.value for m in at.markdown]
    with transaction(empty) as s:
        final = s.get(Assessment, draft_id)
        assert final.status == "final" and final.judgment == "high"


def test_correction_is_a_new_version_with_a_reason(empty):
    code, draft_id = _draft(empty, SAVRY_LOW)
    with transaction(empty) as s:
        row = s.get(Assessment, draft_id)
        row.judgment, row.rationale = "low", "Låg risk."
        cases.finalise(s, SYSTEM, row)
    at = open_page("assessment", case=code)
    at.text_input(key=f"correct:{draft_id}:reason").input("Fel faktor H1").run()
    at.button(key=f"correct:{draft_id}").click().run()
    no_trace(at)
    with transaction(empty) as s:
        versions = s.scalars(select(Assessment).order_by(Assessment.id)).all()
    assert [(v.version, v.status) for v in versions] == [(1, "final"), (2, "draft")]
    assert versions[1].replaces_id == draft_id and versions[1].correction_reason == "Fel faktor H1"
    assert at.session_state["assessment_id"] == versions[1].id


# -- Förändring ----------------------------------------------------------------------------------
def test_before_after_shows_both_occasions_totals_and_reliable_change(demo):
    code = case_with_finals(demo)
    at = open_page("change", case=code)
    no_trace(at)
    with transaction(demo) as s:
        subject = s.scalar(select(Subject).where(Subject.case_code == code))
        finals = [a for a in views.assessments_of(s, SYSTEM, subject.id, include_drafts=False)
                  if a.instrument_id == "savry-like"]
    first = f"Före {finals[0].assessed_on} · Inledande"
    last = f"Efter {finals[-1].assessed_on} · Uppföljning"
    totals = next(d.value for d in at.dataframe if "Mått" in d.value.columns)
    risk = totals[totals["Mått"] == "Risksumma"].iloc[0]

    def shown(text: str) -> float:  # as a Swedish reader sees it: "28,8", "−3", "1 234"
        return float(str(text).replace("−", "-").replace(",", ".").replace("\u202f", ""))

    assert shown(risk[first]) == sum({"L": 0, "M": 1, "H": 2}[finals[0].ratings[f"{d}{i}"]]
                                     for d, n in (("H", 10), ("S", 6), ("I", 8)) for i in range(1, n + 1))
    s_diff = 2 ** 0.5 * 8.0 * (1 - 0.83) ** 0.5
    assert shown(risk["RCI"]) == pytest.approx((shown(risk[last]) - shown(risk[first])) / s_diff, abs=0.005)
    assert f"båda tillfällena: {first} och {last}" in texts(at, "caption")
    assert "Bedömd risknivå" in " ".join([texts(at, "success"), texts(at, "info"), texts(at, "error")])
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3  # risk profile, protective profile, trajectory
    assert not at.get("download_button")  # nothing leaves before a recipient is named
    at.selectbox(key="export_recipient").select("bup").run()  # the demo consents do not name BUP
    assert "Samtycke saknas" in texts(at, "warning") and not at.get("download_button")
    at.selectbox(key="export_recipient").select("skola").run()
    assert {b.proto.label for b in at.get("download_button")} == {"Ladda ner en sida (PDF)", "Ladda ner som bild (PNG)"}


def test_before_after_needs_two_final_assessments(empty):
    code, _ = _draft(empty, SAVRY_LOW)
    at = open_page("change", case=code)
    no_trace(at)
    assert "minst två slutförda" in texts(at, "info")


# -- Insatser ------------------------------------------------------------------------------------
def test_matching_adds_chosen_recommendations_to_the_plan(demo):
    code = case_with_finals(demo)
    at = open_page("matching", case=code)
    no_trace(at)
    picks = [c for c in at.checkbox if c.key.startswith("pick:")]
    assert picks, "the demo's latest assessment has needs to match"
    picks[0].check().run()
    at.button(key="add_to_plan").click().run()
    no_trace(at)
    assert "1 insats lades till" in texts(at, "success")
    chosen = picks[0].key.split(":", 1)[1]
    with transaction(demo) as s:
        subject = s.scalar(select(Subject).where(Subject.case_code == code))
        plan = cases.current_plan(s, SYSTEM, subject.id)
        assert chosen in [c.intervention_id for c in plan.commitments]


def test_the_first_plan_is_made_at_a_meeting_the_user_says_was_held(empty):
    """No plan yet: adding interventions asks for the network meeting that made the plan, never invents one."""
    high = {k: "A" if k.startswith("P") else "H" for k in SAVRY_LOW}
    code, draft_id = _draft(empty, high)
    _finalised(empty, draft_id, high, "high", "Hög risk.")
    with transaction(empty) as s:
        start(s, AS_USER, s.get(Assessment, draft_id).subject, TODAY - timedelta(days=3))  # the plan: after the start
    at = open_page("matching", case=code)
    no_trace(at)
    next(c for c in at.checkbox if c.key.startswith("pick:")).check().run()
    assert at.button(key="add_to_plan").disabled  # a choice, but no meeting stated yet
    at.date_input(key="first_meeting_on").set_value(TODAY - timedelta(days=2)).run()
    at.checkbox(key="first_meeting_held").check().run()
    at.button(key="add_to_plan").click().run()
    no_trace(at)
    assert "1 insats lades till" in texts(at, "success")
    with transaction(empty) as s:
        assert [m.held_on for m in s.scalars(select(Meeting)).all()] == [TODAY - timedelta(days=2)]


def test_matching_at_low_risk_says_what_to_do_instead(empty):
    code, draft_id = _draft(empty, SAVRY_LOW)
    _finalised(empty, draft_id, SAVRY_LOW, "low", "Inga tecken.")
    at = open_page("matching", case=code)
    no_trace(at)
    assert "Hänvisa till ordinarie stöd" in texts(at, "info")
    assert not [b for b in at.button if b.key == "add_to_plan"]  # no disabled button under an empty heading


def test_two_occasions_on_the_same_day_draw_every_chart_and_its_table(empty):
    """A baseline and a follow-up on one day (as the end-to-end test does) once broke the trend table."""
    with transaction(empty) as s:
        youth = cases.create_subject(s, SYSTEM)
        for occasion, level in (("baseline", "H"), ("follow-up", "M")):
            ratings = {k: ("P" if k.startswith("P") else level) for k in SAVRY_LOW}
            draft = cases.save_draft(s, AS_USER, youth, "savry-like", occasion=occasion, assessed_on=TODAY,
                                     ratings=ratings, judgment="high", rationale="Samma dag.")
            cases.finalise(s, AS_USER, draft)
        code = youth.case_code
    at = open_page("change", case=code)
    no_trace(at)
    assert len(at.get("vega_lite_chart")) == 3
    trend = next(d.value for d in at.dataframe if "Tillfälle" in d.value.columns)
    assert trend["Tillfälle"].tolist() == ["Inledande", "Uppföljning"]


def test_the_profile_chart_is_a_dumbbell_not_a_line_across_factors():
    import pandas as pd

    from forms.charts import profile_chart

    long = pd.DataFrame({"side": "risk", "item": ["H1", "H1", "H2", "H2"], "factor": ["a", "a", "b", "b"],
                         "occasion": ["före", "efter"] * 2, "value": [2, 1, 0, 1]})
    spec = profile_chart(long, "risk", "Risk", (0, 2))
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rule", "point"] and "mark" not in spec  # no line from one factor to the next
    rule = spec["layer"][0]["encoding"]
    assert rule["y"]["aggregate"] == "min" and rule["y2"]["aggregate"] == "max" and rule["x"]["field"] == "item"


def test_matching_profile_is_editable_and_changes_the_advice(demo):
    at = open_page("matching", case=case_with_finals(demo))
    at.selectbox(key="profile_motivation").set_value("low").run()
    assert "Låg motivation" in texts(at, "warning")


# -- Åtgärdsplan ---------------------------------------------------------------------------------
def _plan(engine) -> tuple[str, int]:
    with transaction(engine) as s:
        youth = start(s, SYSTEM, cases.create_subject(s, SYSTEM), EARLY)
        meeting = cases.record_meeting(s, SYSTEM, youth, cases.MeetingInput(
            held_on=TODAY - timedelta(days=7), attendees=["skola", "ungdom"], short_goals=["Gå till skolan"],
            commitments=[cases.PlanItem("skola", "Närvarouppföljning varje dag", TODAY + timedelta(days=14))]))
        return youth.case_code, meeting.commitments[0].id


def test_plan_status_changes_are_saved(empty):
    code, commitment_id = _plan(empty)
    at = open_page("plan", case=code)
    no_trace(at)
    assert "Gå till skolan" in texts(at, "markdown")
    at.selectbox(key=f"plan:status:{commitment_id}").set_value("done").run()
    with transaction(empty) as s:
        assert s.get(Commitment, commitment_id).status == "done"


def test_more_than_four_weeks_to_the_next_meeting_asks_for_the_reason_and_keeps_it(empty):
    """The reports call four weeks a target: a longer interval is a warning with a reason, not a refusal."""
    code, _ = _plan(empty)
    at = open_page("plan", case=code)
    at.date_input(key="meeting_next").set_value(TODAY + timedelta(weeks=6)).run()
    assert "42 dagar fram; målet är högst 28" in texts(at, "warning")
    at.button(key="meeting_save").click().run()
    no_trace(at)
    assert "mer än fyra veckor fram: skriv varför" in texts(at, "error")
    with transaction(empty) as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == 1
    at.text_input(key="meeting_interval_reason").input("Jul och nyår: skolan är stängd.").run()
    at.button(key="meeting_save").click().run()
    no_trace(at)
    with transaction(empty) as s:
        latest = s.scalars(select(Meeting).order_by(Meeting.id.desc())).first()
        assert (latest.next_meeting_on, latest.interval_reason) == (TODAY + timedelta(weeks=6),
                                                                    "Jul och nyår: skolan är stängd.")


def test_new_meeting_carries_over_open_commitments(empty):
    code, _ = _plan(empty)
    at = open_page("plan", case=code)
    at.button(key="meeting_save").click().run()
    no_trace(at)
    assert "Mötet och den nya planen är sparade" in texts(at, "success")
    with transaction(empty) as s:
        latest = s.scalars(select(Meeting).order_by(Meeting.id.desc())).first()
        assert [c.what for c in latest.commitments] == ["Närvarouppföljning varje dag"]
        assert latest.next_meeting_on == TODAY + timedelta(weeks=4)


def test_english_on_request(demo):
    at = open_page("change", case=case_with_finals(demo), lang="en")
    no_trace(at)
    assert at.title[0].value == "Before/after"
    assert any(v == "Risk total" for v in next(d.value for d in at.dataframe if "Score" in d.value.columns)["Score"])


# -- Forskning -----------------------------------------------------------------------------------
def test_research_page_summarises_the_cohort_de_identified(demo):
    at = open_page("research", user=RESEARCHER)
    no_trace(at)
    summary = at.dataframe[0].value
    assert summary["Mått"].tolist() == ["Risksumma", "Skyddssumma"]
    assert "har både före och efter" in texts(at, "caption") and "McNemar–Bowker" in texts(at, "caption")
    shown = " ".join(str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())
    assert "DEMO-" not in shown  # no case codes reach the researcher
    assert len(at.get("vega_lite_chart")) == 2  # Jacobson–Truax plot, transition heat map
    assert len(at.get("download_button")) >= 1
    open_tab(at, "Förändring per faktor", "research_tab")
    no_trace(at)
    assert len(at.get("vega_lite_chart")) == 1  # the per-factor bars, the other tab's charts not drawn
    assert len(at.get("download_button")) >= 2
    with transaction(demo) as s:
        from store.models import AuditEntry

        exports = s.scalars(select(AuditEntry).where(AuditEntry.entity == "research")).all()
    assert exports and {e.role for e in exports} == {"researcher"}


def test_research_page_compares_two_groups_and_filters(demo, monkeypatch):
    """30 demo youths split by gender make groups under 5: they are not shown, and the caller's
    INSATS_MIN_CELL can no longer lower the instance's floor to show them (#21)."""
    monkeypatch.setenv("INSATS_MIN_CELL", "2")
    at = open_page("research", user=RESEARCHER)
    open_tab(at, "Jämförelsegrupp", "research_tab")
    at.selectbox(key="research_group_by").set_value("gender").run()
    at.multiselect(key="research_group_values").set_value(["flicka", "pojke"]).run()
    no_trace(at)
    assert not [d for d in at.dataframe if "Grupp" in d.value.columns]
    assert "färre än 5 ungdomar" in texts(at, "warning")
    at.slider(key="research_ages").set_value((12, 13)).run()
    no_trace(at)


def test_research_reads_are_audited_once_per_cohort_view_not_per_click(demo):
    def research_rows() -> int:
        with transaction(demo) as s:
            from store.models import AuditEntry

            return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "research"))

    at = open_page("research", user=RESEARCHER)
    first_view = research_rows()
    assert first_view > 0
    at.slider(key="research_ages").set_value((12, 20)).run()
    open_tab(at, "Jämförelsegrupp", "research_tab")  # a tab opened is drawn from then on (forms.tabs)
    at.selectbox(key="research_group_by").set_value("gender").run()
    at.slider(key="research_ages").set_value((12, 24)).run()
    no_trace(at)
    assert research_rows() == first_view  # filters and tabs work on the copy read once
    at.button(key="research_refresh").click().run()
    assert research_rows() > first_view  # reading again is a new, audited view


def test_a_researcher_sees_only_the_de_identified_pages(demo):
    at = open_page("research", user=RESEARCHER)
    no_trace(at)
    assert at.title[0].value == "Forskning"
    from streamlit.testing.v1 import AppTest

    at = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), RESEARCHER)
    at.run()
    assert at.title[0].value == "Forskning"  # the first page a researcher lands on
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("forms/pages/case.py")  # case pages are not registered for a researcher


def test_a_refused_form_keeps_what_was_typed_and_a_saved_one_starts_empty(app_engine):
    """A form is empty again after a save (forms.context.form draws it under a new key) and still holds
    what was typed after a refusal. The browser's own emptying, which lost a refused note, shows only in a
    browser: tests/test_form_kept.py."""
    with transaction(app_engine) as s:
        waiting = cases.create_subject(s, SYSTEM).case_code  # not started: an event is refused
        started = start(s, SYSTEM, cases.create_subject(s, SYSTEM), TODAY - timedelta(days=20)).case_code

    def note(at) -> str:
        return next(t for t in at.text_area if t.label == "Vad hände").value

    at = open_page("case", case=waiting, case_tab="Händelser")
    next(t for t in at.text_area if t.label == "Vad hände").input("Bråk på skolgården, polisen kom.")
    at.button(key="FormSubmitter:event_form-Logga händelsen").click().run()
    no_trace(at)
    assert "Ärendet har inte startat" in texts(at, "error")
    assert note(at) == "Bråk på skolgården, polisen kom."  # refused: still there to send again later
    at = open_page("case", case=started, case_tab="Händelser")
    next(t for t in at.text_area if t.label == "Vad hände").input("Skolan ringde.")
    at.button(key="FormSubmitter:event_form-Logga händelsen").click().run()
    no_trace(at)
    assert "Händelsen är loggad." in texts(at, "success")
    assert note(at) == ""  # saved: the form is empty for the next one
