"""Fixtures: every store test runs on SQLite and on a real, throwaway PostgreSQL."""

from __future__ import annotations

import functools
import itertools
import os
import shutil

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from streamlit.components.v2 import manifest_scanner

from store import Actor, make_engine, upgrade, users

from .pg import Cluster

os.environ.setdefault("INSATS_SECRET_KEY", "test-secret-key-not-for-production-key-0123456789-abcdefghijklmnop")
os.environ.setdefault("INSATS_AUDIT_KEY", "test-audit-key-kept-apart-from-the-database-0123456789")
_counter = itertools.count()

# Two costs every test run paid hundreds of times over, for nothing a test looks at (make test-fast):
# - Each new AppTest scans every installed distribution for Streamlit components (about 0.15 s of CPU
#   per page test). The installed packages do not change during a run: scan once per process.
_scan_once = functools.cache(manifest_scanner.scan_component_manifests)
manifest_scanner.scan_component_manifests = lambda max_workers=None: list(_scan_once())
# - argon2id with its production cost takes a quarter of a second of CPU per hash or check, and tests log in
#   and set passwords hundreds of times. The same algorithm at a low cost: what the tests check (an argon2id
#   hash, never the password; a wrong one fails; lock-outs) is unchanged. The app keeps argon2-cffi's defaults.
users._hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


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


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A migrated, empty SQLite file, made once per test process: alembic loads and runs every migration
    script each time, which cost more than the copy each test now takes."""
    path = tmp_path_factory.mktemp("migrated") / "insats.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection's close folds the WAL into the file: one file to copy
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A freshly migrated, empty database URL on each engine."""
    if request.param == "sqlite":
        target = tmp_path / "insats.sqlite"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), target)
        yield f"sqlite:///{target}"
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


# Single tests left to `make test` (where each still runs): property searches over hundreds of examples and
# bulk volumes, whose areas keep quicker tests in the fast loop.
SLOW_TESTS = {
    "test_privacy::test_every_combination_holds_at_least_k_youths_and_only_rare_rows_change",  # 150 cohorts
    "test_followup::test_splitting_a_period_at_the_start_never_changes_a_total",  # 300 periods
    "test_caseload::test_member_imports_are_all_or_nothing_and_idempotent",  # 25 registers, a database each
    "test_caseload::test_the_table_agrees_with_a_case_by_case_reference",  # 60 caseloads
    "test_engine::test_engine_equals_reference_on_random_instruments",  # 150 instruments
    "test_matching::test_removing_a_need_never_adds_an_intervention_for_it",  # 60 profiles, each matched again per need
    "test_concern_clocks::test_each_clock_per_row_and_for_a_frame_agree",  # 80 cohorts
    "test_store_imports::test_a_register_larger_than_the_postgresql_parameter_limit_imports",  # 66 000 rows
}
# Page sweeps: the fast loop keeps the pages named here; the rest of each sweep runs in `make test`. Every
# page still opens once in the fast loop, in Swedish on the demo cohort, in
# test_translations::test_a_swedish_page_has_no_raw_code_english_sentence_or_dot_decimal (which fails on any
# exception too); "groups" and "instruments" are the pages that sweep does not open.
SWEEPS_KEEP = {
    "test_app_pages::test_every_page_runs_on_an_empty_database": {"assessment"},
    "test_app_pages::test_every_page_runs_on_the_demo_cohort": {"groups", "instruments"},
    "test_translations::test_no_page_shows_a_raw_identifier_in_either_language": {"case"},
}


def _slow_test(module: str, item: pytest.Item) -> bool:
    name = f"{module}::{getattr(item, 'originalname', item.name)}"
    keep = SWEEPS_KEEP.get(name)
    return name in SLOW_TESTS or (keep is not None and item.callspec.id not in keep)


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if marker := SLOW_MODULES.get(module):
            item.add_marker(marker)
        if _slow_test(module, item):
            item.add_marker("slow")
        on_pg = "postgresql" in getattr(getattr(item, "callspec", None), "params", {}).values()
        if on_pg or "postgres_server" in item.fixturenames or "pg_engine" in item.fixturenames:
            item.add_marker("pg")
        if hasattr(item.module, "sync_playwright") or "chromium" in vars(item.module):
            item.add_marker("browser")
