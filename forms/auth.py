"""Log-in for the app: ``local`` accounts (argon2, the embedded default) or ``oidc`` through
Streamlit's own ``st.login``. One setting chooses (``INSATS_AUTH``, or ``[insats] auth`` in secrets).

Who is logged in lives in this browser session's server-side state, never in anything the browser
sends back except Streamlit's signed identity cookie (OIDC). The user row is read again on every run,
so a deactivation or a role change takes effect at the next click. After ``idle_minutes`` without a
click the session is logged out and the page asks for log-in again; in OIDC mode a new browser
session (a reload) is accepted only while the provider's log-in is younger than ``idle_minutes``.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

import streamlit as st

from store import Actor, reading, transaction
from store.users import actor_for, actor_for_claim, authenticate, record_logout

from .i18n import tr

STATE = "_insats_login"  # {"login", "via", "last_seen"}; no widget uses this key
ACTOR = "_insats_actor"  # this run's Actor, for the pages


@dataclass(frozen=True)
class Settings:
    mode: str = "local"  # local | oidc
    claim: str = "sub"  # the OIDC claim that names the user row (users.subject)
    idle_minutes: float = 30.0


def settings() -> Settings:
    """Environment first (``INSATS_AUTH``, ``INSATS_OIDC_CLAIM``, ``INSATS_IDLE_MINUTES``), then
    ``[insats]`` in ``.streamlit/secrets.toml``, then the defaults."""
    try:
        section = dict(st.secrets.get("insats", {}))
    except FileNotFoundError:  # no secrets file: the local default
        section = {}

    def pick(env: str, key: str, default: str) -> str:
        return os.environ.get(env) or str(section.get(key, default))

    mode = pick("INSATS_AUTH", "auth", "local")
    if mode not in ("local", "oidc"):
        raise RuntimeError(f"INSATS_AUTH must be local or oidc, not {mode!r}")
    return Settings(mode, pick("INSATS_OIDC_CLAIM", "claim", "sub"),
                    float(pick("INSATS_IDLE_MINUTES", "idle_minutes", "30")))


def current_actor(engine) -> Actor | None:
    """The logged-in actor for this run, or None after drawing the log-in (or no-access) page."""
    config = settings()
    state = st.session_state.get(STATE)
    if config.mode == "oidc":
        state = _oidc_state(engine, config, state)
    if state is None:
        if config.mode == "local":
            _local_form(engine)
        return None
    if time.time() - state["last_seen"] > config.idle_minutes * 60:
        end_session(engine, "idle timeout", "session_expired")
    try:
        with reading(engine) as session:  # every run: beside the writers, never behind them (store.db)
            actor = actor_for(session, state["login"])
    except ValueError:  # deactivated since the log-in
        st.session_state.pop(STATE, None)
        no_access()
        return None
    state["last_seen"] = time.time()
    st.session_state[ACTOR] = actor
    return actor


REJOIN_SECONDS = 15 * 60  # the timer's own ticks do nothing; see rejoin_after_reconnect


@st.fragment(run_every=REJOIN_SECONDS)
def rejoin_after_reconnect() -> None:
    """Drawn (as nothing) on every page after log-in, so that a page whose server stopped shows the
    log-in of the server it reaches next, at once.

    Behind a load balancer the browser's WebSocket reconnects to another server when its own one dies;
    that server has never seen this browser, so the log-in (held in the dead server's memory) is gone.
    Streamlit's page asks the new server for a run on reconnect only while a timed fragment is on it;
    without one it keeps showing the dead server's last page until the next click, and that click (a
    rating, say) only brings the log-in and is lost. With this one it shows the log-in within seconds
    (tests/test_failover.py). Its own runs, every quarter of an hour, do nothing and cost next to nothing.
    """


def end_session(engine, why: str = "log-out", message: str = "logged_out") -> None:
    """Log out (audited) and show the log-in page with ``message``. In OIDC mode the browser is sent to
    Streamlit's log-out address, which drops the identity cookie; this run stops so that it goes."""
    state = st.session_state.pop(STATE, None)
    actor = st.session_state.pop(ACTOR, None)
    if state is not None and actor is not None:
        with transaction(engine) as session:
            record_logout(session, actor, why)
    st.session_state["flash_login"] = message
    if settings().mode == "oidc" and st.user.is_logged_in:
        st.logout()
        st.stop()
    st.rerun()


def _oidc_state(engine, config: Settings, state: dict | None) -> dict | None:
    if not st.user.is_logged_in:
        st.session_state.pop(STATE, None)
        _login_head()
        if message := st.session_state.pop("flash_login", None):
            st.info(tr(message))
        st.button(tr("login_oidc"), on_click=st.login, type="primary", key="login_oidc")
        return None
    claim = str(st.user.get(config.claim) or "")
    if state is not None and state.get("claim") == claim:
        return state
    issued = st.user.get("iat")
    if isinstance(issued, int | float) and time.time() - issued > config.idle_minutes * 60:
        # a new browser session on an old identity cookie (Streamlit keeps it for 30 days): the idle
        # rule says ask again; the provider's own single sign-on makes that quick where it is allowed
        st.session_state["flash_login"] = "session_expired"
        st.logout()
        return None
    with transaction(engine) as session:
        actor = actor_for_claim(session, claim) if claim else None
    if actor is None:
        no_access()
        return None
    state = {"login": actor.who, "via": "oidc", "claim": claim, "last_seen": time.time()}
    st.session_state[STATE] = state
    return state


def _login_head() -> None:
    st.title(tr("login_title"))
    st.caption(tr("login_intro"))


def _local_form(engine) -> None:
    _login_head()
    if message := st.session_state.pop("flash_login", None):
        st.info(tr(message))
    with st.form("login_form"):
        login = st.text_input(tr("login_user"), key="login_user", autocomplete="username")
        password = st.text_input(tr("login_password"), type="password", key="login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(tr("login_button"), type="primary")
    if not submitted:
        return
    login = re.sub(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]", "?", login)  # no login has one; PostgreSQL can't compare NUL
    with transaction(engine) as session:
        actor = authenticate(session, login, password)
    if actor is None:
        st.error(tr("login_failed"))
        return
    st.session_state[STATE] = {"login": actor.who, "via": "local", "last_seen": time.time()}
    st.rerun()


def no_access() -> None:
    st.title(tr("no_access_title"))
    st.error(tr("no_access"))
    if settings().mode == "oidc":
        st.button(tr("logout"), on_click=st.logout, key="no_access_logout")
