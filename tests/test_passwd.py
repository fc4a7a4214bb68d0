"""`insats users passwd` (#20 item 12): `--as` is a claim, not a log-in, so naming a login is not
enough to take over its password. Another user's password is an admin's task; one's own needs the
old password, typed in a terminal."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

import cli
from cli import users as users_cli
from store import make_engine, transaction, upgrade
from store.models import AuditEntry
from store.users import SETUP, UserError, actor_for, add_user, authenticate, set_password

OLD, NEW = "gammalt-lösen-123", "nytt-lösen-45678"


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'insats.sqlite'}"
    monkeypatch.setenv("INSATS_DATABASE_URL", url)
    monkeypatch.delenv("INSATS_USER", raising=False)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        add_user(s, SETUP, "ada", display_name="Ada", roles=["admin"], password=OLD)
        add_user(s, SETUP, "bea", display_name="Bea", roles=["assessor"], teams=["Standard"], password=OLD)
    yield engine
    engine.dispose()


def logs_in(engine, login: str, password: str) -> bool:
    with transaction(engine) as s:
        return authenticate(s, login, password) is not None


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def typed(monkeypatch, *answers: str) -> None:
    """A person at a terminal typing these answers to the prompts, in order."""
    monkeypatch.setattr("sys.stdin", Terminal())
    queue = list(answers)
    monkeypatch.setattr(users_cli.getpass, "getpass", lambda prompt="": queue.pop(0))


def test_a_script_cannot_set_its_claimed_users_password(db, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW + "\n"))
    assert cli.main(["users", "passwd", "bea", "--as", "bea", "--password-stdin"]) == 2
    assert "needs the old one, typed in a terminal" in capsys.readouterr().err
    assert logs_in(db, "bea", OLD) and not logs_in(db, "bea", NEW)


def test_another_users_password_is_an_admins_task(db, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW + "\n"))
    assert cli.main(["users", "passwd", "ada", "--as", "bea", "--password-stdin"]) == 2
    assert "nekad (access.role)" in capsys.readouterr().err
    assert logs_in(db, "ada", OLD)
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW + "\n"))
    assert cli.main(["users", "passwd", "bea", "--as", "ada", "--password-stdin"]) == 0
    assert logs_in(db, "bea", NEW)


def test_ones_own_password_with_the_old_one_at_a_terminal(db, monkeypatch, capsys):
    typed(monkeypatch, OLD, NEW, NEW)
    assert cli.main(["users", "passwd", "bea", "--as", "bea"]) == 0
    assert logs_in(db, "bea", NEW)


def test_a_wrong_old_password_changes_nothing_and_is_logged(db, monkeypatch, capsys):
    typed(monkeypatch, "gissat-lösenord", NEW, NEW)
    assert cli.main(["users", "passwd", "ada", "--as", "ada"]) == 2  # an admin too: own needs the old one
    assert "Det gamla lösenordet stämmer inte" in capsys.readouterr().err
    assert logs_in(db, "ada", OLD) and not logs_in(db, "ada", NEW)
    with transaction(db) as s:
        row = s.execute(select(AuditEntry).where(AuditEntry.action == "refused")).scalars().one()
    assert (row.who, row.entity) == ("ada", "user") and "old one was wrong" in row.detail


def test_the_store_asks_for_the_old_password_whoever_calls_it(db):
    with pytest.raises(UserError, match="old password is wrong"), transaction(db) as s:
        set_password(s, actor_for(s, "bea"), "bea", NEW)
    with transaction(db) as s:
        set_password(s, actor_for(s, "bea"), "bea", NEW, old_password=OLD)
    assert logs_in(db, "bea", NEW)
