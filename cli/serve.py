"""insats serve and insats demo seed."""

from __future__ import annotations

import argparse
import functools
import gc
import logging
import os
import socket
import sys
from pathlib import Path

from ._io import InputError, acting, open_store

ROOT = Path(__file__).resolve().parents[1]
LOCAL_ADDRESSES = ("localhost", "127.0.0.1", "::1")
# The safe settings travel with the command, not with a config file in the working directory:
# no error details or tracebacks on the page, a minimal toolbar, no usage statistics, and no grid
# "Download as CSV" or clipboard copy on st.dataframe (its file would skip the release path: no
# audit row, no formula neutralisation; every file leaves through forms.release.download).
SAFE_SETTINGS = ("--server.headless", "true", "--browser.gatherUsageStats", "false",
                 "--client.showErrorDetails", "none", "--client.toolbarMode", "minimal",
                 "--client.disableDataExport", "true",
                 # a server runs the code it started with: no watcher over the source tree (it cost a thread
                 # per server, overflowed inotify when files changed, and wrote plain-text lines to the log)
                 "--server.fileWatcherType", "none", "--server.runOnSave", "false",
                 # no full garbage collection after every page run: with pandas, SQLAlchemy and scipy in
                 # memory it took 150-200 ms of CPU each time, three times the page's own work (measured
                 # with py-spy on a real server; Python's own collector still runs, on the young objects)
                 "--runner.postScriptGC", "false")
SWITCH_INTERVAL = 0.001  # seconds a thread may hold the interpreter lock while another waits (Python: 0.005)
# and the colours that meet WCAG 2.1 AA contrast (the same as .streamlit/config.toml; a test keeps them equal)
ACCESSIBLE_THEME = ("--theme.base", "light", "--theme.textColor", "#111111", "--theme.primaryColor", "#a82e3c")


def streamlit_argv(port: int, address: str, json_logs: bool = False) -> list[str]:
    from services.settings import max_upload_mb  # the same limit at the door as in the pages' messages

    quiet = ("--logger.hideWelcomeMessage", "true") if json_logs else ()  # its banner is no JSON line
    return ["streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port), "--server.address", address,
            *SAFE_SETTINGS, *ACCESSIBLE_THEME, "--server.maxUploadSize", str(max_upload_mb()), *quiet]


def json_streamlit_logs() -> None:
    """Streamlit's own log lines (the server's start, its warnings) and its few terminal messages
    ("Stopping...") as JSON lines too, so a log collector reads one format from ``insats serve`` under
    ``INSATS_LOG_FORMAT=json``. Streamlit offers only a %-format string for them (``logger.messageFormat``,
    which cannot escape a message into JSON), so its formatter hook and its terminal printer are wrapped;
    the day test (tests/test_day.py) fails if a line of the server's output is not JSON."""
    import streamlit.cli_util as streamlit_cli_util
    import streamlit.logger as streamlit_logger

    from services.logs import JsonLines

    original = streamlit_logger.setup_formatter
    if getattr(original, "insats", False):
        return

    def setup_formatter(logger: logging.Logger) -> None:
        original(logger)
        logger.streamlit_console_handler.setFormatter(JsonLines())

    setup_formatter.insats = True
    streamlit_logger.setup_formatter = setup_formatter
    streamlit_logger.update_formatter()
    said = streamlit_logger.get_logger("streamlit.cli")

    def print_to_cli(message: str, **_style) -> None:
        if message.strip():
            said.info(message.strip())

    streamlit_cli_util.print_to_cli = print_to_cli


def _seeder(session, args):
    """An empty user table: the set-up itself; otherwise a named admin."""
    from store.users import SETUP, has_users

    return acting(session, args) if has_users(session) else SETUP


def print_demo_logins(report) -> None:
    """The demo users' log-ins, once: they are not stored anywhere in clear text."""
    if not report.passwords:
        return
    from store.demo import USERS

    print("\n*** DEMO ONLY – synthetic data, not for real cases. Log-ins (shown once, not stored): ***")
    rows = [("login", "password", "roles", "teams")] + [
        (login, password, ", ".join(USERS[login][1]) if login in USERS else "",
         ", ".join(USERS[login][2]) if login in USERS else "") for login, password in report.passwords.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:  # who is who: the role and the team each demo user works in
        print("    " + "  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)))
    print("*** Change or deactivate these users before any real use (insats users ...). ***\n")


def cmd_demo_seed(args: argparse.Namespace) -> None:
    from store import transaction
    from store.demo import DemoRefused, is_empty, seed_demo

    engine = open_store()
    with transaction(engine) as session:
        if args.if_empty and not is_empty(session):
            print("the database already holds cases; no demo cohort added")
            return
        try:
            report = seed_demo(session, _seeder(session, args), n_subjects=args.subjects, seed=args.seed)
        except DemoRefused as exc:
            raise InputError(str(exc)) from None
    print(f"synthetic demo cohort: {report.subjects} youths (case codes DEMO-…), {report.referrals} referrals, "
          f"{report.assessments} assessments, {report.meetings} network meetings")
    print_demo_logins(report)


def trial_key() -> str:
    """A local trial's instance key (``make run`` with no ``INSATS_SECRET_KEY``): made once in the data
    folder (``trial-secret.key``, readable by its owner only) and set for this process, so the trial can
    store a personnummer. A key beside the database protects nothing against whoever has the folder:
    real use sets ``INSATS_SECRET_KEY`` from a secrets store (README, Deploying), which replaces it. Returns
    what to say at the start."""
    from store.identity import key_file
    from store.paths import data_dir

    path = data_dir() / "trial-secret.key"
    os.environ["INSATS_SECRET_KEY"] = key_file(path)
    return (f"INSATS_SECRET_KEY is not set: this local trial encrypts personnummer with the trial key in {path} "
            "(set your own key from a secrets store before real use: `insats keys new`)")


def tune_for_serving() -> None:
    """The interpreter set for a server's life, just before Streamlit takes over the process.

    What is loaded by now (pandas, SQLAlchemy, the store) lives as long as the server: frozen, Python's
    collector never walks it again. Every page run is a thread of this one process, and a thread back
    from the database waits for the interpreter lock until the running one yields it: after 5 ms by
    default, for each of a run's 20-50 queries while other people's runs compute; ``SWITCH_INTERVAL``
    keeps that wait short."""
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL)
    send_at_once()


def send_at_once() -> None:
    """Every connection the server accepts sends its messages at once (``TCP_NODELAY``: Nagle's algorithm off).

    A page run is a burst of small WebSocket messages. Streamlit binds its listening socket itself, as
    ``socket.socket(family)``, so the socket's protocol number is 0, and asyncio turns Nagle's algorithm off
    only on a socket whose protocol number says TCP. With it on, everything after a run's first two messages
    waited for the browser's delayed acknowledgement: 40 ms added to every page run on Linux (measured on a
    page of thirty lines: 48 ms a run, 5 ms of them work; Windows delays acknowledgements up to 200 ms). Set
    on the listener, the option is inherited by every connection it accepts. Without Streamlit's bind
    function (another version) nothing changes here, and tests/test_page_cost.py fails."""
    from streamlit.web.server.starlette import starlette_server

    bind = getattr(starlette_server, "_bind_socket", None)
    if bind is None or getattr(bind, "insats", False):
        return

    @functools.wraps(bind)
    def bind_sending_at_once(*args, **kwargs) -> socket.socket:
        listener = bind(*args, **kwargs)
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return listener

    bind_sending_at_once.insats = True
    starlette_server._bind_socket = bind_sending_at_once


def cmd_serve(args: argparse.Namespace) -> None:
    """Migrate, add the demo cohort to an empty database, then serve the app from this process."""
    if args.address not in LOCAL_ADDRESSES and not args.behind_tls_proxy:
        raise InputError(f"refusing to listen on {args.address}: case files must not travel unencrypted. Serve on "
                         "localhost behind a TLS proxy (see the README), or say --behind-tls-proxy if this "
                         "address is only reachable through one; nothing was started")
    import config

    try:  # a deadline the law sets is never silently the wrong one: a bad setting stops the start
        config.concern_clocks()
        mail = config.mail_settings()  # nor is a relay that would send in clear text (rules.mail)
        config.public_url()
    except ValueError as exc:
        raise InputError(f"{exc}; nothing was started") from None
    from store import transaction
    from store.backup import BackupError, hold_serving_lock
    from store.demo import is_empty, seed_demo

    json_logs = config.log_format() == "json"
    if args.demo_if_empty and args.address in LOCAL_ADDRESSES and not os.environ.get("INSATS_SECRET_KEY"):
        said = trial_key()  # a trial on one machine (make run): personnummer can be typed and stored at once
        if json_logs:
            logging.getLogger("insats").info(said)
        else:
            print(said, flush=True)
    engine = open_store()  # after the trial key: its start-up check reads the key the numbers were written with
    where = f"database: {engine.url.render_as_string(hide_password=True)}"
    if json_logs:
        logging.getLogger("insats").info(where)
    else:
        print(where, flush=True)
    try:
        hold_serving_lock(engine)  # a restore refuses while this process serves the database
    except BackupError as exc:
        raise InputError(f"{exc}; nothing was started") from None
    if args.demo_if_empty:
        with transaction(engine) as session:
            if is_empty(session):
                report = seed_demo(session, _seeder(session, args))
                print(f"empty database: added the synthetic demo cohort ({report.subjects} youths, DEMO-…)")
                print_demo_logins(report)
    engine.dispose()
    import store

    # This process has already imported pandas, SQLAlchemy and the store, and migrated the database:
    # the first session reuses both (measured: a second faster first paint than `streamlit run`).
    os.environ["INSATS_MIGRATED_URL"] = store.database_url()
    if args.auth:
        os.environ["INSATS_AUTH"] = args.auth
    if args.address in ("localhost", "127.0.0.1"):  # a trial on one machine: the link a notice carries is this
        os.environ.setdefault("INSATS_PUBLIC_URL", f"http://localhost:{args.port}")  # server (else: the setting)
    start_outbox(store.database_url(), mail)
    from streamlit.web import cli as streamlit_cli

    if json_logs:
        json_streamlit_logs()
    tune_for_serving()
    sys.stdout.flush()
    sys.argv = streamlit_argv(args.port, args.address, json_logs)
    sys.exit(streamlit_cli.main())


def start_outbox(url: str, mail) -> None:
    """The outbox's sender as a background thread of this process (``services.outbox``): it stops when
    the server stops (at exit, after the notice in hand), and nothing it meets reaches the server."""
    import config

    say = logging.getLogger("insats").info if config.log_format() == "json" else functools.partial(print, flush=True)
    if mail.relay is None:
        say("outbox: INSATS_SMTP_URL is not set; notices wait in the queue (insats outbox send)")
        return
    import atexit

    from services.outbox import start_background

    atexit.register(start_background(url, mail))
    say(f"outbox: sending through {mail.relay.host}:{mail.relay.port} ({mail.relay.tls})")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the app (migrates the database first)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="localhost", help="localhost unless --behind-tls-proxy")
    p.add_argument("--behind-tls-proxy", action="store_true",
                   help="listen beyond localhost: only when a TLS proxy is the sole way in")
    p.add_argument("--auth", choices=["local", "oidc"], help="log-in mode (default: INSATS_AUTH, else local)")
    p.add_argument("--demo-if-empty", action="store_true", help="add the synthetic demo cohort to an empty database")
    p.set_defaults(func=cmd_serve)
    demo = sub.add_parser("demo", help="the synthetic demo cohort").add_subparsers(dest="action", required=True)
    p = demo.add_parser("seed", help="add about 200 synthetic youths (marked synthetic, case codes DEMO-…) and "
                                     "demo users for every role")
    p.add_argument("--subjects", type=int, default=200)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--if-empty", action="store_true", help="only when the database holds no cases")
    p.set_defaults(func=cmd_demo_seed)
