"""Log-in, lock-out, users and teams: in the store (both engines), in the CLI and in the app (AppTest)."""

from __future__ import annotations

import io
import re
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

import cli
from forms import auth
from store import make_engine, transaction
from store.models import AuditEntry, User
from store.users import (
    SETUP,
    UserError,
    actor_for,
    actor_for_claim,
    add_user,
    authenticate,
    deactivate,
    set_password,
)

from .app_helpers import ROOT, USER, logged_in, make_database, texts

PASSWORD = "korrekt häst batteri"
NOW = datetime(2026, 11, 23, 9, 0)


def _audit(engine, action: str) -> list[tuple[str, str | None]]:
    with transaction(engine) as s:
        return [tuple(r) for r in s.execute(select(AuditEntry.who, AuditEntry.detail)
                                            .where(AuditEntry.action == action).order_by(AuditEntry.id))]


@pytest.fixture
def anna(engine):
    with transaction(engine) as s:
        add_user(s, SETUP, "anna", display_name="Anna", roles=["assessor"], teams=["Standard"], password=PASSWORD)
    return "anna"


def test_a_local_account_logs_in_with_argon2id(engine, anna):
    with transaction(engine) as s:
        actor = authenticate(s, "anna", PASSWORD, now=NOW)
        user = s.scalar(select(User).where(User.login == "anna"))
        assert actor.who == "anna" and actor.roles == {"assessor"} and actor.teams == {1}
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert user.last_login_at == NOW
    assert _audit(engine, "login") == [("anna", "local")]


def test_unknown_user_and_wrong_password_get_the_same_answer_and_are_audited(engine, anna):
    with transaction(engine) as s:
        assert authenticate(s, "nobody", PASSWORD, now=NOW) is None
        assert authenticate(s, "anna", "wrong password!!", now=NOW) is None
    [(unknown, why), known] = _audit(engine, "login_failed")
    assert known == ("anna", "wrong password") and why == "unknown user"
    assert re.fullmatch(r"unknown:[0-9a-f]{16}", unknown) and "nobody" not in unknown


def test_what_was_typed_as_a_user_name_never_reaches_the_log(engine, anna):
    """A password or a personnummer typed into the user-name field: the log keeps a keyed hash, the same
    for the same text (a guessing attack stays visible), never the text."""
    typed = [PASSWORD, "20100101-0006", PASSWORD]
    with transaction(engine) as s:
        for text_typed in typed:
            assert authenticate(s, text_typed, "whatever it is", now=NOW) is None
    with transaction(engine) as s:
        rows = s.execute(select(AuditEntry.who, AuditEntry.detail)).all()
    logged = " ".join(f"{who} {detail}" for who, detail in rows)
    assert PASSWORD not in logged and "20100101" not in logged and "100101-0006" not in logged
    names = [who for who, _ in _audit(engine, "login_failed")]
    assert names[0] == names[2] != names[1]


def test_five_failures_lock_the_account_for_fifteen_minutes(engine, anna):
    for i in range(5):
        with transaction(engine) as s:
            assert authenticate(s, "anna", f"wrong password {i}", now=NOW) is None
    with transaction(engine) as s:
        assert authenticate(s, "anna", PASSWORD, now=NOW + timedelta(minutes=14)) is None  # locked: even right
    with transaction(engine) as s:
        assert authenticate(s, "anna", PASSWORD, now=NOW + timedelta(minutes=16)) is not None
    assert [who for who, _ in _audit(engine, "lockout")] == ["anna"]
    assert _audit(engine, "login_failed")[-1] == ("anna", "locked")


def test_passwords_need_twelve_characters_and_a_deactivated_user_cannot_act(engine, anna):
    with transaction(engine) as s, pytest.raises(UserError, match="12 characters"):
        set_password(s, SETUP, "anna", "kort")
    with transaction(engine) as s:
        deactivate(s, SETUP, "anna")
    with transaction(engine) as s:
        assert authenticate(s, "anna", PASSWORD, now=NOW) is None
        with pytest.raises(UserError):
            actor_for(s, "anna")
        assert actor_for_claim(s, "anna", now=NOW) is None  # OIDC: known to the provider, not to Insats
    assert _audit(engine, "login_failed")[-1] == ("anna", "deactivated")
    assert _audit(engine, "login_refused") == [("anna", "oidc: deactivated")]


def test_an_oidc_claim_maps_to_its_user_and_an_unknown_one_is_refused(engine):
    with transaction(engine) as s:
        add_user(s, SETUP, "bo", display_name="Bo", roles=["coordinator"], subject="bo@kommun.se")
        assert actor_for_claim(s, "bo@kommun.se", now=NOW).who == "bo"
        assert actor_for_claim(s, "eve@elsewhere", now=NOW) is None
    assert _audit(engine, "login_refused") == [("eve@elsewhere", "oidc: no active user for this identity")]


# -- the CLI ---------------------------------------------------------------------------------------
@pytest.fixture
def cli_db(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'insats.sqlite'}"
    monkeypatch.setenv("INSATS_DATABASE_URL", url)
    monkeypatch.delenv("INSATS_USER", raising=False)
    yield make_engine(url)


def test_the_first_admin_needs_no_as_then_user_commands_need_an_admin(cli_db, capsys, monkeypatch):
    assert cli.main(["users", "add", "ida", "--name", "Ida", "--role", "intake"]) == 2
    assert "first user must be an admin" in capsys.readouterr().err
    assert cli.main(["users", "add", "ada", "--name", "Ada", "--role", "admin"]) == 0
    assert cli.main(["users", "add", "ida", "--name", "Ida", "--role", "intake"]) == 2
    assert "say who is acting" in capsys.readouterr().err
    assert cli.main(["teams", "add", "SIG Väst", "--as", "ada"]) == 0  # --as before or after the command
    assert cli.main(["--as", "ada", "users", "add", "ida", "--name", "Ida", "--role", "intake", "--team",
                     "SIG Väst"]) == 0
    assert cli.main(["--as", "ida", "users", "add", "eve", "--name", "Eve", "--role", "admin"]) == 2
    assert "nekad (access.role): Din roll får inte göra detta" in capsys.readouterr().err  # --lang sv by default
    assert cli.main(["--as", "nobody", "users", "list"]) == 2
    assert "Det finns ingen aktiv användare nobody. Inget har ändrats." in capsys.readouterr().err
    assert cli.main(["--lang", "en", "--as", "nobody", "users", "list"]) == 2
    assert "There is no active user nobody" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    assert cli.main(["--as", "ada", "users", "passwd", "ida", "--password-stdin"]) == 0
    capsys.readouterr()
    assert cli.main(["--as", "ada", "users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "ida" in listing and "intake" in listing and "SIG Väst" in listing and "Eve" not in listing
    assert cli.main(["--as", "ada", "users", "deactivate", "ida"]) == 0
    assert cli.main(["--as", "ida", "report", "funnel"]) == 2  # a deactivated user acts no more
    with transaction(cli_db) as s:
        assert authenticate(s, "ida", PASSWORD) is None
        refused = s.execute(select(AuditEntry.who, AuditEntry.detail).where(AuditEntry.action == "refused")).all()
    assert [tuple(r) for r in refused] == [("ida", "access.role user.manage")]


def test_cases_are_assigned_to_a_team_and_assessors(cli_db, capsys):
    assert cli.main(["users", "add", "ada", "--name", "Ada", "--role", "admin"]) == 0
    assert cli.main(["--as", "ada", "teams", "add", "SIG Öst"]) == 0
    assert cli.main(["--as", "ada", "users", "add", "sam", "--name", "Sam", "--role", "coordinator", "--role",
                     "intake", "--team", "Standard"]) == 0
    assert cli.main(["--as", "ada", "users", "add", "vera", "--name", "Vera", "--role", "assessor", "--team",
                     "SIG Öst"]) == 0
    with transaction(cli_db) as s:
        from store import cases

        code = cases.create_subject(s, actor_for(s, "sam")).case_code
    assert cli.main(["--as", "sam", "cases", "assign", code.lower(), "--assessor", "vera"]) == 0
    with transaction(cli_db) as s:
        from store import views

        assert views.case_overview(s, actor_for(s, "vera"), code, NOW.date()).case_code == code  # assigned
    assert cli.main(["--as", "sam", "cases", "assign", code, "--team", "SIG Öst"]) == 2  # not sam's team
    assert cli.main(["--as", "ada", "cases", "assign", code, "--team", "SIG Öst"]) == 0
    capsys.readouterr()
    assert cli.main(["--as", "ada", "teams", "list"]) == 0
    rows = {line.split("  ")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert rows["SIG Öst"].endswith("1 users       1 cases") and rows["Standard"].endswith("0 cases")


# -- the app ---------------------------------------------------------------------------------------
@pytest.fixture
def app_db(tmp_path, monkeypatch):
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    monkeypatch.delenv("INSATS_AUTH", raising=False)
    engine = make_engine(make_database(tmp_path))
    with transaction(engine) as s:
        set_password(s, SETUP, USER, PASSWORD)
        add_user(s, SETUP, "ivar", display_name="Ivar", roles=["intake"], teams=["Standard"])
    yield engine
    engine.dispose()


def _fresh() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return at


def test_the_app_asks_for_a_log_in_and_shows_nothing_before_it(app_db):
    at = _fresh()
    assert at.title[0].value == "Logga in i Insats"
    assert not at.dataframe and "Inkorg" not in texts(at, "markdown")
    at.text_input(key="login_user").input(USER)
    at.text_input(key="login_password").input("fel lösenord igen")
    at.button[0].click().run()
    assert "Fel användarnamn eller lösenord" in texts(at, "error")
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Översikt"  # a coordinator's day starts on the overview
    assert "Inloggad: **Test Samordnare**" in texts(at, "markdown") and USER in texts(at, "caption")
    assert "mottagning" in texts(at, "caption") and "SIG-samordnare" in texts(at, "caption")


def test_idle_timeout_and_log_out_ask_for_log_in_again(app_db, monkeypatch):
    monkeypatch.setenv("INSATS_IDLE_MINUTES", "30")
    at = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.run()
    assert at.title[0].value == "Översikt"  # a coordinator's day starts on the overview
    at.session_state[auth.STATE]["last_seen"] = time.time() - 31 * 60  # half an hour without a click
    at.run()
    assert at.title[0].value == "Logga in i Insats" and "inaktiv för länge" in texts(at, "info")
    at = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.run()
    at.button(key="logout").click().run()
    assert at.title[0].value == "Logga in i Insats" and "utloggad" in texts(at, "info")
    assert [detail for _, detail in _audit(app_db, "logout")] == ["idle timeout", "log-out"]


def test_a_deactivated_or_unknown_user_sees_no_access(app_db):
    at = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.run()
    with transaction(app_db) as s:
        deactivate(s, SETUP, USER)
    at.run()  # the next click
    assert at.title[0].value == "Ingen behörighet" and "kontakta din administratör" in texts(at, "error")
    at = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), "no.such.user")
    at.run()
    assert at.title[0].value == "Ingen behörighet" and not at.dataframe


def test_an_intake_worker_gets_the_referral_side_only(app_db):
    at = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), "ivar")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("forms/pages/assessment.py")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("forms/pages/log.py")
    at.switch_page("forms/pages/case.py")
    at.run()
    assert not at.exception
