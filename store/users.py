"""Users, teams, case assignment and log-in: the one place that builds an ``Actor``.

Local accounts keep an argon2id hash (argon2-cffi's defaults); a password has at least 12
characters; five failed log-ins lock the account for 15 minutes; an unknown login, a wrong
password and a locked account get the same answer (and take the same time), so the log-in form
cannot be used to find out who has an account. Every attempt is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from rules.partner import PARTNER_ORGANISATIONS, REFERRER_ORGANISATIONS

from . import audit
from ._time import utc_now
from .access import OUTSIDE_ROLES, ROLES, SYSTEM, AccessDenied, Actor, forget_case_access, guard, scope_of
from .models import CaseAssessor, Subject, Team, User, UserTeam

MIN_PASSWORD = 12
MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)
SETUP = Actor("setup", SYSTEM)

_hasher = PasswordHasher()  # argon2id


@cache
def _dummy_hash() -> str:
    """Verified against when there is no real hash, so every failure costs the same time. Made on
    first use: hashing takes a sixth of a second, which no start-up should pay."""
    return _hasher.hash("an unknown user still costs one verification")


class UserError(ValueError):
    """A user or team operation with wrong input; ``code`` and ``params`` for translation."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(message)


# -- building the actor --------------------------------------------------------------------------
def actor_of(user: User) -> Actor:
    return Actor(user.login, frozenset(user.roles), frozenset(t.id for t in user.teams), user.id, user.display_name,
                 user.organisation)


def actor_for(session: Session, login: str) -> Actor:
    """The active user ``login`` as an Actor; ``UserError('user.unknown')`` otherwise (nothing done)."""
    user = session.scalar(select(User).where(User.login == login.strip()))
    if user is None or not user.active:
        raise UserError("user.unknown", f"no active user {login!r}", login=login)
    return actor_of(user)


def actor_for_claim(session: Session, claim: str, *, now: datetime | None = None) -> Actor | None:
    """OIDC: the identity provider's claim value mapped to an active user, or None ("no access");
    audited either way."""
    user = session.scalar(select(User).where(User.subject == claim))
    if user is None or not user.active:
        audit.record(session, Actor(claim[:64], "none"), "login_refused", "user", None,
                     "oidc: no active user for this identity" if user is None else "oidc: deactivated")
        return None
    user.last_login_at = now or utc_now()
    actor = actor_of(user)
    audit.record(session, actor, "login", "user", None, "oidc")
    return actor


def authenticate(session: Session, login: str, password: str, *, now: datetime | None = None) -> Actor | None:
    """Local log-in: the actor, or None for every kind of failure (the audit row says which; the
    caller commits it, so failures and lock-outs are kept)."""
    now = now or utc_now()
    user = session.scalar(select(User).where(User.login == login.strip()))
    if user is None or user.password_hash is None:
        _verify(_dummy_hash(), password)
        audit.record(session, Actor(typed_name(login), "none"), "login_failed", "user", None, "unknown user")
        return None
    if not user.active:
        _verify(_dummy_hash(), password)
        audit.record(session, actor_of(user), "login_failed", "user", None, "deactivated")
        return None
    if user.locked_until is not None and user.locked_until > now:
        _verify(_dummy_hash(), password)
        audit.record(session, actor_of(user), "login_failed", "user", None, "locked")
        return None
    if not _verify(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        detail = "wrong password"
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCK_TIME, 0
            detail = f"wrong password; locked until {user.locked_until:%Y-%m-%d %H:%M} UTC"
            audit.record(session, actor_of(user), "lockout", "user", None, detail)
        audit.record(session, actor_of(user), "login_failed", "user", None, detail)
        return None
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    actor = actor_of(user)
    audit.record(session, actor, "login", "user", None, "local")
    return actor


def typed_name(login: str) -> str:
    """What the log keeps of a user name that matches no one: a keyed hash, never the text. People type
    their password or a youth's personnummer into the wrong field; repeated attempts with one name still
    show as one ``unknown:`` value, so a guessing attack stays visible."""
    import hmac

    digest = hmac.new(audit.audit_key().encode("utf-8"), login.strip().encode("utf-8"), "sha256").hexdigest()
    return f"unknown:{digest[:16]}"


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def record_logout(session: Session, actor: Actor, why: str = "log-out") -> None:
    audit.record(session, actor, "logout", "user", None, why)


# -- users ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UserRow:
    login: str
    display_name: str
    email: str | None
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    active: bool
    locked: bool
    last_login_at: datetime | None
    created_at: datetime | None
    organisation: str | None = None


def has_users(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User)))


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        raise UserError("user.roles", f"roles must be among {', '.join(ROLES)}; got {', '.join(roles) or 'none'}",
                        roles=roles)
    return roles


def _check_organisation(roles: list[str], organisation: str | None, teams: Iterable[str] = ()) -> str | None:
    """A partner or referrer acts for one organisation and holds no team; no one else has an organisation
    (the social services' staff reach cases through their teams). Mixing the two kinds in one account
    would let a partner's login open team cases, so it is refused."""
    outside = OUTSIDE_ROLES & set(roles)
    if not outside:
        if organisation:
            raise UserError("user.organisation_unused", "only partners and referrers have an organisation",
                            organisation=organisation)
        return None
    if set(roles) - OUTSIDE_ROLES:
        raise UserError("user.outside_roles", "a partner or referrer account holds no social-services role",
                        roles=roles)
    allowed = PARTNER_ORGANISATIONS if "partner" in outside else REFERRER_ORGANISATIONS
    if "partner" in outside and "referrer" in outside:
        allowed = tuple(o for o in PARTNER_ORGANISATIONS if o in REFERRER_ORGANISATIONS)
    if organisation not in allowed:
        raise UserError("user.organisation", f"a {'/'.join(sorted(outside))} account needs --organisation, one of "
                        f"{', '.join(allowed)}", organisation=organisation, expected=", ".join(allowed))
    if list(teams):
        raise UserError("user.outside_team", "a partner or referrer belongs to no team", roles=roles)
    return organisation


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError("user.password_short", f"a password needs at least {MIN_PASSWORD} characters",
                        min=MIN_PASSWORD)
    return _hasher.hash(password)


def _teams_by_name(session: Session, names: Iterable[str]) -> list[Team]:
    names = sorted(set(names))
    found = {t.name: t for t in session.scalars(select(Team).where(Team.name.in_(names)))}
    missing = [n for n in names if n not in found]
    if missing:
        raise UserError("team.unknown", f"no team named {', '.join(missing)} (insats teams add NAME)", teams=missing)
    return [found[n] for n in names]


def _user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise UserError("user.unknown", f"no user {login!r}", login=login)
    return user


def add_user(session: Session, actor: Actor, login: str, *, display_name: str, roles: Iterable[str],
             teams: Iterable[str] = (), email: str | None = None, subject: str | None = None,
             password: str | None = None, organisation: str | None = None) -> User:
    """A new user. ``subject``: the identity provider's claim value (default: the login).
    ``organisation``: a partner's or referrer's (``rules.partner``), required for them, refused otherwise."""
    guard(session, actor, "user.manage", detail=f"add {login}")
    login = login.strip()
    if not login or len(login) > 64 or any(c.isspace() for c in login):
        raise UserError("user.login", "a login is 1-64 characters without spaces", login=login)
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise UserError("user.exists", f"user {login!r} already exists", login=login)
    roles = _check_roles(roles)
    organisation = _check_organisation(roles, organisation, teams)
    user = User(login=login, display_name=display_name.strip() or login, email=email, roles=roles,
                organisation=organisation, subject=subject or login, active=True, failed_logins=0,
                password_hash=_check_password(password) if password is not None else None)
    user.teams = _teams_by_name(session, teams)
    session.add(user)
    session.flush()
    return user


def first_admin_actor(session: Session) -> Actor:
    """Who may add the first user: nobody is there yet, so the set-up itself (the CLI says so)."""
    if has_users(session):
        raise UserError("user.need_admin", "users exist: act as an admin (--as LOGIN)")
    return SETUP


def list_users(session: Session, actor: Actor) -> list[UserRow]:
    guard(session, actor, "user.manage", detail="list")
    now = utc_now()
    return [UserRow(u.login, u.display_name, u.email, tuple(u.roles), tuple(t.name for t in u.teams), u.active,
                    u.locked_until is not None and u.locked_until > now, u.last_login_at, u.created_at,
                    u.organisation)
            for u in session.scalars(select(User).order_by(User.login))]


def deactivate(session: Session, actor: Actor, login: str) -> None:
    guard(session, actor, "user.manage", detail=f"deactivate {login}")
    _user(session, login).active = False


def set_roles(session: Session, actor: Actor, login: str, roles: Iterable[str]) -> None:
    roles = _check_roles(roles)
    guard(session, actor, "user.manage", detail=f"roles {login}: {'+'.join(roles)}")
    user = _user(session, login)
    _check_organisation(roles, user.organisation, [t.name for t in user.teams])
    user.roles = roles


def set_teams(session: Session, actor: Actor, login: str, teams: Iterable[str]) -> None:
    guard(session, actor, "user.manage", detail=f"teams {login}")
    user, teams = _user(session, login), list(teams)
    _check_organisation(user.roles, user.organisation, teams)
    user.teams = _teams_by_name(session, teams)


def set_password(session: Session, actor: Actor, login: str, password: str, *,
                 old_password: str | None = None) -> None:
    """An admin sets another user's password (also unlocks). Setting one's own needs the old one: the
    CLI's ``--as`` is a claim, so knowing the login must not be enough to take over its password."""
    if actor.who != login:
        guard(session, actor, "user.manage", detail=f"password {login}")
        user = _user(session, login)
    else:
        user = _user(session, login)
        if user.password_hash is None:
            raise UserError("user.no_own_password", "you have no local password yet: an admin sets the first one")
        if old_password is None or not _verify(user.password_hash, old_password):
            refusal = UserError("user.old_password", "the old password is wrong: an admin can set a new one")
            refusal.audit_row = {"actor": actor, "action": "refused", "entity": "user", "subject_id": None,
                                 "detail": "own password: the old one was wrong"}
            raise refusal
        audit.record(session, actor, "password", "user", None, "own password")
    user.password_hash, user.failed_logins, user.locked_until = _check_password(password), 0, None


# -- teams and assignment --------------------------------------------------------------------------
def add_team(session: Session, actor: Actor, name: str) -> Team:
    guard(session, actor, "team.manage", detail=f"add {name}")
    name = name.strip()
    if not name or len(name) > 64:
        raise UserError("team.name", "a team name is 1-64 characters", name=name)
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise UserError("team.exists", f"team {name!r} already exists", name=name)
    team = Team(name=name)
    session.add(team)
    session.flush()
    return team


def list_teams(session: Session, actor: Actor) -> list[tuple[str, int, int]]:
    """(name, users, cases) per team."""
    guard(session, actor, "team.manage", detail="list")
    users = dict(session.execute(select(UserTeam.team_id, func.count()).group_by(UserTeam.team_id)).all())
    cases = dict(session.execute(select(Subject.team_id, func.count()).group_by(Subject.team_id)).all())
    return [(t.name, users.get(t.id, 0), cases.get(t.id, 0))
            for t in session.scalars(select(Team).order_by(Team.name))]


def team_id(session: Session, name: str) -> int:
    return _teams_by_name(session, [name])[0].id


def team_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Team.id, Team.name)).all())


def assign_case(session: Session, actor: Actor, case_code: str, *, team: str | None = None,
                assessors: Iterable[str] = ()) -> None:
    """Move a case to ``team`` and/or make ``assessors`` responsible for it (replacing the earlier ones).

    A coordinator assigns within their own teams (the case's current team and the new one)."""
    subject = session.scalar(select(Subject).where(Subject.case_code == case_code.strip().upper()))
    if subject is None:
        raise UserError("case.unknown", f"no case with code {case_code}", case=case_code)
    guard(session, actor, "case.assign", subject.id, detail=f"team={team or '-'} assessors={','.join(assessors)}")
    if team is not None:
        new_team = team_id(session, team)
        # both ends in the actor's own teams: an assignment to a case is not a licence to move it away
        if scope_of(actor, "case.assign") == "team" and not {new_team, subject.team_id} <= actor.teams:
            raise AccessDenied("access.team", actor, subject.id, action="case.assign")
        subject.team_id = new_team
    logins = sorted(set(assessors))
    if logins:
        users = [_user(session, login) for login in logins]
        not_assessors = [u.login for u in users if not {"assessor", "coordinator"} & set(u.roles)]
        if not_assessors:
            raise UserError("case.not_assessor", f"not an assessor: {', '.join(not_assessors)}", logins=not_assessors)
        session.execute(delete(CaseAssessor).where(CaseAssessor.subject_id == subject.id))
        session.add_all([CaseAssessor(subject_id=subject.id, user_id=u.id) for u in users])
    session.flush()
    forget_case_access(session)


def own_email(session: Session, actor: Actor) -> str | None:
    """The acting user's own e-mail address (the organiser of the meetings they convene), if any. Asked
    by those who convene (plan.write); one's own address, so not audited."""
    guard(session, actor, "plan.write", audited=False)
    return session.scalar(select(User.email).where(User.login == actor.who))


def colleagues(session: Session, actor: Actor) -> list[str]:
    """The active people of the actor's teams as "Name (roles)": who can be named as taking part in an
    intake decision. Asked by those who take it."""
    guard(session, actor, "referral.write", audited=False)
    in_teams = select(UserTeam.user_id).where(UserTeam.team_id.in_(sorted(actor.teams)))
    users = session.scalars(select(User).where(User.active.is_(True), User.id.in_(in_teams))  # no DISTINCT:
                            .order_by(User.display_name)).all()  # PostgreSQL cannot compare the JSON roles
    return [f"{u.display_name} ({', '.join(sorted(u.roles))})" for u in users]
