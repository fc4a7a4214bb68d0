"""The start, age and legal routes as rules (#22 items 1-3): ``rules/start.py`` read by the store's start,
the assessment's finalising, the register import and the caseload; the legal routes as data
(``instruments/legal_bases.yaml`` extended by ``INSATS_LEGAL_BASES``)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import config
import instruments
from rules import start as rules
from services.caseload import caseload
from store import cases, imports, transaction
from store.cases import CaseError
from store.models import Referral

from .path_helpers import start_consent

ON = date(2026, 6, 1)  # the start day of these tests
SAVRY = {f"H{i}": "L" for i in range(1, 11)} | {f"S{i}": "L" for i in range(1, 7)} | {
    f"I{i}": "L" for i in range(1, 9)} | {f"P{i}": "P" for i in range(1, 7)}


# -- the pure rules ------------------------------------------------------------------------------------

def test_a_consent_carries_a_start_only_signed_by_the_youth_a_guardian_under_18_and_covering_three_actors():
    three = ["polis", "skola", "socialtjanst"]
    assert rules.consent_problem(["youth", "guardian 1"], three, under_18=True) is None
    assert rules.consent_problem(["guardian 1", "guardian 2"], three, under_18=True) == rules.NOT_BY_YOUTH
    assert rules.consent_problem(["youth"], three, under_18=True) == rules.NOT_BY_GUARDIAN
    assert rules.consent_problem(["youth"], three, under_18=False) is None  # an adult signs alone
    assert rules.consent_problem(["youth", "guardian"], ["polis", "skola"], under_18=True) == rules.ACTORS_MISSING
    assert rules.missing_actors(["skola", "fritid"]) == ["socialtjanst", "polis"]
    good = rules.ConsentFacts(ON - timedelta(days=3), ON + timedelta(days=90), None, ["youth", "guardian"], three)
    assert rules.start_consent_problem([good], ON, under_18=True) is None
    assert rules.start_consent_problem([], ON, under_18=True) == rules.CONSENT_MISSING
    expired = rules.ConsentFacts(ON - timedelta(days=90), ON - timedelta(days=1), None, ["youth", "guardian"], three)
    withdrawn = rules.ConsentFacts(ON - timedelta(days=9), ON + timedelta(days=90), ON, ["youth", "guardian"], three)
    later = rules.ConsentFacts(ON + timedelta(days=1), ON + timedelta(days=90), None, ["youth", "guardian"], three)
    assert [rules.start_consent_problem([c], ON, True) for c in (expired, withdrawn, later)] == [
        rules.CONSENT_MISSING] * 3
    partial = rules.ConsentFacts(ON, ON + timedelta(days=9), None, ["youth"], three)
    assert rules.start_consent_problem([partial], ON, True) == rules.NOT_BY_GUARDIAN
    assert rules.start_consent_problem([partial, good], ON, True) is None  # one that carries it is enough


def test_below_high_follows_the_instruments_order_and_ages_count_from_the_first_of_the_birth_month():
    levels = ["low", "moderate", "high"]
    assert [rules.below_threshold(levels, j) for j in (*levels, None)] == [True, True, False, False]
    assert rules.below_threshold(["no", "yes"], "no") is False  # an instrument without "high" says nothing
    assert rules.below_threshold_pairs({"x": levels}) == {("x", "low"), ("x", "moderate")}
    assert rules.age_on(2008, 6, date(2026, 5, 31)) == 17 and rules.age_on(2008, 6, date(2026, 6, 1)) == 18
    assert rules.age_on(None, None, ON) is None and rules.under_adult_age(None, None, ON)  # unknown: stricter
    assert rules.birthday(2008, 6, 18) == date(2026, 6, 1) and rules.birthday(2008, None, 18) == date(2026, 1, 1)
    assert rules.outside_age_range(22, (12, 18)) and not rules.outside_age_range(18, (12, 18))
    assert not rules.outside_age_range(None, (12, 18)) and not rules.outside_age_range(30, None)
    # started before 18: until 19; started at 18 (history): the limit is the 18th birthday
    assert rules.age_limit_day(2008, 6, date(2026, 5, 1)) == date(2027, 6, 1)
    assert rules.age_limit_day(2008, 6, date(2026, 7, 1)) == date(2026, 6, 1)
    assert rules.age_limit_day(2008, 6, date(2026, 5, 1), rules.AgeLimits(12, 18, 20)) == date(2028, 6, 1)


def test_the_age_limits_are_a_setting_refused_when_malformed(monkeypatch):
    assert config.sig_age_limits() == rules.AgeLimits(12, 18, 19)
    monkeypatch.setenv("INSATS_SIG_AGES", "13,18,20")
    assert config.sig_age_limits() == rules.AgeLimits(13, 18, 20)
    for bad in ("12,18", "a,b,c", "18,12,19"):
        monkeypatch.setenv("INSATS_SIG_AGES", bad)
        with pytest.raises(ValueError, match="INSATS_SIG_AGES"):
            config.sig_age_limits()


# -- the legal routes as data ---------------------------------------------------------------------------

def test_the_shipped_routes_say_whether_consent_is_required_and_an_organisation_extends_them(tmp_path, monkeypatch):
    routes = instruments.load_legal_bases()
    assert routes.ids == ["SoL 4:1", "LVU 11", "BrB 32:1", "BrB 32:2"]
    assert [routes.consent_required(b) for b in routes.ids] == [True, False, True, True]
    assert routes.consent_required(None) and routes.consent_required("gone")  # unnamed or unknown: voluntary
    assert routes.get("BrB 32:1").words("sv") == "Ungdomsvård (BrB 32 kap. 1 §)"
    own = tmp_path / "routes.yaml"
    own.write_text('source: "Staden"\nroutes:\n'
                   '  - id: "LuL 31"\n    reference: "LuL 31 §"\n'
                   '    label: {sv: "Efter polisens underrättelse", en: "After the police notice"}\n'
                   '    consent_required: true\n'
                   '  - id: "LVU 11"\n    reference: "LVU 11 § (ny lydelse)"\n'
                   '    label: {sv: "Vård enligt LVU"}\n    consent_required: false\n', encoding="utf-8")
    monkeypatch.setenv("INSATS_LEGAL_BASES", str(own))
    extended = instruments.load_legal_bases()
    assert extended.ids == ["SoL 4:1", "LVU 11", "BrB 32:1", "BrB 32:2", "LuL 31"]
    assert extended.get("LVU 11").reference == "LVU 11 § (ny lydelse)"  # a renumbered law: data, not code
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text('source: "Staden"\nroutes:\n  - id: "X"\n    reference: "X §"\n    label: {sv: "X"}\n'
                       '    consent: true\n', encoding="utf-8")
    swedish = tmp_path / "swedish.yaml"
    swedish.write_text('source: "Staden"\nroutes:\n  - id: "LuL 31"\n    reference: "LuL 31 §"\n'
                       '    label: {en: "No Swedish"}\n    consent_required: true\n', encoding="utf-8")
    for path, line, words in ((unknown, 6, "unknown key 'consent'"), (swedish, 5, "Swedish")):
        monkeypatch.setenv("INSATS_LEGAL_BASES", str(path))
        with pytest.raises(instruments.InstrumentError) as refused:
            instruments.load_legal_bases()
        assert f"{path.name}:{line}" in str(refused.value) and words in str(refused.value)


# -- the store: both engines ------------------------------------------------------------------------------

def _accepted(s, actor, birth_year: int = 2010, birth_month: int = 3):
    youth = cases.create_subject(s, actor, birth_year=birth_year, birth_month=birth_month)
    referral = cases.add_referral(s, actor, youth, "polis", ON - timedelta(days=20))
    cases.screen(s, actor, referral, suitable=True, criteria=["crime_active"], on=ON - timedelta(days=19))
    cases.mark_asked(s, actor, referral, ON - timedelta(days=18))
    cases.record_answer(s, actor, referral, accepted=True, on=ON - timedelta(days=17))
    return youth, referral


def _refused(s, actor, referral, code: str, **kwargs) -> None:
    with pytest.raises(CaseError) as refused:
        cases.mark_started(s, actor, referral, ON, reason="Startad före bedömningen i testet.", **kwargs)
    assert refused.value.code == code and referral.started_on is None


def test_a_start_under_sol_needs_the_consent_the_rule_names_and_lvu_records_none(engine, assessor):
    with transaction(engine) as s:
        youth, referral = _accepted(s, assessor)
        _refused(s, assessor, referral, "referral.consent_no_consent", legal_basis="SoL 4:1")
        _refused(s, assessor, referral, "referral.consent_no_consent")  # no route named: the voluntary rule
        cases.add_consent(s, assessor, youth, signed_on=ON - timedelta(days=5), signed_by=["guardian 1"],
                          valid_until=ON + timedelta(days=300), actors=["socialtjanst", "polis", "skola"],
                          categories=["plan"])
        _refused(s, assessor, referral, "referral.consent_not_by_youth", legal_basis="BrB 32:1")
        cases.add_consent(s, assessor, youth, signed_on=ON - timedelta(days=5), signed_by=["youth"],
                          valid_until=ON + timedelta(days=300), actors=["socialtjanst", "polis", "skola"],
                          categories=["plan"])
        _refused(s, assessor, referral, "referral.consent_not_by_guardian", legal_basis="SoL 4:1")  # 16 years old
        _refused(s, assessor, referral, "referral.legal_basis", legal_basis="LuL 31")  # not in the list
        cases.mark_started(s, assessor, referral, ON, reason="Startad före bedömningen i testet.",
                           legal_basis="LVU 11")
        assert (referral.started_on, referral.consent_required) == (ON, False)
    with transaction(engine) as s:
        adult, referral = _accepted(s, assessor, birth_year=2007, birth_month=1)  # 19 on the start day
        cases.add_consent(s, assessor, adult, signed_on=ON - timedelta(days=5), signed_by=["youth"],
                          valid_until=ON + timedelta(days=300), actors=["polis", "skola"], categories=["plan"])
        _refused(s, assessor, referral, "referral.consent_actors_missing", legal_basis="SoL 4:1")
        cases.add_consent(s, assessor, adult, signed_on=ON - timedelta(days=5), signed_by=["youth"],
                          valid_until=ON + timedelta(days=300), actors=["polis", "skola", "socialtjanst"],
                          categories=["plan"])
        cases.mark_started(s, assessor, referral, ON, reason="Startad före bedömningen i testet.",
                           legal_basis="SoL 4:1")  # an adult signs alone
        assert referral.consent_required is True


def _final(s, actor, youth, judgment: str, on: date, **kwargs):
    draft = cases.save_draft(s, actor, youth, "savry-like", occasion="baseline", assessed_on=on, ratings=SAVRY,
                             judgment=judgment, rationale="Motiverat i testet.")
    return cases.finalise(s, actor, draft, **kwargs)


def test_a_judgment_below_high_needs_the_starts_reason_and_the_caseload_flags_it(engine, assessor):
    with transaction(engine) as s:
        youth, referral = _accepted(s, assessor)
        start_consent(s, assessor, youth, ON - timedelta(days=10))
        _final(s, assessor, youth, "high", ON - timedelta(days=30))
        _final(s, assessor, youth, "moderate", ON - timedelta(days=10))  # the latest decides
        assert cases.below_high_for_start(s, assessor, referral, ON)
        with pytest.raises(CaseError) as refused:
            cases.mark_started(s, assessor, referral, ON, legal_basis="SoL 4:1")
        assert refused.value.code == "referral.below_high" and referral.started_on is None
        cases.mark_started(s, assessor, referral, ON, legal_basis="SoL 4:1",
                           reason="Måttlig risk men hemkomst från SiS.")
        other, second = _accepted(s, assessor)
        start_consent(s, assessor, other, ON - timedelta(days=10))
        _final(s, assessor, other, "high", ON - timedelta(days=10))
        assert not cases.below_high_for_start(s, assessor, second, ON)
        cases.mark_started(s, assessor, second, ON)  # high, consent: no reason needed
        table = caseload(s, assessor, ON + timedelta(days=1)).set_index("case_code")
        assert table.loc[youth.case_code, "started_below_high"] and not table.loc[other.case_code, "started_below_high"]
        assert not table["started_without_consent"].any()


def test_an_assessment_outside_the_instruments_age_range_needs_a_reason_at_finalising(engine, assessor):
    with transaction(engine) as s:
        adult = cases.create_subject(s, assessor, birth_year=2004, birth_month=2)  # 22 years old
        draft = cases.save_draft(s, assessor, adult, "savry-like", occasion="baseline", assessed_on=ON,
                                 ratings=SAVRY, judgment="high", rationale="Motiverat.")  # a draft saves
        with pytest.raises(CaseError) as refused:
            cases.finalise(s, assessor, draft)
        assert refused.value.code == "assessment.age_range" and refused.value.params == {"low": 12, "high": 18}
        assert draft.status == "draft"
        cases.finalise(s, assessor, draft, age_reason="Ingen validerad skattning finns för unga vuxna här.")
        assert (draft.status, draft.age_reason) == ("final", "Ingen validerad skattning finns för unga vuxna här.")
        youth = cases.create_subject(s, assessor, birth_year=2010, birth_month=2)
        assert _final(s, assessor, youth, "high", ON).age_reason is None  # 16: inside, nothing asked
        # the referrer's checklist records what was sent: the intake decision judges age
        checklist = cases.register_referral(s, assessor, source="polis", received_on=ON, case_code=adult.case_code,
                                            checklist={"K1": "Ja"})
        assert checklist.checklist_id is not None


# -- the register import and the caseload -------------------------------------------------------------------

REGISTER = ["case_code", "source", "received_on", "suitable", "decided_on", "asked_on", "answer", "answered_on",
            "started_on", "legal_basis"]


def _register(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=REGISTER)


def test_register_history_is_accepted_and_flagged_and_an_unknown_route_is_refused_by_row(engine, assessor):
    row = ["SIG-HIST{:02d}", "polis", "2026-01-05", "ja", "2026-01-07", "2026-01-08", "ja", "2026-01-09",
           "2026-01-20"]
    bad = _register([[*[v.format(1) for v in row], "SoL 4:1"], [*[v.format(2) for v in row], "LuL 31"],
                     [*[v.format(3) for v in row[:8]], "", "lvu 11"]])
    with pytest.raises(imports.ImportRefused) as refused, transaction(engine) as s:
        imports.import_referrals(s, assessor, bad)
    assert [(e.row, e.column) for e in refused.value.errors] == [(3, "legal_basis"), (4, "started_on")]
    good = _register([[*[v.format(1) for v in row], "SoL 4:1"], [*[v.format(2) for v in row], "lvu 11"],
                      [*[v.format(3) for v in row], ""]])
    with transaction(engine) as s:
        assert imports.import_referrals(s, assessor, good).imported == 3
        stored = {r.subject.case_code: (r.legal_basis, r.consent_required, r.decision_on)
                  for r in s.query(Referral).all()}
        assert stored == {"SIG-HIST01": ("SoL 4:1", True, date(2026, 1, 20)),
                          "SIG-HIST02": ("LVU 11", False, date(2026, 1, 20)),
                          "SIG-HIST03": (None, True, None)}
        table = caseload(s, assessor, ON).set_index("case_code")
        assert table["started_without_consent"].to_dict() == {"SIG-HIST01": True, "SIG-HIST02": False,
                                                              "SIG-HIST03": True}
        start_consent(s, assessor, cases.subject_by_code(s, assessor, "SIG-HIST01"), date(2026, 1, 10))
        assert not caseload(s, assessor, ON).set_index("case_code").loc["SIG-HIST01", "started_without_consent"]


def test_the_caseload_shows_the_18th_birthday_and_flags_a_youth_past_the_age_limit(engine, assessor, monkeypatch):
    with transaction(engine) as s:
        for year, month in ((2008, 9), (2007, 4), (2010, 1)):  # 17 at the start; 19 at the start; 16
            _, referral = _accepted(s, assessor, birth_year=year, birth_month=month)
            cases.mark_started(s, assessor, referral, ON, reason="Före bedömningen.", legal_basis="LVU 11")
        day = date(2027, 10, 1)
        table = caseload(s, assessor, day).sort_values("turns_18_on").reset_index(drop=True)
        assert table["turns_18_on"].tolist() == [date(2025, 4, 1), date(2026, 9, 1), date(2028, 1, 1)]
        # started at 19: past; started at 17: until the 19th birthday (2027-09-01), so past on 2027-10-01
        assert table["past_age_limit"].tolist() == [True, True, False]
        assert not caseload(s, assessor, date(2027, 8, 31)).set_index("turns_18_on").loc[
            date(2026, 9, 1), "past_age_limit"]
        monkeypatch.setenv("INSATS_SIG_AGES", "12,18,20")  # the extension is a setting
        assert caseload(s, assessor, day).set_index("turns_18_on")["past_age_limit"].to_dict() == {
            date(2025, 4, 1): True, date(2026, 9, 1): False, date(2028, 1, 1): False}


# -- the pages ------------------------------------------------------------------------------------------------

def test_the_start_form_offers_the_routes_in_words_and_says_what_each_needs(app_engine):
    from .app_helpers import SYSTEM, TODAY, no_trace, open_page, texts

    with transaction(app_engine) as s:
        youth = cases.create_subject(s, SYSTEM, birth_year=2010)
        referral = cases.add_referral(s, SYSTEM, youth, "polis", TODAY - timedelta(days=20))
        cases.screen(s, SYSTEM, referral, suitable=True, criteria=["crime_active"], on=TODAY - timedelta(days=19))
        cases.mark_asked(s, SYSTEM, referral, TODAY - timedelta(days=18))
        cases.record_answer(s, SYSTEM, referral, accepted=True, on=TODAY - timedelta(days=17))
    at = open_page("intake")
    no_trace(at)
    key = next(w.key for w in at.button if w.key.endswith(":start"))[: -len(":start")]
    basis = at.selectbox(key=f"{key}:basis")
    assert "Ungdomsvård (BrB 32 kap. 1 §)" in basis.options and "Ungdomstjänst (BrB 32 kap. 2 §)" in basis.options
    assert "Start kräver ett giltigt samtycke" in texts(at, "caption")
    at.text_input(key=f"{key}:start_reason").input("Hemkomst från SiS.").run()
    at.button(key=f"{key}:start").click().run()  # under SoL without a consent: refused in words
    no_trace(at)
    assert "kräver ett giltigt samtycke" in texts(at, "error")
    basis = at.selectbox(key=f"{key}:basis").set_value("LVU 11").run()
    assert "inget samtycke" in texts(at, "info")
    at.button(key=f"{key}:start").click().run()
    no_trace(at)
    with transaction(app_engine) as s:
        row = s.query(Referral).one()
        assert (row.started_on, row.legal_basis, row.consent_required) == (TODAY, "LVU 11", False)
        code = row.subject.case_code
    case = open_page("case", case=code)  # the case's timeline says the route and that no consent was needed
    no_trace(case)
    details = " ".join(str(v) for frame in case.dataframe for v in frame.value.to_numpy().ravel())
    assert "Vård enligt LVU (LVU 11 §) · inget samtycke krävdes för start" in details


def test_the_overview_says_a_start_without_consent_in_words(app_engine):
    from .app_helpers import AS_USER, no_trace, open_page, texts

    register = _register([["SIG-OVER01", "polis", "2026-09-01", "ja", "2026-09-02", "2026-09-03", "ja",
                           "2026-09-04", "2026-09-10", "SoL 4:1"]])
    with transaction(app_engine) as s:
        imports.import_referrals(s, AS_USER, register)
    at = open_page("caseload")
    no_trace(at)
    assert "1 grupp startade utan samtycke" in texts(at, "warning")
    row = at.dataframe[0].value.set_index("Ärende").loc["SIG-OVER01"]
    assert row["Startade utan samtycke"] == "Ja" and row["Startade utan bedömd hög risk"] == ""


def test_the_demo_cohorts_starts_are_valid_and_its_flags_are_the_sensible_ones(engine):
    from store.demo import seed_demo
    from store.models import Consent, Subject
    from tests.actors import SETUP

    day = date(2026, 11, 23)
    with transaction(engine) as s:
        seed_demo(s, SETUP, n_subjects=120, seed=5, today=day, plans=False, users=False)
        started = s.query(Referral).filter(Referral.started_on.is_not(None)).all()
        by_route = {b: [r for r in started if r.legal_basis == b] for b in ("SoL 4:1", "LVU 11")}
        assert by_route["SoL 4:1"] and by_route["LVU 11"]  # both routes, each as the start records it
        assert all(r.consent_required for r in by_route["SoL 4:1"])
        assert not any(r.consent_required for r in by_route["LVU 11"])
        for r in by_route["SoL 4:1"]:  # every voluntary start rests on the consent the rule asks for
            subject = s.get(Subject, r.subject_id)
            facts = [rules.ConsentFacts(c.signed_on, c.valid_until, c.withdrawn_on, c.signed_by, c.actors)
                     for c in s.query(Consent).filter(Consent.subject_id == r.subject_id)]
            assert rules.start_consent_problem(
                facts, r.started_on, rules.under_adult_age(subject.birth_year, subject.birth_month, r.started_on)) \
                is None
        table = caseload(s, SETUP, day)
        assert not table["started_without_consent"].any()
        assert table["past_age_limit"].any() and table["started_below_high"].any()  # shown, as a real team's are


def test_the_assessment_page_asks_why_when_the_youth_is_outside_the_forms_ages(app_engine):
    from store.models import Assessment

    from .app_helpers import AS_USER, SYSTEM, TODAY, no_trace, open_page, texts

    with transaction(app_engine) as s:
        adult = cases.create_subject(s, SYSTEM, birth_year=TODAY.year - 22, birth_month=1)
        draft = cases.save_draft(s, AS_USER, adult, "savry-like", occasion="baseline", assessed_on=TODAY,
                                 ratings=SAVRY, judgment="high", rationale="Motiverat i testet.")
        code, draft_id = adult.case_code, draft.id
    at = open_page("assessment", case=code)
    no_trace(at)
    assert "utanför formulärets åldersintervall (12–18 år)" in texts(at, "warning")
    at.button(key=f"finalise:{draft_id}").click().run()  # no reason: refused in words, still a draft
    no_trace(at)
    assert "skriv varför det används ändå" in texts(at, "error")
    at.text_input(key=f"age_reason:{draft_id}").input("Inget formulär för unga vuxna finns här.").run()
    at.button(key=f"finalise:{draft_id}").click().run()
    no_trace(at)
    with transaction(app_engine) as s:
        row = s.get(Assessment, draft_id)
        assert (row.status, row.age_reason) == ("final", "Inget formulär för unga vuxna finns här.")


SIGNERS = st.lists(st.sampled_from(["youth", "guardian 1", "guardian", "annan"]), max_size=3, unique=True)
ACTORS = st.lists(st.sampled_from(["socialtjanst", "polis", "skola", "fritid"]), max_size=4, unique=True)
CONSENT = st.tuples(st.integers(1, 4), st.integers(-30, 10), st.integers(-5, 60), st.one_of(st.none(),
                    st.integers(-10, 20)), SIGNERS, ACTORS)


@settings(max_examples=60, deadline=None)
@given(births=st.lists(st.tuples(st.one_of(st.none(), st.integers(2005, 2012)), st.integers(1, 12),
                                 st.booleans()), min_size=4, max_size=4),
       consents=st.lists(CONSENT, max_size=10))
def test_the_caseloads_vectorised_consent_flag_is_the_rule_case_by_case(births, consents):
    from scoring.caseload import started_without_consent

    frame = pd.DataFrame({"started_on": [pd.Timestamp(ON)] * 4, "birth_year": [b[0] for b in births],
                          "birth_month": [b[1] for b in births], "consent_required": [b[2] for b in births]},
                         index=pd.Index([1, 2, 3, 4], name="subject_id"))
    rows = [{"subject_id": sid, "signed_on": pd.Timestamp(ON + timedelta(days=signed)),
             "valid_until": pd.Timestamp(ON + timedelta(days=signed + length)),
             "withdrawn_on": None if gone is None else pd.Timestamp(ON + timedelta(days=gone)),
             "signed_by": by, "actors": actors} for sid, signed, length, gone, by, actors in consents]
    table = pd.DataFrame(rows, columns=["subject_id", "signed_on", "valid_until", "withdrawn_on", "signed_by",
                                        "actors"])
    table["withdrawn_on"] = pd.to_datetime(table["withdrawn_on"])
    got = started_without_consent(frame, table).to_dict()
    expected = {}
    for sid, (year, month, required) in zip(frame.index, births, strict=True):
        facts = [rules.ConsentFacts(r["signed_on"].date(), r["valid_until"].date(),
                                    None if pd.isna(r["withdrawn_on"]) else r["withdrawn_on"].date(),
                                    r["signed_by"], r["actors"]) for r in rows if r["subject_id"] == sid]
        problem = rules.start_consent_problem(facts, ON, rules.under_adult_age(year, month, ON))
        expected[sid] = required and problem is not None
    assert got == expected
