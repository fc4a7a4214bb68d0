"""Thousands of generated inputs at every reader. The property, everywhere: a correct result, or a
clear error that names the place (file, line or row, field) - never an unhandled exception (exit
status 1 in the CLI, an exception element in the app), never a partial write.

Each reader gets a few hundred examples per run (``FUZZ_EXAMPLES``); hypothesis remembers failing
examples in ``.hypothesis`` and tries them first next time.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import cli
import instruments
from store import make_engine, transaction, upgrade
from store.models import Assessment, AuditEntry, Referral, Subject
from store.users import add_user

from .actors import SETUP

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))  # per database reader; pure readers get more


def fuzz(factor: float = 1.0) -> settings:
    return settings(max_examples=max(5, int(EXAMPLES * factor)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


FUZZ = fuzz()
SAVRY = (Path(instruments.__file__).parent / "definitions" / "savry-like.yaml").read_bytes()
IRK = (Path(instruments.__file__).parent / "definitions" / "irk-8.yaml").read_bytes()


# -- instrument YAML ------------------------------------------------------------------------------
def _mutate(data: bytes, draw) -> bytes:
    """Real definitions, damaged the ways files get damaged: cut, spliced, bytes flipped or inserted."""
    choice = draw(st.sampled_from(["cut", "insert", "flip", "lines", "encoding", "crlf-bom", "nul"]))
    if choice == "cut":
        return data[:draw(st.integers(0, len(data)))]
    if choice == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=40)) + data[at:]
    if choice == "flip":
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    if choice == "lines":
        lines = data.splitlines(keepends=True)
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        return b"".join(lines)
    if choice == "encoding":
        return data.decode("utf-8").encode(draw(st.sampled_from(["utf-16", "latin-1", "cp1252", "utf-32"])),
                                           errors="replace")
    if choice == "crlf-bom":
        return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    at = draw(st.integers(0, len(data)))
    return data[:at] + b"\x00" + data[at:]


@st.composite
def damaged_definitions(draw) -> bytes:
    return _mutate(draw(st.sampled_from([SAVRY, IRK])), draw)


def bomb(levels: int, width: int) -> bytes:
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return ("\n".join(lines) + "\n").encode()


HOSTILE = {
    "alias bomb 10^9": bomb(10, 10),
    "alias bomb wide": bomb(4, 400),
    "deep nesting": b"x: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "deep mapping": ("".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n").encode(),
    "recursive alias": b"a: &a [*a]\n",
    "huge scalar": b"id: " + b"x" * 3_000_000 + b"\n",
    "python tag": b"id: !!python/object/apply:os.system ['echo hi']\n",
    "NUL bytes": b"id: sav\x00ry\n",
    "UTF-16 with BOM": "id: savry\n".encode("utf-16"),
    "empty": b"",
    "a list": b"- 1\n- 2\n",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_definitions_are_refused_quickly_and_by_name(name):
    with pytest.raises(instruments.InstrumentError) as refused:
        instruments.loads(HOSTILE[name], filename=f"{name}.yaml")
    issue = refused.value.issues[0]
    assert issue.file == f"{name}.yaml" and issue.message


def test_a_bom_and_crlf_do_not_change_a_definition():
    plain = instruments.loads(SAVRY, filename="a.yaml")
    windows = instruments.loads(b"\xef\xbb\xbf" + SAVRY.replace(b"\n", b"\r\n"), filename="b.yaml")
    assert windows.item_ids == plain.item_ids and windows.title == plain.title


@fuzz(7)
@given(damaged_definitions())
def test_damaged_definitions_load_or_name_the_place(raw):
    try:
        inst = instruments.loads(raw, filename="fuzz.yaml")
    except instruments.InstrumentError as exc:
        assert exc.issues and all(i.file == "fuzz.yaml" and i.path and i.message for i in exc.issues)
    else:
        assert inst.items  # a damage that kept it valid: it loads whole


# -- CSV readers through the CLI ------------------------------------------------------------------
cells = st.one_of(st.sampled_from(["", "L", "M", "H", "P", "A", "NA", "ja", "nej", "2026-01-10", "SIG-AAA111",
                                   "sig-aaa111", "SIG-" + "X" * 40, "baseline", "ivar.intake", "someone.else",
                                   "polis", "skola", "=1+1", '"', ",", "\n", "\r\n", "\x00", "é", "\ufeff",
                                   # numbers and bytes no store may keep (#20 item 9), and personnummer
                                   # as case codes (#20 item 5)
                                   "inf", "-inf", "nan", "1e400", "99999999999999999999", "-1", "1000001", "2,5",
                                   "a\x00b", "\x1b[2J", "\x07", "\x7f", "\u0085", "tab\there",
                                   "20100101-0006", "100101-0006", "1001010006", "100161-0006", "SIG-100101-0006"]),
                  st.text(max_size=12))


@st.composite
def csv_files(draw, header: list[str]) -> bytes:
    columns = draw(st.one_of(st.just(header), st.lists(st.sampled_from([*header, "x", "", "rater", "id"]),
                                                       max_size=len(header) + 2)))
    rows = draw(st.lists(st.lists(cells, min_size=len(columns), max_size=len(columns)), max_size=8))
    out = io.StringIO()
    import csv

    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace")


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.err


SAVRY_HEADER = ["id", *instruments.load("savry-like").item_ids[:6], "judgment"]


@fuzz(2)
@given(csv_files(SAVRY_HEADER))
def test_score_reads_any_csv_or_names_the_problem(capsys, raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "responses.csv"
        path.write_bytes(raw)
        out = Path(folder) / "scores.csv"
        code, err = _run(capsys, "score", "--instrument", "savry-like", str(path), "--output", str(out))
    assert code in (0, 2), err
    if code == 2:
        assert "responses.csv" in err and not out.exists()


@pytest.fixture(scope="module")
def register_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzzdb")
    url = f"sqlite:///{folder / 'insats.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        add_user(s, SETUP, "ivar.intake", display_name="Ivar", roles=["intake", "coordinator"], teams=["Standard"])
    yield url, engine
    engine.dispose()


REGISTER_HEADER = ["case_code", "source", "received_on", "suitable", "decided_on", "asked_on", "answer",
                   "answered_on"]


def _counts(engine) -> tuple[int, ...]:
    from store.models import Member, Outcome

    with transaction(engine) as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Subject, Referral, Assessment, Outcome,
                                                                             Member))


def _import(register_db, capsys, monkeypatch, raw: bytes, name: str, *argv: str) -> None:
    """Run an import of ``raw`` as ``name``: it succeeds, or it names the file and the database is
    exactly as before (nothing half-written)."""
    url, engine = register_db
    monkeypatch.setenv("INSATS_DATABASE_URL", url)
    before = _counts(engine)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(raw)
        code, err = _run(capsys, "--as", "ivar.intake", *argv, str(path))
    assert code in (0, 2), err
    if code == 2:
        assert name in err and _counts(engine) == before


@FUZZ
@given(raw=csv_files(REGISTER_HEADER))
def test_referral_register_imports_whole_or_not_at_all(register_db, capsys, monkeypatch, raw):
    _import(register_db, capsys, monkeypatch, raw, "register.csv", "referrals", "import")
    _nothing_forbidden_stored(register_db[1])


OUTCOME_HEADER = ["case_code", "period_start", "period_end", "police_reports", "placement", "placement_days",
                  "placement_cost", "occupation", "attendance", "outpatient_cost"]


@FUZZ
@given(raw=csv_files(OUTCOME_HEADER))
def test_outcome_import_imports_whole_or_not_at_all(register_db, capsys, monkeypatch, raw):
    _import(register_db, capsys, monkeypatch, raw, "outcomes.csv", "outcomes", "import")
    _nothing_forbidden_stored(register_db[1])


@FUZZ
@given(raw=csv_files(["case_code", "name", "organisation", "role", "from", "to", "phone"]))
def test_member_import_imports_whole_or_not_at_all(register_db, capsys, monkeypatch, raw):
    _import(register_db, capsys, monkeypatch, raw, "members.csv", "members", "import")
    _nothing_forbidden_stored(register_db[1])


def _nothing_forbidden_stored(engine) -> None:
    """Whatever an import let in keeps the rules: no case code holding a personnummer, every number
    finite and in range, no control character in text."""
    from store.identity import looks_like_pnr
    from store.input_rules import MAX_COST, MAX_COUNT, text_problem
    from store.models import Member, Outcome

    with transaction(engine) as s:
        assert not [c for c in s.scalars(select(Subject.case_code)) if looks_like_pnr(c)]
        for o in s.scalars(select(Outcome)):
            assert all(0 <= n <= MAX_COUNT for n in (o.police_reports, o.placement_days))
            assert all(c is None or (math.isfinite(c) and 0 <= c <= MAX_COST)
                       for c in (o.placement_cost, o.outpatient_cost))
        texts = [*s.scalars(select(Referral.suitable_reason)), *s.scalars(select(Member.name)),
                 *s.scalars(select(Member.role))]
        assert not [t for t in texts if t and text_problem(t, free_text=True)]


@pytest.fixture(scope="module")
def pg_register_db(postgres_server):
    """The register database on a throwaway PostgreSQL: what SQLite keeps (a NUL byte, an infinite
    number, a twenty-digit count) PostgreSQL refuses mid-transaction, so both engines are fuzzed."""
    from .conftest import _pg_database

    for url in _pg_database(postgres_server):
        engine = make_engine(url)
        with transaction(engine) as s:
            add_user(s, SETUP, "ivar.intake", display_name="Ivar", roles=["intake", "coordinator"],
                     teams=["Standard"])
        yield url, engine
        engine.dispose()


@fuzz(0.3)
@given(raw=csv_files(REGISTER_HEADER))
def test_referral_register_on_postgresql_imports_whole_or_not_at_all(pg_register_db, capsys, monkeypatch, raw):
    _import(pg_register_db, capsys, monkeypatch, raw, "register.csv", "referrals", "import")
    _nothing_forbidden_stored(pg_register_db[1])


@fuzz(0.3)
@given(raw=csv_files(OUTCOME_HEADER))
def test_outcome_import_on_postgresql_imports_whole_or_not_at_all(pg_register_db, capsys, monkeypatch, raw):
    _import(pg_register_db, capsys, monkeypatch, raw, "outcomes.csv", "outcomes", "import")
    _nothing_forbidden_stored(pg_register_db[1])


@fuzz(0.3)
@given(raw=csv_files(["case_code", "name", "organisation", "role", "from", "to", "phone"]))
def test_member_import_on_postgresql_imports_whole_or_not_at_all(pg_register_db, capsys, monkeypatch, raw):
    _import(pg_register_db, capsys, monkeypatch, raw, "members.csv", "members", "import")
    _nothing_forbidden_stored(pg_register_db[1])


@fuzz(0.3)
@given(raw=csv_files(["subject_id", "occasion", "assessed_on", "rater", *instruments.load("savry-like").item_ids[:5]]))
def test_assessment_import_on_postgresql_imports_whole_or_not_at_all(pg_register_db, capsys, monkeypatch, raw):
    _import(pg_register_db, capsys, monkeypatch, raw, "ratings.csv", "assessments", "import", "--instrument",
            "savry-like", "--create-subjects")
    _nothing_forbidden_stored(pg_register_db[1])


@FUZZ
@given(raw=csv_files(["subject_id", "occasion", "assessed_on", "rater", *instruments.load("savry-like").item_ids[:5]]))
def test_assessment_import_imports_whole_or_not_at_all(register_db, capsys, monkeypatch, raw):
    _import(register_db, capsys, monkeypatch, raw, "ratings.csv", "assessments", "import", "--instrument",
            "savry-like", "--create-subjects")


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                           lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=20)
ratings = st.dictionaries(st.sampled_from([*instruments.load("savry-like").item_ids[:8], "Z9", ""]),
                          json_values | st.sampled_from(["L", "M", "H", "P", "A"]), max_size=8)


@fuzz(2)
@given(assessment=st.one_of(json_values, st.fixed_dictionaries({"ratings": ratings}, optional={
    "judgment": json_values | st.sampled_from(["low", "moderate", "high"])})),
       profile=st.one_of(st.none(), json_values, st.dictionaries(st.sampled_from(
           ["age", "motivation", "adhd", "language", "mental_health", "x"]), json_values, max_size=4)))
def test_match_reads_any_json_or_names_the_problem(capsys, assessment, profile):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "assessment.json"
        path.write_text(json.dumps(assessment, allow_nan=True))
        argv = ["match", "--instrument", "savry-like", str(path)]
        if profile is not None:
            (Path(folder) / "profile.json").write_text(json.dumps(profile))
            argv += ["--profile", str(Path(folder) / "profile.json")]
        code, err = _run(capsys, *argv)
    assert code in (0, 2), err
    if code == 2:
        assert "assessment.json" in err or "profile.json" in err


# -- uploads in the app ---------------------------------------------------------------------------
@fuzz(0.1)
@given(raw=st.one_of(damaged_definitions(), st.sampled_from(list(HOSTILE.values()))))
def test_instrument_upload_shows_errors_not_exceptions(app_env, raw):
    from .app_helpers import no_trace, open_page

    at = open_page("instruments")
    at.file_uploader(key="instrument_upload").set_value(("fuzz.yaml", raw, "application/x-yaml")).run()
    no_trace(at)
    assert at.error or at.success


@fuzz(0.1)
@given(raw=csv_files(REGISTER_HEADER))
def test_register_upload_shows_errors_not_exceptions(app_env, raw):
    from .app_helpers import no_trace, open_page

    engine = make_engine(app_env)
    before = _counts(engine)
    at = open_page("intake", intake_view="bulk_import")
    at.file_uploader(key="import_upload").set_value(("register.csv", raw, "text/csv")).run()
    no_trace(at)
    go = [b for b in at.button if b.key == "import_go"]
    if go:
        go[0].click().run()
        no_trace(at)
    else:
        assert at.error
        assert _counts(engine) == before
    engine.dispose()


def test_uploads_over_the_limits_are_refused_with_the_limit(app_env, monkeypatch):
    from .app_helpers import open_page, texts

    monkeypatch.setenv("INSATS_MAX_UPLOAD_MB", "1")
    at = open_page("intake", intake_view="bulk_import")
    big = (",".join(REGISTER_HEADER) + "\n" + "SIG-AAA111,polis,2026-01-10,,,,,\n" * 40_000).encode()
    at.file_uploader(key="import_upload").set_value(("big.csv", big, "text/csv")).run()
    assert "1 MB" in texts(at, "error") and not [b for b in at.button if b.key == "import_go"]
    monkeypatch.setenv("INSATS_MAX_UPLOAD_MB", "10")
    monkeypatch.setenv("INSATS_MAX_ROWS", "1000")
    at.file_uploader(key="import_upload").set_value(("big.csv", big, "text/csv")).run()
    assert "1 000" in texts(at, "error") or "1000" in texts(at, "error")
    assert not [b for b in at.button if b.key == "import_go"]


@pytest.fixture(scope="module")
def app_env(tmp_path_factory):
    from .app_helpers import TODAY, make_database

    folder = tmp_path_factory.mktemp("fuzzapp")
    saved = {k: os.environ.get(k) for k in ("INSATS_DATA_DIR", "INSATS_TODAY", "INSATS_DATABASE_URL")}
    os.environ["INSATS_DATA_DIR"] = str(folder)
    os.environ["INSATS_TODAY"] = TODAY.isoformat()
    os.environ.pop("INSATS_DATABASE_URL", None)
    url = make_database(folder)
    yield url
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_the_audit_chain_is_intact_after_the_fuzzing(register_db):
    from store.audit import verify

    from .actors import ADMIN

    _, engine = register_db
    with transaction(engine) as s:
        checked, problems = verify(s, ADMIN)
        assert problems == [] and checked == s.scalar(select(func.count()).select_from(AuditEntry))


def test_the_audit_chain_is_intact_after_the_fuzzing_on_postgresql(pg_register_db):
    from store.audit import verify

    from .actors import ADMIN

    _, engine = pg_register_db
    with transaction(engine) as s:
        checked, problems = verify(s, ADMIN)
        assert problems == [] and checked == s.scalar(select(func.count()).select_from(AuditEntry))
