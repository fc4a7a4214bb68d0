"""The register extract (GDPR art. 15, issue 22 item 6): everything held about a youth, and who read it.

A full case is built through the store (every kind of record: referral with an ask and its decisions,
consent, an assessment in two versions, a meeting's plan with goals and commitments, a network member,
an event, an intervention, an outcome period, a closing and a reopening, protected identity and an
emergency access). ``insats extract`` as its coordinator writes JSON holding every kind and the case's
access log rows, and a PDF whose text has the Swedish headings; an assessor or a researcher is refused,
and every extract is audited.
"""

from __future__ import annotations

import json
import re
import zlib
from datetime import date, timedelta

import pytest
from sqlalchemy import select

import cli
from services.extract import extract_pdf
from store import cases, groups, transaction, users
from store.models import AuditEntry
from store.outbox import send_to_network
from store.register import SECTIONS, case_record
from store.users import SETUP, actor_for

from .path_helpers import start

D = date(2026, 3, 2)
SAVRY = {f"H{i}": "L" for i in range(1, 11)} | {f"S{i}": "L" for i in range(1, 7)} | {
    f"I{i}": "L" for i in range(1, 9)} | {f"P{i}": "P" for i in range(1, 7)}
GUARDIAN, PHONE = "Maria Hemligsson", "070-111 22 33"


def full_case(s) -> str:
    """One case with every kind of record the store keeps."""
    team = users.add_team(s, SETUP, "SIG Norr")
    users.add_user(s, SETUP, "sam", display_name="Sam", roles=["coordinator"], teams=["SIG Norr"])
    users.add_user(s, SETUP, "asa", display_name="Åsa", roles=["assessor"], teams=["SIG Norr"])
    users.add_user(s, SETUP, "rut", display_name="Rut", roles=["researcher"], teams=["SIG Norr"])
    users.add_user(s, SETUP, "jour", display_name="Jour", roles=["assessor"], teams=["Standard"])
    youth = cases.create_subject(s, SETUP, birth_year=2010, birth_month=4, team_id=getattr(team, "id", team))
    start(s, SETUP, youth, D)
    cases.add_consent(s, SETUP, youth, signed_on=D, signed_by=["youth", "guardian 1"],
                      valid_until=D + timedelta(days=365), actors=["skola", "polis"], categories=["plan"])
    final = cases.finalise(s, SETUP, cases.save_draft(s, SETUP, youth, "savry-like", occasion="baseline",
                                                      assessed_on=D, ratings=SAVRY, judgment="high",
                                                      rationale=f"Samtal med {GUARDIAN}"))
    cases.finalise(s, SETUP, cases.correct(s, SETUP, final, "Fel i en faktor"))
    cases.add_member(s, SETUP, youth, GUARDIAN, "guardian", role="mamma", phone=PHONE)
    cases.add_member(s, SETUP, youth, "Lärare Lind", "school", role="mentor", phone="08-123 456",
                     email="lind@skola.se")
    cases.record_meeting(s, SETUP, youth, cases.MeetingInput(
        D + timedelta(days=3), ["skola", f"{GUARDIAN} (Vårdnadshavare)"], short_goals=["Gå till skolan"],
        goal_owner="youth", commitments=[cases.PlanItem("skola", f"Ringa {GUARDIAN} på {PHONE}",
                                                        D + timedelta(days=10))]))
    send_to_network(s, SETUP, youth.case_code, "plan", on=D + timedelta(days=3), about_on=D + timedelta(days=3),
                    compose=lambda r: ("Insats: ny åtgärdsplan", "Logga in i Insats"))  # a notice to the mentor
    cases.log_event(s, SETUP, youth, "contact", D + timedelta(days=4), note="Ringde hem")
    groups.send_agenda_item(s, SETUP, youth.id, "Skolan vill tala om mentorn", D + timedelta(days=4))
    cases.record_intervention(s, SETUP, youth, "mst", D + timedelta(days=5))
    cases.record_outcome(s, SETUP, youth, period_start=D, period_end=D + timedelta(days=30), police_reports=1)
    cases.close_case(s, SETUP, youth, D + timedelta(days=40), "moved")
    cases.reopen_case(s, SETUP, youth, "Flyttade tillbaka", on=D + timedelta(days=41))
    return youth.case_code


@pytest.fixture
def case(engine, monkeypatch):
    monkeypatch.setenv("INSATS_TODAY", (D + timedelta(days=60)).isoformat())
    monkeypatch.setenv("INSATS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with transaction(engine) as s:
        code = full_case(s)
    with transaction(engine) as s:
        cases.open_in_emergency(s, actor_for(s, "jour"), code, "Polisen ringde om ungdomen i natt")
        cases.protect(s, actor_for(s, "sam"), code, "Familjen har skyddad identitet")
    return code


def pdf_text(data: bytes) -> str:
    """The text of a matplotlib PDF: its content streams' strings (Latin-1), each shown string joined.

    A stream's data runs from the end of line after ``stream`` to where its zlib data ends: the end of line
    before ``endstream`` is not part of it, but its compressed bytes are arbitrary and one stream in 256
    ends in a carriage return itself. Cutting at ``\\r?\\nendstream`` took that byte too, the stream failed
    to decompress and a whole page's text went missing, as often as the random case code made it so."""
    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        inflate = zlib.decompressobj()
        try:
            body = inflate.decompress(stream)
        except zlib.error:
            continue  # not a compressed stream
        assert inflate.eof, "a compressed stream of the PDF ends before its zlib data does"
        for shown in re.findall(rb"\[(.*?)\]\s*TJ|\((.*?)(?<!\\)\)\s*Tj", body, re.S):
            part = shown[0] or shown[1]
            strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)", part) if shown[0] else [part]
            texts.append(b"".join(re.sub(rb"\\(.)", rb"\1", t) for t in strings).decode("latin-1"))
    return "\n".join(texts)


def test_pdf_text_reads_a_page_whose_compressed_bytes_end_in_a_carriage_return():
    """The cause of a page missing from the text now and then (the network page of a protected case's
    plan, issue: the intermittent test_the_documents_of_a_protected_case_name_only_the_professionals):
    a content stream whose zlib data ends in 0x0D, next to one that does not, both read in full."""
    # "!" is 33, an odd number: its count steps zlib's checksum, whose low byte ends the data, through all 256
    pages = [f"BT /F1 8 Tf (Polis Pettersson{'!' * n}) Tj ET".encode() for n in range(256)]
    ends_in_cr = next(p for p in pages if zlib.compress(p).endswith(b"\r"))
    plain = next(p for p in pages if not zlib.compress(p).endswith(b"\r"))
    pdf = b"%PDF-1.4\n" + b"".join(
        b"%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n%b\nendstream\nendobj\n"
        % (n, len(zlib.compress(p)), zlib.compress(p)) for n, p in enumerate((plain, ends_in_cr), 1))
    assert pdf_text(pdf).splitlines() == [re.search(rb"\((.*)\)", p).group(1).decode() for p in (plain, ends_in_cr)]


def test_the_json_holds_every_kind_of_record_and_the_access_log(case, engine, tmp_path):
    out = tmp_path / "utdrag.json"
    assert cli.main(["--as", "sam", "extract", case, "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data) == ["format", "version", "made_on", *SECTIONS]  # stable keys, in order
    assert data["case"]["case_code"] == case and data["case"]["protected"] is True
    empty = [section for section in SECTIONS if section != "case" and not data[section]]
    assert empty == []
    assert [a["version"] for a in data["assessments"]] == [1, 2]  # every version, not only the newest
    assert {d["kind"] for d in data["decisions"]} == {"screening", "answer", "start", "closing", "reopening"}
    log = data["access_log"]
    assert {"who", "at", "action", "entity", "detail"} <= set(log[0])
    assert {("jour", "emergency"), ("sam", "protect"), ("sam", "extract")} <= {(r["who"], r["action"]) for r in log}
    assert any(r["reason"] == "Polisen ringde om ungdomen i natt" for r in log)
    # a protected case: the extract, too, holds no name or number of the family
    text = out.read_text(encoding="utf-8")
    assert GUARDIAN not in text and PHONE not in text and "0701112233" not in text
    assert "Lärare Lind" in text  # the professionals are named


def test_the_pdf_is_in_plain_swedish_and_english_on_request(case, engine, tmp_path):
    out = tmp_path / "utdrag.pdf"
    assert cli.main(["--as", "sam", "extract", case, "--format", "pdf", "-o", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for heading in ("Registerutdrag", "Remisser", "Beslut", "Samtycken", "Bedömningar", "Nätverksmöten",
                    "Händelser", "Utfall", "Vem har läst ärendet"):
        assert heading in text, heading
    assert GUARDIAN not in text
    with transaction(engine) as s:
        record = case_record(s, actor_for(s, "sam"), case)
    english = pdf_text(extract_pdf(record, case, D, "en"))
    assert "Register extract" in english and "Registerutdrag" not in english


@pytest.mark.parametrize("login", ["asa", "rut"])
def test_refused_for_an_assessor_or_researcher_and_audited(case, engine, tmp_path, login, capsys):
    out = tmp_path / "utdrag.json"
    assert cli.main(["--as", login, "extract", case, "-o", str(out)]) == 2
    assert not out.exists()
    with transaction(engine) as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.who == login)).all()
    assert ("refused", "access.case case.extract") in rows or ("refused", "access.role case.extract") in rows


def test_every_extract_is_audited(case, engine, capsys):
    assert cli.main(["--as", "sam", "extract", case, "-o", "-"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["case"]["case_code"] == case
    with transaction(engine) as s:
        extracts = s.scalars(select(AuditEntry.detail).where(AuditEntry.who == "sam",
                                                             AuditEntry.action == "extract")).all()
    assert extracts == ["register extract"]


def test_every_field_the_extract_can_hold_has_words_in_both_languages():
    """A column added to any table the extract reads must get its label, or the PDF fails at the click
    (found by a newcomer's walk: a column from another change had none)."""
    from sqlalchemy import inspect

    from catalogue import STRINGS
    from store import register
    from store.models import Ask, Commitment, Goal, Subject

    models = [model for model, _ in register._BY_SUBJECT.values()] + [Subject, Ask, Goal, Commitment]
    keys = set(register.DECISION_KEYS) | set(register.LOG_KEYS)
    for model in models:
        keys |= {c.key for c in inspect(model).column_attrs if c.key not in register._NOT_SHOWN}
    assert sorted(k for k in keys if set(STRINGS.get(f"extract_field_{k}", {})) != {"sv", "en"}) == []
