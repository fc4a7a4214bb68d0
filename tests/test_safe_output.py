"""Nothing that leaves as CSV can run as a spreadsheet formula (OWASP CSV injection): every CSV the
CLI writes and every CSV download of the app, each fed text that starts like a formula."""

from __future__ import annotations

import ast
import csv
import io
import re
from datetime import date

import pandas as pd
import pytest

import cli
from forms.safe_csv import csv_bytes
from rules.disclosure import neutralise_formulas
from store import cases, make_engine, transaction, upgrade
from store.demo import seed_demo
from store.models import Subject
from store.users import SETUP, add_user

from .app_helpers import ROOT
from .path_helpers import EARLY, start
from .test_research_cli import cohort

FORMULA = re.compile(r"^[=+@\t\r]|^-(?![0-9.])")  # a negative number is a number, not a formula
EVIL = ['=HYPERLINK("http://example.invalid","x")', "+SUM(1,2)", "-cmd|' /C calc'!A0", "@SUM(A1)"]
SAVRY_ITEMS = [f"H{i}" for i in range(1, 11)] + [f"S{i}" for i in range(1, 7)] + [f"I{i}" for i in range(1, 9)] + [
    f"P{i}" for i in range(1, 7)]
LOW = {item: "A" if item.startswith("P") else "L" for item in SAVRY_ITEMS}


def formula_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row if FORMULA.match(cell)]


def test_the_rule_keeps_numbers_and_neutralises_text_and_headers():
    frame = pd.DataFrame({"=x": [EVIL[0], "ok"], "change": [-1.5, 2.0], "label": ["-minus", "x"]})
    safe = neutralise_formulas(frame)
    assert list(safe.columns) == ["'=x", "change", "label"]
    assert safe["'=x"].tolist() == ["'" + EVIL[0], "ok"] and safe["change"].tolist() == [-1.5, 2.0]
    assert safe["label"].tolist() == ["'-minus", "x"]
    assert formula_cells(csv_bytes(frame).decode()) == []


@pytest.fixture
def store_env(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'insats.sqlite'}"
    monkeypatch.setenv("INSATS_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        add_user(s, SETUP, "sam", display_name="Sam", roles=["intake", "coordinator", "researcher"],
                 teams=["Standard"])
    monkeypatch.setenv("INSATS_USER", "sam")
    yield engine, tmp_path
    engine.dispose()


def test_insats_score_csv(store_env, capsys):
    _, tmp = store_env
    rows = [{"subject_id": evil, "assessed_on": "2026-01-01", "rater": evil, **LOW}
            for evil in EVIL]
    pd.DataFrame(rows).to_csv(tmp / "in.csv", index=False)
    assert cli.main(["score", "--instrument", "savry-like", str(tmp / "in.csv"), "-o", str(tmp / "out.csv")]) == 0
    out = (tmp / "out.csv").read_text()
    assert formula_cells(out) == [] and "'=HYPERLINK" in out


def test_assessments_export_csv(store_env, capsys):
    engine, tmp = store_env
    rows = [{"subject_id": f"SIG-AAA11{i}", "assessed_on": "2026-01-01", "occasion": "baseline", "judgment": "low",
             "rationale": evil, **LOW} for i, evil in enumerate(EVIL)]
    pd.DataFrame(rows).to_csv(tmp / "a.csv", index=False)
    assert cli.main(["assessments", "import", "--instrument", "savry-like", str(tmp / "a.csv"),
                     "--create-subjects"]) == 0
    with transaction(engine) as s:
        for subject in s.query(Subject):
            cases.add_consent(s, SETUP, subject, signed_on=date(2026, 1, 1), signed_by=["youth"],
                              valid_until=date(2099, 1, 1), actors=["skola"], categories=["assessment"])
    assert cli.main(["assessments", "export", "--instrument", "savry-like", "--recipient", "skola", "-o",
                     str(tmp / "out.csv")]) == 0
    out = (tmp / "out.csv").read_text()
    assert formula_cells(out) == [] and out.count("'=HYPERLINK") == 1


def test_research_change_csv_with_formula_group_labels(store_env, capsys):
    _, tmp = store_env
    frame = cohort(40)
    frame["group"] = frame["group"].map({"sig": EVIL[0], "comparison": EVIL[1]})
    frame.to_csv(tmp / "c.csv", index=False)
    assert cli.main(["research", "change", "--instrument", "savry-like", str(tmp / "c.csv"), "--group", "group",
                     "--format", "csv", "--output", str(tmp / "out.csv")]) == 0
    out = (tmp / "out.csv").read_text()
    assert formula_cells(out) == []


def test_research_export_and_funnel_csv(store_env, capsys):
    engine, tmp = store_env
    with transaction(engine) as s:
        seed_demo(s, SETUP, n_subjects=30, today=date(2026, 11, 23), seed=2, users=False)
        for subject, evil in zip(s.query(Subject).limit(4), EVIL, strict=True):
            subject.district = evil  # free text typed at registration
    assert cli.main(["research", "export", "--instrument", "savry-like", "--out", str(tmp / "x"),
                     "--formats", "csv"]) == 0
    wide = (tmp / "x" / "savry-like-wide.csv").read_text()
    assert formula_cells(wide) == [] and formula_cells((tmp / "x" / "savry-like-long.csv").read_text()) == []
    capsys.readouterr()
    assert cli.main(["report", "funnel", "--format", "csv"]) == 0
    assert formula_cells(capsys.readouterr().out) == []


def test_app_downloads_go_through_the_neutralising_writer():
    """Pages hand every table to ``audited_download``/``csv_bytes``; none writes CSV itself."""
    offenders = []
    for path in sorted((ROOT / "forms").rglob("*.py")):
        if path.name == "safe_csv.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "to_csv":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


# -- the error boundary --------------------------------------------------------------------------
SECRET = "SELECT * FROM subjects WHERE pnr_hash = '199901011234'"


def test_an_unexpected_error_in_a_page_shows_an_id_and_logs_no_message(tmp_path, monkeypatch, caplog):
    from store import views

    from .app_helpers import make_database, open_page, texts

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    make_database(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(views, "case_overview", broken)
    with caplog.at_level("ERROR", logger="insats"):
        at = open_page("case", case="SIG-AAAAAA")
    shown = texts(at, "error")
    error_id = re.search(r"fel-id ([0-9a-f]{8})", shown).group(1)
    assert SECRET not in shown and "199901011234" not in str(at)
    logged = [r.getMessage() for r in caplog.records if r.name == "insats"]
    assert logged == [f"error {error_id}: RuntimeError at tests/test_safe_output.py:{_line(broken)} in broken"]


def test_an_unexpected_error_in_the_cli_shows_an_id_and_no_trace(store_env, capsys, monkeypatch):
    import store.imports

    def broken(*args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(store.imports, "referral_dates", broken)
    assert cli.main(["report", "funnel"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"unexpected error \(id [0-9a-f]{8}: RuntimeError at tests/test_safe_output.py:\d+", err)
    assert "199901011234" not in err and "Traceback" not in err


def _line(function) -> int:
    return function.__code__.co_firstlineno + 1


# -- free text and the server ---------------------------------------------------------------------
def test_free_text_on_the_plan_renders_as_the_characters_typed(tmp_path, monkeypatch):
    from store.users import SETUP as setup

    from .app_helpers import make_database, open_page

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    engine = make_engine(make_database(tmp_path))
    image, link = "![x](http://tracker.invalid/pixel.png)", "[klicka](http://phish.invalid)"
    with transaction(engine) as s:
        youth = start(s, setup, cases.create_subject(s, setup), EARLY)
        cases.record_meeting(s, setup, youth, cases.MeetingInput(
            date(2026, 11, 20), ["skola"], notes=f"Anteckning {image}", short_goals=[f"Mål {link}"],
            commitments=[cases.PlanItem(":red[skola]", f"Åtagande {image}", date(2026, 12, 1))]))
        code = youth.case_code
    engine.dispose()
    at = open_page("plan", case=code)
    sources = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert any("Mål" in m for m in sources) and any("Åtagande" in m for m in sources)
    unescaped = re.compile(r"(?<!\\)\]\(|(?<!\\):red\[")  # a Markdown link/image or a colour directive
    assert [m for m in sources if unescaped.search(m)] == []
    assert [t.value for t in at.text] == [f"Anteckning {image}"]  # notes as plain text


def test_serve_listens_on_localhost_only_unless_told_and_carries_the_safe_settings(monkeypatch, capsys):
    from cli import serve

    assert cli.main(["serve", "--address", "0.0.0.0"]) == 2
    assert "refusing to listen on 0.0.0.0" in capsys.readouterr().err
    argv = serve.streamlit_argv(8501, "localhost")
    settings = dict(zip(argv[3::2], argv[4::2], strict=True))
    assert settings["--client.showErrorDetails"] == "none" and settings["--server.address"] == "localhost"
    assert settings["--browser.gatherUsageStats"] == "false" and settings["--client.toolbarMode"] == "minimal"
