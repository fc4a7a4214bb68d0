"""``insats serve`` sends the outbox in the background (#23 item 3): a notice queued before the start
arrives at a real SMTP server on 127.0.0.1 while the app serves, and the server stops cleanly with the
sender inside it."""

from __future__ import annotations

import time
import urllib.request

from sqlalchemy import select

from store import make_engine, transaction, upgrade
from store.models import OutboxMessage

from .browser import AppServer
from .pg import free_port
from .test_outbox import TODAY, make_group, queue, smtp_server


def test_serve_sends_the_queued_notices_in_the_background_and_stops_cleanly(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'insats.sqlite'}")
    upgrade(engine)
    make_group(engine)
    queue(engine)
    port = free_port()
    controller, inbox = smtp_server(port)
    server = AppServer(tmp_path, {"INSATS_SMTP_URL": f"smtp://127.0.0.1:{port}", "INSATS_MAIL_FROM": "insats@kommun.se",
                                  "INSATS_TODAY": TODAY.isoformat()}, launcher="insats")
    try:
        server.start()
        waited = time.monotonic()
        while len(inbox.messages) < 2 and time.monotonic() - waited < 30:
            time.sleep(0.2)
        with urllib.request.urlopen(server.url, timeout=10) as response:
            assert response.status == 200  # still serving, with the sender running beside it
    finally:
        server.stop()
        controller.stop()
    assert sorted(to for to, _ in inbox.messages) == [["pia@polisen.se"], ["stig@skola.se"]]
    assert server.process.returncode == 0
    log = (tmp_path / "server.log").read_text()
    assert "outbox: sending through 127.0.0.1" in log and "Traceback" not in log
    with transaction(engine) as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}
    engine.dispose()
