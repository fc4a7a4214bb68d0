"""`make run`'s command: `insats serve --demo-if-empty` migrates, seeds an empty database once, serves."""

from __future__ import annotations

import urllib.request

from sqlalchemy import func, select

from store import make_engine, transaction
from store.models import Subject

from .browser import AppServer

SERVE_KEY = "serve-test-key-0123456789-abcdefghijklmnop"


def count_subjects(directory) -> tuple[int, int]:
    engine = make_engine(f"sqlite:///{directory / 'insats.sqlite'}")
    with transaction(engine) as s:
        total = s.scalar(select(func.count()).select_from(Subject))
        synthetic = s.scalar(select(func.count()).select_from(Subject).where(Subject.synthetic.is_(True)))
    engine.dispose()
    return total, synthetic


def test_serve_seeds_an_empty_database_once_and_answers(tmp_path):
    for first in (True, False):  # the second start finds cases and adds nothing
        server = AppServer(tmp_path, {"INSATS_SECRET_KEY": SERVE_KEY}, launcher="insats", extra=("--demo-if-empty",))
        server.start()
        try:
            with urllib.request.urlopen(server.url, timeout=10) as response:
                assert response.status == 200
        finally:
            server.stop()
        assert count_subjects(tmp_path) == (200, 200)
        log = (tmp_path / "server.log").read_text()
        assert ("added the synthetic demo cohort" in log) is first
        assert ("DEMO ONLY" in log and "demo.admin" in log) is first  # the demo log-ins, printed once


def test_a_local_trial_without_a_key_makes_its_own_trial_key_once(tmp_path):
    """`make run` on a fresh machine sets no INSATS_SECRET_KEY (a referrer's first send was refused for want
    of one): the trial makes a key of its own in the data folder (owner-only) and says so at the start; the
    second start uses the same key, so the numbers stored in between stay readable."""
    import stat

    from store.identity import key_id, key_problem

    keys = []
    for _ in range(2):
        server = AppServer(tmp_path, {"INSATS_SECRET_KEY": ""}, launcher="insats", extra=("--demo-if-empty",))
        server.start()
        server.stop()
        log = (tmp_path / "server.log").read_text()
        assert "this local trial encrypts personnummer with the trial key" in log, log[-800:]
        key_file = tmp_path / "trial-secret.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        keys.append(key_id(key_file.read_text().strip()))
        assert key_problem(key_file.read_text().strip()) is None  # as strong as `insats keys new`
    assert keys[0] == keys[1]
