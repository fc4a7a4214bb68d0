"""Fixtures: every store test runs on SQLite and on a real, throwaway PostgreSQL."""

from __future__ import annotations

import itertools
import os

import pytest
from sqlalchemy import create_engine, text

from store import Actor, make_engine, upgrade

from .pg import Cluster

os.environ.setdefault("INSATS_SECRET_KEY", "test-secret-key-not-for-production-key-0123456789-abcdefghijklmnop")
os.environ.setdefault("INSATS_AUDIT_KEY", "test-audit-key-kept-apart-from-the-database-0123456789")
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_server():
    cluster = Cluster()
    url = cluster.start()
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE insats_template"))
    template_url = url.rsplit("/", 1)[0] + "/insats_template"
    template = make_engine(template_url)
    upgrade(template)
    template.dispose()
    yield url, admin
    admin.dispose()
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A freshly migrated, empty database URL on each engine."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'insats.sqlite'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    yield from _pg_database(request.getfixturevalue("postgres_server"))


def _pg_database(server):
    """A migrated database copied from the session's template, dropped afterwards."""
    server_url, admin = server
    name = f"t{os.getpid()}_{next(_counter)}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE insats_template"))
    yield server_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(postgres_server):
    """For what only PostgreSQL has (TRUNCATE, pg_dump): no SQLite run that would have to skip."""
    for url in _pg_database(postgres_server):
        eng = make_engine(url)
        yield eng
        eng.dispose()


DEFAULT_TEAM_ID = 1  # "Standard", made by migration 0002


@pytest.fixture
def assessor() -> Actor:
    """A social worker of a small municipality: intake, assessor and coordinator in the default team."""
    return Actor("anna.assessor", {"intake", "assessor", "coordinator"}, {DEFAULT_TEAM_ID})


@pytest.fixture
def app_engine(tmp_path, monkeypatch):
    """An empty app database with the AppTest users, and the environment an ``open_page`` run reads."""
    from .app_helpers import TODAY, make_database

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    eng = make_engine(make_database(tmp_path))
    yield eng
    eng.dispose()


# The markers a quick run leaves out (`make test-fast`): decided here from what a test uses, so a new
# test is marked by its fixtures and imports without anyone remembering to.
SLOW_MODULES = {"test_soak": "soak", "test_fuzz": "slow", "test_store_reliability": "slow", "test_serve": "slow",
                "test_research_cli": "slow",  # starts a CLI process per case
                "test_outbox_serve": "slow"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if marker := SLOW_MODULES.get(module):
            item.add_marker(marker)
        on_pg = "postgresql" in getattr(getattr(item, "callspec", None), "params", {}).values()
        if on_pg or "postgres_server" in item.fixturenames or "pg_engine" in item.fixturenames:
            item.add_marker("pg")
        if hasattr(item.module, "sync_playwright") or "chromium" in vars(item.module):
            item.add_marker("browser")
