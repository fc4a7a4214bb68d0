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
