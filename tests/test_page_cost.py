"""What the pages keep to cost less (#24) must never show an old or another choice's figures: the
research results kept per filter choice, and the intake criteria parsed once per file version."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

import instruments
from store import make_engine, transaction
from store.models import AuditEntry

from .app_helpers import RESEARCHER, TODAY, make_database, no_trace, open_page

COHORT = re.compile(r"\d+ bedömningar av \d+ ungdomar; \d+ har både före och efter\.")


@pytest.fixture
def demo(tmp_path, monkeypatch):
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    engine = make_engine(make_database(tmp_path, subjects=30))
    yield engine
    engine.dispose()


def shown(at) -> tuple[str, list]:
    """The cohort caption and the summary table as the page drew them."""
    caption = next(c.value for c in at.caption if COHORT.fullmatch(c.value))
    return caption, at.dataframe[0].value.to_dict("records")


def test_research_results_follow_the_filters_back_and_forth(demo):
    def fresh(ages: tuple[int, int]) -> tuple[str, list]:
        """What a new session shows for the ages, worked out from nothing kept ("Läs in på nytt")."""
        at = open_page("research", user=RESEARCHER, research_ages=ages)
        at.button(key="research_refresh").click().run()
        return shown(at)

    at = open_page("research", user=RESEARCHER)
    no_trace(at)
    everyone = shown(at)
    at.slider(key="research_ages").set_value((16, 24)).run()
    older = shown(at)
    assert older != everyone  # a narrower cohort, its own figures
    at.slider(key="research_ages").set_value((12, 24)).run()
    assert shown(at) == everyone  # the first choice's own figures again, not the last ones
    at.slider(key="research_ages").set_value((16, 24)).run()
    assert shown(at) == older == fresh((16, 24))


def test_research_refresh_reads_and_works_out_again(demo):
    def research_rows() -> int:
        with transaction(demo) as s:
            return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "research"))

    at = open_page("research", user=RESEARCHER)
    before = shown(at)
    read = research_rows()
    at.button(key="research_refresh").click().run()
    assert research_rows() > read and shown(at) == before  # read again (audited), the same data


def test_intake_criteria_are_read_again_when_their_file_changes(tmp_path, monkeypatch):
    own = tmp_path / "criteria.yaml"
    own.write_text(instruments.intake_criteria.DEFAULT_CRITERIA.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("INSATS_INTAKE_CRITERIA", str(own))
    first = instruments.load_intake_criteria()
    assert instruments.load_intake_criteria() is first  # parsed once
    text = own.read_text(encoding="utf-8")
    first_id = first.ids[0]
    own.write_text(text.replace(f"id: {first_id}", "id: eget_kriterium", 1), encoding="utf-8")
    assert instruments.load_intake_criteria().ids[0] == "eget_kriterium"


def test_a_server_runs_no_full_garbage_collection_after_each_page_run():
    """Streamlit's server collects all three generations after every run by default (AppTest does not):
    with pandas, SQLAlchemy and scipy in memory that cost 150-200 ms of CPU a run, three times the page's
    own work (py-spy on a real server). Off in ``insats serve``'s flags and in the config file that
    ``streamlit run`` reads from the project; the soak (``make bench soak``) measures the difference."""
    import tomllib

    from cli.serve import SAFE_SETTINGS

    from .app_helpers import ROOT

    flags = dict(zip(SAFE_SETTINGS[::2], SAFE_SETTINGS[1::2], strict=True))
    assert flags["--runner.postScriptGC"] == "false"
    config = tomllib.loads((ROOT / ".streamlit/config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False


def test_a_server_process_freezes_what_it_has_loaded_and_yields_the_lock_sooner():
    """``insats serve`` sets the interpreter for a server's life before Streamlit starts (in a process of
    its own here: freezing is for the life of the process)."""
    import subprocess
    import sys

    from .app_helpers import ROOT

    code = ("import gc, sys, pandas, sqlalchemy; from cli.serve import tune_for_serving; "
            "before = (gc.get_freeze_count(), sys.getswitchinterval()); tune_for_serving(); "
            "print(before[0], before[1], gc.get_freeze_count(), sys.getswitchinterval())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    frozen_before, interval_before, frozen, interval = out.stdout.split()
    assert int(frozen_before) == 0 and int(frozen) > 10_000  # pandas and SQLAlchemy's objects among them
    assert float(interval_before) == 0.005 and float(interval) == 0.001


def test_a_server_sends_each_page_run_at_once():
    """The connections of ``insats serve`` have Nagle's algorithm off (``cli.serve.send_at_once``): Streamlit's
    own listener leaves it on, so a page run's messages after the first two waited 40 ms for the browser's
    delayed acknowledgement. Read on a connection accepted by the listener Streamlit binds, in a process of
    its own (the server's functions are changed for the life of the process)."""
    import subprocess
    import sys

    from .app_helpers import ROOT

    code = ("import socket; from streamlit.web.server.starlette import starlette_server as s; "
            "from cli.serve import tune_for_serving\n"
            "def accepted():\n"
            "    listener = s._bind_socket('127.0.0.1', 0, 8); listener.setblocking(True)\n"
            "    client = socket.create_connection(listener.getsockname()[:2]); conn, _ = listener.accept()\n"
            "    said = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)\n"
            "    for x in (conn, client, listener): x.close()\n"
            "    return said\n"
            "before = accepted(); tune_for_serving(); tune_for_serving(); print(before, accepted())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    before, after = out.stdout.split()
    assert int(before) == 0  # Streamlit's listener as it comes: Nagle's algorithm on
    assert int(after) != 0   # as insats serve runs it (twice: the change is made once, not wrapped again)


def test_the_log_page_shows_the_newest_rows_and_says_so(app_engine):
    """A month of a municipality's log is thousands of rows: the page draws the newest ``SHOWN`` and says
    that the file holds the whole selection; a short log is shown whole, with its count."""
    from rules.timing import LOG_SHOWN as SHOWN
    from store import Actor, chain

    from .app_helpers import ADMIN, open_page, texts

    at = open_page("log", user=ADMIN)
    no_trace(at)
    few = len(at.dataframe[0].value)
    assert 0 < few < SHOWN and f"{few} rader" in texts(at, "caption")
    with transaction(app_engine) as s:
        chain.record_many(s, Actor("test.setup", "system"), "read", "case", [None] * (SHOWN + 50), "load")
    at = open_page("log", user=ADMIN)
    no_trace(at)
    shown = at.dataframe[0].value
    assert len(shown) == SHOWN and f"De {SHOWN} senaste raderna visas" in texts(at, "caption")
    assert shown.iloc[0, 0] >= shown.iloc[-1, 0]  # newest first
