"""Who can open a case, and why: the question a youth, a guardian or a data-protection officer asks first.

``openings`` answers it for some cases or for one user, in a fixed handful of queries whatever the number
of users and cases: every active user whom the guard lets ``case.read`` the case, once per ground:

- ``team``: a case of one of their teams (a protected case: only as the team's coordinator);
- ``assigned``: they are a named (assigned) assessor of the case;
- ``emergency``: they hold emergency access now (the latest grant's reason and expiry are given);
- ``member``: a partner account that is a current member of the group (``store.partners``).

A user with several grounds gets one row per ground, each with what that ground alone lets them see, so
the list says plainly what would remain if one ground ended (an assignment removed, a grant expired).

What each ground lets them see is read off the one policy table, never written out again here: the
``*.read`` actions (``READS``) whose rule one of the user's roles has, and which the ground opens, asked
of the guard's own ``scope_of``, ``team_opens`` and ``EMERGENCY``; for a member, the views their
organisation's consent opens (``Membership.views``). ``who_can_open`` and ``cases_open_to`` are the checked
entry points (``access.who``: a coordinator for the cases of their teams, an admin for all; audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import config
from rules.partner import VIEWS

from . import chain
from ._time import utc_now
from .access import (
    EMERGENCY,
    OUTSIDE_ROLES,
    POLICY,
    ROLES,
    Actor,
    CaseAccess,
    guard,
    scope_of,
    team_opens,
    visible_cases,
)
from .cases.subjects import find_subject
from .models import CaseAssessor, EmergencyAccess, Subject, Team, User, UserTeam
from .partners import memberships
from .users import UserError

GROUNDS = ("team", "assigned", "emergency", "member")
OPEN = "case.read"  # "can open the case": what the guard must allow
# the reading actions of the policy table; what each shows is named by its entity (plan.read -> "plan")
READS = tuple(action for action in POLICY if action.endswith(".read"))


@dataclass(frozen=True)
class Opening:
    """One user's one ground for opening one case, and what that ground lets them see there."""

    subject_id: int
    case_code: str
    login: str
    name: str
    roles: tuple[str, ...]  # in the order of ``store.access.ROLES``
    ground: str  # one of GROUNDS
    sees: tuple[str, ...]  # staff: entities of READS (``case``, ``plan`` …); a member: ``rules.partner.VIEWS``
    team: str | None = None  # ground team: the case's team
    organisation: str | None = None  # ground member: the partner's organisation
    reason: str | None = None  # ground emergency: the reason stated for the grant
    until: datetime | None = None  # ground emergency: when the grant ends (UTC)

    def as_row(self) -> dict[str, object]:
        """The row as the CLI prints it (JSON keys and CSV columns)."""
        return {"case": self.case_code, "login": self.login, "name": self.name, "roles": list(self.roles),
                "ground": self.ground, "sees": list(self.sees), "team": self.team,
                "organisation": self.organisation, "reason": self.reason,
                "until": None if self.until is None else self.until.isoformat(timespec="seconds") + "Z"}


def staff_actor(login: str, roles: list | None, teams: frozenset[int], user_id: int) -> Actor:
    """The user as the guard sees them for the staff grounds: their social-services roles only (an outside
    role's ``member`` scope is the member ground's, read from ``store.partners``)."""
    return Actor(login, frozenset(roles or ()) - OUTSIDE_ROLES, teams, user_id)


def opens(actor: Actor, ground: str, access: CaseAccess, action: str) -> bool:
    """Whether ``ground`` alone opens ``action`` on the case to the actor, as the guard's ``in_scope``
    decides it: a rule for the action, and the ground covering it (the team only as coordinator on a
    protected case; emergency access only for the actions in ``EMERGENCY``)."""
    if scope_of(actor, action) is None:
        return False
    if ground == "team":
        return team_opens(access, actor, action)
    return ground == "assigned" or (ground == "emergency" and action in EMERGENCY)


def sees(actor: Actor, ground: str, access: CaseAccess) -> tuple[str, ...]:
    """What ``ground`` alone lets the actor read of the case: the entities of the reads it opens."""
    return tuple(action.split(".", 1)[0] for action in READS if opens(actor, ground, access, action))


def openings(session: Session, *, subject_ids: list[int] | None = None, user_id: int | None = None,
             on: date | None = None, now: datetime | None = None) -> list[Opening]:
    """Unchecked: every (active user, case, ground) the guard opens, for some cases and/or one user (None:
    all). Nine queries whatever the number of users, cases and grants; for guarded callers only."""
    on = on or config.today()
    now = now or utc_now()
    users_q = select(User.id, User.login, User.display_name, User.roles).where(User.active.is_(True))
    teams_q = select(UserTeam.user_id, UserTeam.team_id)
    if user_id is not None:
        users_q, teams_q = users_q.where(User.id == user_id), teams_q.where(UserTeam.user_id == user_id)
    users = {uid: (login, name, tuple(r for r in ROLES if r in (roles or ())))
             for uid, login, name, roles in session.execute(users_q)}
    if not users:
        return []
    teams: dict[int, set[int]] = {}
    for uid, team_id in session.execute(teams_q):
        teams.setdefault(uid, set()).add(team_id)
    actors = {uid: staff_actor(login, list(roles), frozenset(teams.get(uid, ())), uid)
              for uid, (login, _, roles) in users.items()}
    by_login = {actor.who: uid for uid, actor in actors.items()}

    def where_cases(query, column):
        return query if subject_ids is None else query.where(column.in_(subject_ids))

    # the candidates of each ground as (subject_id, user_id); the guard's rules decide which of them open
    team_pairs = session.execute(where_cases(
        select(Subject.id, UserTeam.user_id).join(UserTeam, UserTeam.team_id == Subject.team_id)
        .where(UserTeam.user_id.in_(list(users))), Subject.id)).all()
    assigned = session.execute(where_cases(
        select(CaseAssessor.subject_id, CaseAssessor.user_id).where(CaseAssessor.user_id.in_(list(users))),
        CaseAssessor.subject_id)).all()
    grants: dict[tuple[int, int], tuple[str, datetime]] = {}
    for sid, login, reason, until in session.execute(where_cases(
            select(EmergencyAccess.subject_id, EmergencyAccess.login, EmergencyAccess.reason,
                   EmergencyAccess.expires_at).where(EmergencyAccess.expires_at > now,
                                                     EmergencyAccess.login.in_(list(by_login))),
            EmergencyAccess.subject_id)):
        key = (sid, by_login[login])
        if key not in grants or until > grants[key][1]:  # the grant that runs longest
            grants[key] = (reason, until)
    members = memberships(session, on, user_id=user_id, subject_ids=subject_ids)
    wanted = {sid for sid, _ in team_pairs} | {sid for sid, _ in assigned} | {sid for sid, _ in grants} | {
        m.subject_id for m in members}
    if not wanted:
        return []
    cases = {sid: (code, team_id, bool(protected)) for sid, code, team_id, protected in session.execute(
        select(Subject.id, Subject.case_code, Subject.team_id, Subject.protected).where(Subject.id.in_(wanted)))}
    team_names = dict(session.execute(select(Team.id, Team.name)).all())

    found: list[Opening] = []

    def add(sid: int, uid: int, ground: str, seen: tuple[str, ...], **extra: object) -> None:
        login, name, roles = users[uid]
        found.append(Opening(sid, cases[sid][0], login, name, roles, ground, seen, **extra))

    for ground, pairs in (("team", team_pairs), ("assigned", assigned), ("emergency", list(grants))):
        for sid, uid in pairs:
            _, team_id, protected = cases[sid]
            access = CaseAccess(team_id, ground == "assigned", ground == "emergency", protected)
            if not opens(actors[uid], ground, access, OPEN):  # e.g. the team of a protected case, not its coordinator
                continue
            seen = sees(actors[uid], ground, access)
            extra: dict[str, object] = {}
            if ground == "team":
                extra["team"] = team_names.get(team_id)
            if ground == "emergency":
                extra["reason"], extra["until"] = grants[(sid, uid)]
            add(sid, uid, ground, seen, **extra)
    listed: set[tuple[int, int]] = set()
    for m in members:  # named twice in one group: one row (the consent is the same)
        if (m.subject_id, m.user_id) not in listed and m.user_id in users:
            listed.add((m.subject_id, m.user_id))
            add(m.subject_id, m.user_id, "member", tuple(v for v in VIEWS if v in m.views),
                organisation=m.organisation)
    return sorted(found, key=lambda o: (o.case_code, o.login, GROUNDS.index(o.ground)))


def who_can_open(session: Session, actor: Actor, case_code: str) -> list[Opening]:
    """Every active user who can open the case ``case_code``, with each ground and what it shows: the
    case's coordinator (``access.who``, team scope) or an admin; audited as ``who`` on the case."""
    subject = find_subject(session, case_code)
    guard(session, actor, "access.who", subject.id, detail="who can open the case", verb="who")
    return openings(session, subject_ids=[subject.id])


def cases_open_to(session: Session, actor: Actor, login: str) -> list[Opening]:
    """Every case the user ``login`` can open, with the ground: the inverse of ``who_can_open``. An admin
    sees all of them; a coordinator only those of the cases they may ask ``who`` about (their teams', and
    any they are assigned to). Audited as ``case_list`` on each case listed (one row when none is)."""
    guard(session, actor, "access.who", audited=False)
    user = session.scalar(select(User).where(User.login == login.strip()))
    if user is None:
        raise UserError("user.unknown", f"no user {login!r}", login=login)
    found = openings(session, user_id=user.id)
    if found and scope_of(actor, "access.who") != "any":
        allowed = set(session.scalars(select(Subject.id).where(
            Subject.id.in_(sorted({o.subject_id for o in found})), visible_cases(actor, "access.who"))))
        found = [o for o in found if o.subject_id in allowed]
    subject_ids: list[int | None] = sorted({o.subject_id for o in found}) or [None]
    chain.record_many(session, actor, "case_list", "access", subject_ids, f"cases open to {user.login}")
    return found
