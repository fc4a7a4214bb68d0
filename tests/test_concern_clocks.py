"""The clocks the law sets for a report of concern about a child (#22 item 4): the safety assessment at
once (the same or the next day), the decision whether to investigate within 14 days, an opened
investigation finished within 4 months, each a due date and a warning on Inkorg; the periods are
settings; the per-row and column-wise rules agree; the store records each step guarded, audited and
dated; the follow-up report counts the shares met."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from rules import clocks
from rules.clocks import CLOCK_COLUMNS, CLOCKS, ClockSettingProblem, clock, clock_frame, parse_clocks
from services.followup_report import build_report, follow_up_report
from store import AccessDenied, Actor, cases, transaction, views
from store.cases import CaseError
from store.followup import follow_up_data
from store.models import AuditEntry, Referral

from .app_helpers import SYSTEM, TODAY, no_trace, open_page, texts

R = date(2026, 3, 2)  # a Monday: the report came in

# -- the rule: per row and column-wise agree ------------------------------------------------------------
maybe_day = st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2026, 12, 31)))
row = st.tuples(st.one_of(st.none(), st.booleans()), st.dates(date(2025, 1, 1), date(2026, 12, 31)),
                maybe_day, maybe_day, maybe_day, maybe_day)
periods = st.builds(lambda s, d, m, w: parse_clocks(f"safety_days={s}; decision_days={d}; "
                                                    f"investigation_months={m}; warn_days={w}"),
                    st.integers(0, 3), st.integers(1, 30), st.integers(1, 6), st.integers(0, 10))


@settings(max_examples=80, deadline=None)
@given(st.lists(row, min_size=1, max_size=25), st.dates(date(2025, 1, 1), date(2027, 6, 30)), periods)
def test_each_clock_per_row_and_for_a_frame_agree(rows, today, setting):
    frame = pd.DataFrame(rows, columns=list(CLOCK_COLUMNS))
    whole = clock_frame(frame, today, setting)
    for name in CLOCKS:
        per_row = [clock(r, name, today, setting) for r in frame.astype(object).where(frame.notna(), None)
                   .itertuples(index=False)]
        due = [None if pd.isna(d) else d.date() for d in whole[f"{name}_due_on"]]
        assert list(zip(due, whole[f"{name}_state"], strict=True)) == per_row


def test_the_law_s_periods_are_the_defaults_and_counted_as_it_says():
    concern = pd.Series({"report_of_concern": True, "received_on": R, "safety_assessed_on": None,
                         "investigation_decided_on": None, "investigation_opened_on": date(2026, 1, 31),
                         "investigation_ended_on": None})
    assert clock(concern, "safety", R) == (R + timedelta(days=1), "soon")  # the same or the next day
    assert clock(concern, "safety", R + timedelta(days=2))[1] == "passed"
    assert clock(concern, "decision", R) == (R + timedelta(days=14), "running")
    assert clock(concern, "decision", R + timedelta(days=11))[1] == "soon"  # warned 3 days before
    assert clock(concern, "investigation", R) == (date(2026, 5, 31), "running")  # four calendar months
    assert clock(concern.replace({True: False}), "safety", R) == (None, None)  # not a report of concern
    done = concern.copy()
    done["safety_assessed_on"], done["investigation_decided_on"] = R + timedelta(days=1), R + timedelta(days=15)
    assert clock(done, "safety", R + timedelta(days=40))[1] == "met"
    assert clock(done, "decision", R + timedelta(days=40))[1] == "late"


def test_the_periods_and_paragraphs_are_settings_and_a_bad_entry_is_named(monkeypatch):
    import config

    assert config.concern_clocks() == clocks.DEFAULT
    monkeypatch.setenv("INSATS_CONCERN_CLOCKS", "decision_days=10; investigation_months=3; warn_days=5; "
                                                "investigation_ref=SoL (2025:400) X kap. Y §")
    chosen = config.concern_clocks()
    assert (chosen.decision, chosen.investigation_months, chosen.warning) == (timedelta(days=10), 3,
                                                                               timedelta(days=5))
    assert chosen.references["investigation"] == "SoL (2025:400) X kap. Y §"
    assert chosen.references["safety"] == clocks.REFERENCES["safety"]
    for bad, said in (("decision_days=två", "not a whole number"), ("deadline_days=3", "unknown entry"),
                      ("decision_days", "not key=value"), ("warn_days=-1", "not a whole number")):
        monkeypatch.setenv("INSATS_CONCERN_CLOCKS", bad)
        with pytest.raises(ClockSettingProblem, match=said):
            config.concern_clocks()


# -- the store, on both engines ------------------------------------------------------------------------------
def _refused(engine, work) -> CaseError:
    with pytest.raises(CaseError) as refused, transaction(engine) as s:
        work(s)
    return refused.value


def test_a_report_of_concern_and_its_steps_are_recorded_dated_guarded_and_audited(engine, assessor,
                                                                                  monkeypatch):
    today = R + timedelta(days=20)
    monkeypatch.setenv("INSATS_TODAY", today.isoformat())
    with transaction(engine) as s:
        concern = cases.register_referral(s, assessor, source="polis", received_on=R, report_of_concern=True)
        plain = cases.register_referral(s, assessor, source="skola", received_on=R)
        ids, other = (concern.id, plain.id), plain.subject.case_code
        assert (concern.report_of_concern, plain.report_of_concern) == (True, False)

    def referral(s, i=0):
        return s.get(Referral, ids[i])

    assert _refused(engine, lambda s: cases.record_safety_assessment(s, assessor, referral(s, 1), R)).code \
        == "concern.not_marked"
    future = _refused(engine, lambda s: cases.record_safety_assessment(s, assessor, referral(s), today + timedelta(1)))
    assert (future.code, future.params["what"]) == ("date.future", "safety_assessed")
    early = _refused(engine, lambda s: cases.record_investigation_decision(s, assessor, referral(s), opened=True,
                                                                           on=R - timedelta(days=1)))
    assert (early.code, early.params["reference"]) == ("referral.order", "received")
    assert _refused(engine, lambda s: cases.record_investigation_end(s, assessor, referral(s), today)).code \
        == "concern.no_investigation"
    intruder = Actor("ulf.researcher", {"researcher"})
    with pytest.raises(AccessDenied), transaction(engine) as s:
        cases.record_safety_assessment(s, intruder, referral(s), R)

    with transaction(engine) as s:
        cases.record_safety_assessment(s, assessor, referral(s), R)
        cases.record_investigation_decision(s, assessor, referral(s), opened=True, on=R + timedelta(days=9))
        cases.mark_report_of_concern(s, assessor, referral(s, 1))  # marked afterwards
    before_opening = _refused(engine, lambda s: cases.record_investigation_end(s, assessor, referral(s),
                                                                               R + timedelta(days=8)))
    assert (before_opening.code, before_opening.params["reference"]) == ("referral.order", "investigation_opened")
    with transaction(engine) as s:
        cases.record_investigation_end(s, assessor, referral(s), R + timedelta(days=19))
    assert _refused(engine, lambda s: cases.mark_report_of_concern(s, assessor, referral(s), False)).code \
        == "concern.steps_recorded"
    assert _refused(engine, lambda s: cases.record_investigation_decision(
        s, assessor, referral(s), opened=False, on=R + timedelta(days=9))).code == "concern.investigation_ended"
    with transaction(engine) as s:
        done = referral(s)
        assert (done.safety_assessed_on, done.investigation_decided_on, done.investigation_opened,
                done.investigation_opened_on, done.investigation_ended_on) == (
            R, R + timedelta(days=9), True, R + timedelta(days=9), R + timedelta(days=19))
        details = list(s.scalars(select(AuditEntry.detail).where(AuditEntry.who == assessor.who,
                                                                 AuditEntry.action == "update")))
        assert f"referral {ids[0]}: safety assessment {R}" in details
        assert f"referral {ids[0]}: investigation opened {R + timedelta(days=9)}" in details
        assert f"referral {ids[1]}: report of concern yes" in details
        refused = s.scalars(select(AuditEntry).where(AuditEntry.who == "ulf.researcher")).all()
        assert refused  # the refusal left its trace
        queue = views.intake_queue(s, assessor, today)
        mine = queue.set_index("referral_id")
        # every clock of the first referral stopped in time: no due date left, no alert
        assert mine.loc[ids[0], ["safety_due_on", "decision_due_on", "investigation_due_on", "clock_alert"]] \
            .isna().all()
        # the second, marked afterwards: its safety assessment passed, its decision due on day 14
        assert mine.loc[ids[1], "safety_due_on"] == R + timedelta(days=1)
        assert mine.loc[ids[1], "decision_due_on"] == R + timedelta(days=14)
        assert mine.loc[ids[1], "clock_alert"] == "passed"
        alerts = views.concern_alerts(s, assessor, today)
        assert alerts[["case_code", "clock", "due_on", "alert"]].values.tolist() == [
            [other, "safety", R + timedelta(days=1), "passed"], [other, "decision", R + timedelta(days=14), "passed"]]


def test_the_queue_computes_the_clocks_column_wise_with_the_instance_s_periods(engine, assessor, monkeypatch):
    today = R + timedelta(days=12)
    monkeypatch.setenv("INSATS_TODAY", today.isoformat())
    with transaction(engine) as s:
        for days in range(0, 20):
            cases.register_referral(s, assessor, source="polis", received_on=R - timedelta(days=days),
                                    report_of_concern=days % 3 != 0)
        queue = views.intake_queue(s, assessor, today)
        raw = pd.DataFrame({"report_of_concern": queue["report_of_concern"], "received_on": queue["received_on"],
                            **{c: None for c in CLOCK_COLUMNS[2:]}})
        for name in CLOCKS:  # the queue's due dates are the rule's, row by row
            assert [None if pd.isna(d) else d for d in queue[f"{name}_due_on"]] == [
                clock(r, name, today)[0] for r in raw.itertuples(index=False)]
        assert not queue.loc[~queue["report_of_concern"], "decision_due_on"].notna().any()
        monkeypatch.setenv("INSATS_CONCERN_CLOCKS", "decision_days=10")
        shorter = views.intake_queue(s, assessor, today)
        got = shorter.loc[shorter["report_of_concern"], ["received_on", "decision_due_on"]]
        assert ((pd.to_datetime(got["decision_due_on"]) - pd.to_datetime(got["received_on"])).dt.days == 10).all()


def test_the_follow_up_report_counts_the_shares_met(engine, assessor, monkeypatch):
    monkeypatch.setenv("INSATS_TODAY", "2026-12-01")
    start, end = date(2026, 1, 1), date(2026, 6, 30)
    with transaction(engine) as s:
        steps = [  # received, safety after (days), decision after (days), opened?, ended after opening (days)
            (date(2026, 2, 2), 0, 3, True, 100),  # all met
            (date(2026, 2, 9), 1, 14, True, 130),  # safety met (next day), decision on day 14, investigation late
            (date(2026, 3, 2), 3, 20, False, None),  # both late, no investigation
            (date(2026, 6, 25), 0, None, None, None),  # decision still running on the period's last day
            (date(2026, 4, 1), None, None, None, None),  # nothing recorded: both passed by 30 June
            (date(2025, 12, 1), 0, 2, True, 30),  # received before the period: not counted
        ]
        for received, safety, decision, opened, ended in steps:
            referral = cases.register_referral(s, assessor, source="polis", received_on=received,
                                               report_of_concern=True)
            if safety is not None:
                cases.record_safety_assessment(s, assessor, referral, received + timedelta(days=safety))
            if decision is not None:
                on = received + timedelta(days=decision)
                cases.record_investigation_decision(s, assessor, referral, opened=opened, on=on)
                if ended is not None:
                    cases.record_investigation_end(s, assessor, referral, on + timedelta(days=ended))
        cases.register_referral(s, assessor, source="skola", received_on=date(2026, 2, 2))  # not a concern
        exact = build_report(follow_up_data(s, assessor, start, end), start, end, min_cell=1)["concern_clocks"]
        published = follow_up_report(s, assessor, start, end, published=True)["concern_clocks"]
    assert exact["reports"] == 5
    assert exact["safety_assessment"] == {"counted": 5, "met_share": 0.6}
    # the decision of 25 June is still running on the period's last day: not counted yet
    assert exact["investigation_decision"] == {"counted": 4, "met_share": 0.5}
    # opened 5 Feb, ended within four months; opened 23 Feb, due 23 June, ended on 3 July: passed on 30 June
    assert exact["investigation"] == {"counted": 2, "met_share": 0.5}
    assert published["reports"] == 5 and published["safety_assessment"]["met_share"] == 0.6
    assert published["investigation"] == {"counted": "< 5", "met_share": None}  # too few to show
    earlier = date(2026, 5, 31)  # the second investigation was still running then, and ended after it
    with transaction(engine) as s:
        may = build_report(follow_up_data(s, assessor, start, earlier), start, earlier, min_cell=1)
    assert may["concern_clocks"]["investigation"] == {"counted": 1, "met_share": 1.0}


def test_the_referral_import_takes_report_of_concern_as_ja_or_nej(engine, assessor, monkeypatch):
    from store.imports import ImportRefused, import_referrals

    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    rows = [{"case_code": code, "source": "polis", "received_on": "2026-03-02", "suitable": "", "decided_on": "",
             "asked_on": "", "answer": "", "answered_on": "", "report_of_concern": concern}
            for code, concern in (("ORO1", "ja"), ("ORO2", "nej"), ("ORO3", ""))]
    bad = pd.DataFrame([*rows, {**rows[0], "case_code": "ORO4", "report_of_concern": "kanske"}])
    with pytest.raises(ImportRefused) as refused, transaction(engine) as s:
        import_referrals(s, assessor, bad)
    assert [(e.row, e.column) for e in refused.value.errors] == [(5, "report_of_concern")]
    with transaction(engine) as s:
        assert import_referrals(s, assessor, pd.DataFrame(rows)).imported == 3
        marked = dict(s.execute(select(Referral.id, Referral.report_of_concern).order_by(Referral.id)).all())
        assert list(marked.values()) == [True, False, False]


# -- Inkorg, in Swedish ---------------------------------------------------------------------------------------
def test_inkorg_shows_the_due_dates_and_the_warning_in_swedish(app_engine):
    with transaction(app_engine) as s:
        late = cases.register_referral(s, SYSTEM, source="polis", received_on=TODAY - timedelta(days=3),
                                       report_of_concern=True)
        soon = cases.register_referral(s, SYSTEM, source="skola", received_on=TODAY - timedelta(days=12))
        cases.mark_report_of_concern(s, SYSTEM, soon)
        cases.record_safety_assessment(s, SYSTEM, soon, TODAY - timedelta(days=12))
        codes = late.subject.case_code, soon.subject.case_code
    at = open_page("intake")
    no_trace(at)
    said = texts(at, "error")
    assert "Orosanmälningar med tidsfrister som snart går ut eller har passerat:" in said
    assert f"{codes[0]}: skyddsbedömning senast {TODAY - timedelta(days=2)} (tidsfristen har passerat)" in said
    assert f"{codes[1]}: beslut om att inleda utredning eller inte senast {TODAY + timedelta(days=2)} " \
           "(går snart ut)" in said
    assert "SoL 11 kap. 1 a § andra stycket" in texts(at, "caption")
    queue = next(d.value for d in at.dataframe if "Orosanmälan" in d.value.columns)
    assert {"Skyddsbedömning senast", "Beslut om utredning senast", "Utredning klar senast", "Tidsfrist"} \
        <= set(queue.columns)
    assert "tidsfristen har passerat" in set(queue["Tidsfrist"])
    assert not any("_" in str(c) for c in queue.columns)  # no raw column name on a Swedish page


def test_the_safety_assessment_is_recorded_on_inkorg(app_engine):
    with transaction(app_engine) as s:
        referral = cases.register_referral(s, SYSTEM, source="polis", received_on=TODAY - timedelta(days=1),
                                           report_of_concern=True)
        referral_id = referral.id
    at = open_page("intake")
    key = next(w.key for w in at.button if w.key.endswith(":concern:safety"))
    at.button(key=key).click().run()
    no_trace(at)
    with transaction(app_engine) as s:
        assert s.get(Referral, referral_id).safety_assessed_on == TODAY


def test_a_referral_is_registered_as_a_report_of_concern_on_inkorg(app_engine):
    at = open_page("intake", intake_view="register_referral")
    at.checkbox(key="reg_concern").check().run()
    at.radio(key="reg_checklist:item:K1").set_value("Ja").run()
    at.button(key="reg_submit").click().run()
    no_trace(at)
    assert "Remissen är registrerad i ärende SIG-" in texts(at, "success")
    with transaction(app_engine) as s:
        assert s.scalars(select(Referral)).one().report_of_concern is True


def test_the_investigation_decision_is_recorded_on_inkorg_and_asks_for_a_choice(app_engine):
    with transaction(app_engine) as s:
        referral = cases.register_referral(s, SYSTEM, source="polis", received_on=TODAY - timedelta(days=5),
                                           report_of_concern=True)
        referral_id = referral.id
    at = open_page("intake")
    key = next(w.key for w in at.button if w.key.endswith(":concern:decide"))[: -len(":decide")]
    at.button(key=f"{key}:decide").click().run()
    no_trace(at)
    assert "Välj om en utredning inleds eller inte. Inget har ändrats." in texts(at, "error")
    at.radio(key=f"{key}:opened").set_value(True).run()
    at.button(key=f"{key}:decide").click().run()
    no_trace(at)
    with transaction(app_engine) as s:
        saved = s.get(Referral, referral_id)
        assert (saved.investigation_opened, saved.investigation_opened_on) == (True, TODAY)


def test_inkorg_in_english_says_the_clocks_with_english_dates(app_engine):
    from .test_translations import RAW_IDENTIFIER

    with transaction(app_engine) as s:
        code = cases.register_referral(s, SYSTEM, source="polis", received_on=TODAY - timedelta(days=3),
                                       report_of_concern=True).subject.case_code
    at = open_page("intake", lang="en")
    no_trace(at)
    said = texts(at, "error")
    passed = (TODAY - timedelta(days=2)).strftime("%d/%m/%Y")
    assert f"{code}: safety assessment by {passed} (the deadline has passed)" in said
    assert "within 14 days" in texts(at, "caption") and "4 months" in texts(at, "caption")
    queue = next(d.value for d in at.dataframe if "Report of concern" in d.value.columns)
    assert not [c for c in queue.columns if RAW_IDENTIFIER.search(str(c))]
    assert not RAW_IDENTIFIER.search(said)


def test_a_bad_clock_setting_stops_insats_serve_before_anything_starts(monkeypatch, capsys, tmp_path):
    import cli

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_CONCERN_CLOCKS", "decision_days=fjorton")
    assert cli.main(["serve", "--port", "8599"]) == 2
    said = capsys.readouterr().err
    assert "INSATS_CONCERN_CLOCKS: decision_days='fjorton' is not a whole number" in said
    assert "nothing was started" in said and not list(tmp_path.iterdir())  # no database was made


def test_the_follow_up_page_says_how_often_the_clocks_were_met(app_engine):
    with transaction(app_engine) as s:
        for month in range(1, 6):  # five reports in last year, the page's default period
            received = date(TODAY.year - 1, month, 4)
            referral = cases.register_referral(s, SYSTEM, source="polis", received_on=received,
                                               report_of_concern=True)
            cases.record_safety_assessment(s, SYSTEM, referral, received)
            cases.record_investigation_decision(s, SYSTEM, referral, opened=False,
                                                on=received + timedelta(days=10 + 2 * month))  # 12..20 days
    at = open_page("followup")
    no_trace(at)
    said = texts(at, "caption")
    assert "Orosanmälningar: 5 kom in under perioden." in said
    assert "Tidsfristen hölls för skyddsbedömningen i 100 % av 5" in said
    assert "för beslutet om utredning i 40 % av 5" in said  # 12 and 14 days met; 16, 18 and 20 not
    assert "< 5 av" not in said  # a share beside its count, never a suppressed count of those met


def test_a_long_list_of_alerts_names_the_earliest_and_counts_the_rest(app_engine):
    with transaction(app_engine) as s:
        # fourteen reports, none assessed: fourteen safety assessments passed, and of the decisions two
        # passed (16 and 15 days ago) and four due within the warning (14..11 days ago): twenty alerts
        for days in range(3, 17):
            cases.register_referral(s, SYSTEM, source="polis", received_on=TODAY - timedelta(days=days),
                                    report_of_concern=True)
    at = open_page("intake")
    no_trace(at)
    said = texts(at, "error")
    assert said.count("skyddsbedömning senast") == 12 and "… och 8 till" in said  # the earliest twelve
    assert said.index(f"senast {TODAY - timedelta(days=15)}") < said.index(f"senast {TODAY - timedelta(days=4)}")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migration_0011_keeps_every_earlier_referral_no_report_of_concern(kind, tmp_path, request):
    """A database at 0010 with a referral: after the upgrade it is there, not a report of concern, with
    no clock recorded; and a new referral can be one."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from store import make_engine, upgrade
    from store.db import MIGRATIONS

    if kind == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'old.sqlite'}", None
    else:
        server_url, admin = request.getfixturevalue("postgres_server")
        name = f"m0011_{abs(hash(str(tmp_path))) % 10**8}"
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        url, drop = server_url.rsplit("/", 1)[0] + f"/{name}", name
    engine = make_engine(url)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0010")
            connection.execute(text("INSERT INTO subjects (case_code, synthetic) VALUES ('OLD1', false)"))
            connection.execute(text("INSERT INTO referrals (subject_id, source, received_on) "
                                    "SELECT id, 'polis', '2026-03-02' FROM subjects"))
            connection.commit()
        upgrade(engine, backup_first=False)
        with transaction(engine) as s:
            old = s.scalars(select(Referral)).one()
            assert old.report_of_concern is False and old.safety_assessed_on is None
            assert old.investigation_opened is None and old.investigation_ended_on is None
            youth = cases.create_subject(s, SYSTEM)
            assert cases.add_referral(s, SYSTEM, youth, "skola", R, report_of_concern=True).report_of_concern
    finally:
        engine.dispose()
        if drop:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {drop} WITH (FORCE)"))


def test_calendar_months_for_a_whole_column_agree_with_the_per_row_rule_on_every_day():
    """The column-wise month arithmetic (numpy, for a queue) against the per-row rule (pandas'
    DateOffset) on every day of a leap year and the years around it, month ends included (the clocks' 4
    months, the follow-ups' 6 and 12)."""
    from rules.dates import add_months, add_months_all

    days = pd.date_range("2023-01-01", "2025-12-31", freq="D")
    for months in (0, 1, 4, 6, 12, 13):
        column = add_months_all(days.to_numpy("datetime64[ns]"), months)
        assert [pd.Timestamp(d).date() for d in column] == [add_months(d.date(), months) for d in days]
    assert pd.isna(add_months_all(pd.to_datetime(pd.Series([None, "2024-01-31"])).to_numpy("datetime64[ns]"), 1)[0])


def test_stored_days_reads_what_either_engine_returns_as_the_day():
    """ISO text (SQLite), date objects (PostgreSQL), a time with or without its zone, empty and wrong."""
    from datetime import datetime

    from rules.dates import stored_days

    column = pd.Series(["2024-01-31", None, date(2024, 2, 29), "2024-03-01 10:00:00.5", "nonsense",
                        datetime(2024, 4, 2, 23, 0, tzinfo=UTC)], dtype=object)
    days = stored_days(column)
    assert [None if pd.isna(d) else d.date() for d in days] == [
        date(2024, 1, 31), None, date(2024, 2, 29), date(2024, 3, 1), None, date(2024, 4, 2)]
    assert list(stored_days(pd.Series(["2024-01-31", None]))) == list(pd.to_datetime(pd.Series(["2024-01-31", None])))
