"""Who may do what to which case: one policy table and one ``guard`` that checks and audits.

Every public store function that reads or writes case data starts with ``guard(session, actor,
action, subject_id)``. The guard looks up the rule for each of the actor's roles in ``POLICY``, checks
the case against the rule's scope, and appends the audit row in the same call; a refusal is audited
too and raised as ``AccessDenied`` (a code and parameters, so pages can say it in the user's language).

Scopes:
- ``any``: every case (researchers' de-identified exports, an admin's technical work);
- ``team``: cases of the actor's teams, cases the actor is an assigned assessor of, and, for the actions
  in ``EMERGENCY`` only, cases opened under emergency access (*nödåtkomst*) with a stated reason;
- ``own``: as ``team``, and the object must be the actor's own (an assessor's own drafts);
- ``member``: a partner (police, school, leisure, health) who is a current member of the case's group
  (``store.partners.membership_of``, today = ``config.today()``), and only for what the youth's active
  consent lets their organisation receive (``rules.partner.ACTION_NEEDS``). Asked once per transaction
  (every click is a new one): a membership that ended or a consent withdrawn or expired ends access at the
  next click. Never emergency
  access, never another case, never notes, the personnummer or the Logg.

A protected case (*skyddade personuppgifter*, ``Subject.protected``) narrows ``team``: its team opens it
only to the team's coordinators; everyone else needs to be a named (assigned) assessor of it, or to hold
emergency access (still audited). ``in_scope`` (through ``team_opens``) and ``visible_cases`` both ask
``_team_opens_protected``, so every read and every list obeys it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

import config
from rules import partner

from . import chain
from ._time import utc_now
from .models import CaseAssessor, EmergencyAccess, Member, Subject, User
from .partners import Membership, membership_of

ROLES = ("intake", "assessor", "coordinator", "researcher", "admin", "partner", "referrer")
# roles of people outside social services: they act for an organisation (``User.organisation``), hold no
# team, and are never given emergency access (rules.partner)
OUTSIDE_ROLES = frozenset({"partner", "referrer"})
SYSTEM = "system"  # set-up jobs (demo cohort, migrations); never a user's role

_CASE_WORK = {"assessor": "team", "coordinator": "team"}
_INTAKE = {"intake": "team", "coordinator": "team"}
# action -> role -> scope. An action missing for a role is refused.
POLICY: dict[str, dict[str, str]] = {
    "case.list": {"intake": "team", "assessor": "team", "coordinator": "team"},
    "case.create": {"intake": "team", "assessor": "team", "coordinator": "team"},
    "case.read": {"intake": "team", "assessor": "team", "coordinator": "team"},
    "case.assign": {"coordinator": "team", "admin": "any"},
    "case.close": {"coordinator": "team"},
    "case.protect": {"coordinator": "team"},  # protected identity: set and lifted by the case's coordinator
    "case.extract": {"coordinator": "team"},  # the register extract (GDPR art. 15): everything held, who read it
    "case.emergency": {"intake": "any", "assessor": "any", "coordinator": "any"},
    "referral.read": {"intake": "team", "assessor": "team", "coordinator": "team"},
    "referral.write": _INTAKE,
    "referral.import": _INTAKE,
    "checklist.read": {"intake": "team", "assessor": "team", "coordinator": "team"},
    "checklist.write": _INTAKE,
    "consent.read": _CASE_WORK,
    "consent.write": _CASE_WORK,
    "consent.share": _CASE_WORK,
    "assessment.read": _CASE_WORK,
    "assessment.write": {"assessor": "own", "coordinator": "own"},
    "assessment.import": {"coordinator": "team"},
    "assessment.export": {"coordinator": "team"},
    "plan.read": _CASE_WORK,
    "plan.write": _CASE_WORK,
    # any member role; a partner while some active consent names their organisation (rules.partner)
    "event.write": {"intake": "team", "assessor": "team", "coordinator": "team", "partner": "member"},
    # the next meeting's look back at a commitment: the case's workers, and a partner for their
    # organisation's own commitments (store.cases.plans.review_commitment)
    "commitment.review": {"assessor": "team", "coordinator": "team", "partner": "member"},
    # "Mina grupper" (store.groups): what a partner sees of their own groups, each view as the consent says
    "group.list": {"partner": "member"},
    "group.read": {"partner": "member"},
    "group.plan": {"partner": "member"},
    "group.summary": {"partner": "member"},
    "agenda.write": {"partner": "member", "coordinator": "team"},  # an item for the next meeting's agenda
    "caseload.read": {"coordinator": "team"},  # the coordinator's list of every active group
    "network.import": {"coordinator": "team"},  # members and meetings from the coordinator's Excel
    "member.link": {"coordinator": "team"},  # a named member's partner account (store.partners)
    "outbox.send": {},  # only the sending job (store.outbox.OUTBOX, a system actor): the queue is consent-checked
    "outcome.read": _CASE_WORK,
    "outcome.write": _CASE_WORK,
    "outcome.import": {"coordinator": "team"},
    "report.funnel": {"intake": "team", "coordinator": "team", "researcher": "any"},
    "report.followup": {"coordinator": "team", "researcher": "any"},  # counts and shares, no case data
    "research.export": {"researcher": "any"},
    "audit.read": {"coordinator": "team", "admin": "any"},
    "access.who": {"coordinator": "team", "admin": "any"},  # who can open a case, and why (store.who)
    "audit.verify": {"admin": "any"},
    "user.manage": {"admin": "any"},
    "team.manage": {"admin": "any"},
    "db.backup": {"admin": "any"},
    "db.keys": {"admin": "any"},
    "db.gallring": {"admin": "any"},
    "db.settings": {"admin": "any"},  # the instance's k floor (store.settings), never a caller's choice
    # storing or looking up a personnummer answers "is this person known to social services?":
    # intake and coordinators only, and every check is audited, found or not
    "case.pnr": {"intake": "team", "coordinator": "team"},
    # a referrer (store.referrers) sends the checklist to a team's intake, always as a new case, and reads the
    # intake decision of their own referrals only; "any" because they hold no team, and these two actions
    # never open a case: nothing else in the table names the referrer
    "referral.send": {"referrer": "any"},
    "referral.sent_status": {"referrer": "any"},
}
_RANK = {"member": 0, "own": 1, "team": 2, "any": 3}

# What emergency access (nödåtkomst) covers, while its grant runs: reading the case, and logging what
# happened so the case's own team learns of it. Nothing that changes who holds the case (assign, team,
# close, reopen), nothing about consent (adding, withdrawing, releasing to a partner) and no assessment or
# plan of one's own: those stay with the case's team, so an emergency can never become a takeover.
EMERGENCY = frozenset({"case.read", "case.list", "referral.read", "checklist.read", "consent.read",
                       "assessment.read", "plan.read", "outcome.read", "event.write"})


@dataclass(frozen=True)
class Actor:
    """Who is acting: a login, its roles and teams. Built from the user table by
    ``store.users.actor_for`` (the one place), or as ``system`` by set-up jobs."""

    who: str
    roles: frozenset[str] = field(default_factory=frozenset)
    teams: frozenset[int] = field(default_factory=frozenset)
    user_id: int | None = None
    name: str = field(default="", compare=False)  # the display name, for the sidebar
    organisation: str | None = None  # a partner's or referrer's organisation (rules.partner); staff: None

    def __post_init__(self) -> None:
        if isinstance(self.roles, str):  # Actor("setup", "system")
            object.__setattr__(self, "roles", frozenset({self.roles}))
        object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "teams", frozenset(self.teams))

    @property
    def role(self) -> str:
        """The roles as one audit-log word, e.g. ``assessor+coordinator``."""
        return "+".join(sorted(self.roles)) or "none"


class AccessDenied(PermissionError):
    """The actor may not do this (to this case). ``code`` and ``params`` say why, for translation.

    ``store.db.transaction`` rolls the work back and then audits the refusal in a transaction of its
    own (``audit_row``), so a refused action leaves exactly one trace: the refusal.
    """

    def __init__(self, code: str, actor: Actor | None = None, subject_id: int | None = None, **params: object):
        self.code, self.params = code, params
        self.audit_row = None if actor is None else {
            "actor": actor, "action": "refused", "entity": "access", "subject_id": subject_id,
            "detail": f"{code} {params.get('action', '')}".strip()}
        super().__init__(f"{code}: " + ", ".join(f"{k}={v}" for k, v in params.items()))


def scope_of(actor: Actor, action: str) -> str | None:
    """The widest scope any of the actor's roles has for ``action`` (None: refused)."""
    if SYSTEM in actor.roles:
        return "any"
    rules = POLICY[action]
    scopes = [rules[r] for r in actor.roles if r in rules]
    return max(scopes, key=_RANK.__getitem__, default=None)


def may(actor: Actor, action: str) -> bool:
    """Whether the actor may do ``action`` to at least some case (pages ask this to show a page)."""
    return scope_of(actor, action) is not None


def may_on_case(actor: Actor, action: str, emergency_only: bool) -> bool:
    """What a page may offer on one case: ``may``, narrowed to what the grant covers (``EMERGENCY``) when
    the actor is in only through emergency access, so no page draws a form the store would refuse."""
    return may(actor, action) and (not emergency_only or action in EMERGENCY)


@dataclass(frozen=True)
class CaseAccess:
    team_id: int | None
    assigned: bool  # the actor is a responsible assessor of the case
    emergency: bool  # the actor holds emergency access to it now
    protected: bool = False  # protected identity: the team alone does not open it


def case_access(session: Session, actor: Actor, subject_id: int) -> CaseAccess:
    """The case's team and whether the actor is assigned to it or holds emergency access now: one
    query, cached for the transaction (a page that reads a case five times looks it up once)."""
    cache = session.info.setdefault("insats_case_access", {})
    key = (actor.who, subject_id)
    if key not in cache:
        assigned = exists().where(CaseAssessor.subject_id == subject_id, CaseAssessor.user_id == actor.user_id)
        emergency = exists().where(EmergencyAccess.subject_id == subject_id, EmergencyAccess.login == actor.who,
                                   EmergencyAccess.expires_at > utc_now())
        row = session.execute(select(Subject.team_id, assigned, emergency, Subject.protected)
                              .where(Subject.id == subject_id)).first()
        cache[key] = CaseAccess(*row[:3], bool(row[3])) if row else CaseAccess(None, False, False)
    return cache[key]


def forget_case_access(session: Session) -> None:
    """Called after an assignment, an emergency grant, a protection, a membership or a consent changes who
    may see a case."""
    session.info.pop("insats_case_access", None)


def in_scope(session: Session, actor: Actor, scope: str | None, subject_id: int | None, action: str) -> bool:
    """Whether ``scope`` covers the case: the actor's team, an assignment, or emergency access for the
    actions emergency covers (``EMERGENCY``)."""
    if scope is None:
        return False
    if scope == "any" or subject_id is None:
        return True
    if scope == "member":
        return member_allows(session, actor, subject_id, action)
    access = case_access(session, actor, subject_id)
    return team_opens(access, actor, action) or access.assigned or (access.emergency and action in EMERGENCY)


def member_allows(session: Session, actor: Actor, subject_id: int, action: str) -> bool:
    """Whether the partner is a current member of the case's group today and the consent in force
    covers what ``action`` needs (``rules.partner.allows``)."""
    found = current_membership(session, actor, subject_id)
    return found is not None and partner.allows(action, found.categories)


def current_membership(session: Session, actor: Actor, subject_id: int) -> Membership | None:
    """The partner's membership of the group today (``store.partners.membership_of``), asked once per
    transaction, as ``case_access`` is: every click is a new transaction, so a consent withdrawn or a
    membership ended shows on the next one; a change within the transaction calls ``forget_case_access``."""
    cache = session.info.setdefault("insats_case_access", {})
    key = ("member", actor.user_id, subject_id, config.today())
    if key not in cache:
        cache[key] = membership_of(session, actor.user_id, subject_id, config.today())
    return cache[key]


def team_opens(access: CaseAccess, actor: Actor, action: str) -> bool:
    """Whether the actor's teams alone open the case for ``action`` (a protected case: only as coordinator)."""
    return access.team_id in actor.teams and (not access.protected or _team_opens_protected(actor, action))


def _team_opens_protected(actor: Actor, action: str) -> bool:
    """Whether the actor's team membership opens a protected case for ``action``: only as its
    coordinator (the coordinator role has a rule for the action); the others of the team need an
    assignment or emergency access."""
    return "coordinator" in actor.roles and "coordinator" in POLICY[action]


def guard(session: Session, actor: Actor, action: str, subject_id: int | None = None, *,
          detail: str | None = None, owner: str | None = None, verb: str | None = None, audited: bool = True) -> None:
    """Check ``action`` on the case ``subject_id`` (None: not about one case) and audit it.

    ``owner``: for ``own``-scoped rules, the login that owns the object (a draft's rater).
    ``verb``: the audit row's action word when it says more than the rule's (create, update, list).
    ``audited=False`` only for a check whose audit row the caller writes itself (bulk reads that log
    one row per subject); a refusal is always audited.
    """
    entity, rule_verb = action.split(".", 1)
    scope = scope_of(actor, action)
    allowed = in_scope(session, actor, scope, subject_id, action)
    if allowed and scope == "own" and owner is not None and owner != actor.who:
        refuse(session, actor, action, subject_id, "access.not_own")
    if not allowed:
        refuse(session, actor, action, subject_id,
               "access.role" if scope is None else _case_refusal(session, actor, subject_id))
    if audited:
        chain.record(session, actor, verb or rule_verb, entity, subject_id, detail)


def _case_refusal(session: Session, actor: Actor, subject_id: int | None) -> str:
    """Why a case is out of scope: another team's, or its own team's but protected; for a partner, not
    (or no longer) a member of its group, or beyond what the consent lets their organisation see."""
    if subject_id is not None and "partner" in actor.roles:
        return "access.consent" if current_membership(session, actor, subject_id) is not None else "access.member"
    if subject_id is not None:
        access = case_access(session, actor, subject_id)
        if access.protected and access.team_id in actor.teams:
            return "access.protected"
        if access.emergency:  # read under emergency access: this is beyond what the grant covers
            return "access.emergency_only"
    return "access.case"


def refuse(session: Session, actor: Actor, action: str, subject_id: int | None, code: str) -> None:
    """Raise the refusal; the transaction audits it after rolling back (see ``AccessDenied``)."""
    raise AccessDenied(code, actor, subject_id, action=action)


def visible_cases(actor: Actor, action: str = "case.list") -> ColumnElement[bool]:
    """A WHERE clause on ``Subject`` for lists: the cases this actor's scope for ``action`` covers."""
    scope = scope_of(actor, action)
    if scope is None:
        return false()
    if scope == "any":
        return true()
    if scope == "member":
        return _member_cases(actor, action)
    assigned = select(CaseAssessor.subject_id).where(CaseAssessor.user_id == actor.user_id)
    team = Subject.team_id.in_(sorted(actor.teams))
    if not _team_opens_protected(actor, action):
        team = and_(team, Subject.protected.is_(False))
    if action not in EMERGENCY:
        return or_(team, Subject.id.in_(assigned))
    emergency = select(EmergencyAccess.subject_id).where(EmergencyAccess.login == actor.who,
                                                         EmergencyAccess.expires_at > utc_now())
    return or_(team, Subject.id.in_(assigned), Subject.id.in_(emergency))


def _member_cases(actor: Actor, action: str) -> ColumnElement[bool]:
    """The groups the partner is a current member of, for an action membership alone opens; what the
    consent opens is asked per group (``store.partners.memberships``), never in a list's WHERE clause."""
    if partner.ACTION_NEEDS.get(action, partner.NAMED) is not None:
        return false()
    on = config.today()
    groups = (select(Member.subject_id).join(User, User.id == Member.user_id)
              .where(Member.user_id == actor.user_id, User.active.is_(True),
                     or_(Member.from_on.is_(None), Member.from_on <= on),
                     or_(Member.to_on.is_(None), Member.to_on >= on)))
    return Subject.id.in_(groups)


def pages_for(actor: Actor) -> list[str]:
    """The workflows (page names) a role may open: asked of the same table the store enforces."""
    needs = {"intake": "referral.read", "caseload": "caseload.read", "case": "case.read",
             "assessment": "assessment.read",
             "change": "assessment.read", "matching": "plan.write", "plan": "plan.read",
             "research": "research.export", "followup": "report.followup", "log": "audit.read",
             "groups": "group.list", "referrals_sent": "referral.send"}
    pages = [page for page, action in needs.items() if may(actor, action)]
    return [*pages, "instruments"]


# where each role starts its day, the first that applies: a partner on their groups, a coordinator on the
# overview of every group, intake on the queue, an assessor on the case, a researcher on the cohort, an admin on
# the log, a referrer on their referrals
LANDING = (("partner", "groups"), ("coordinator", "caseload"), ("intake", "intake"), ("assessor", "case"),
           ("researcher", "research"), ("admin", "log"), ("referrer", "referrals_sent"))


def landing_page(actor: Actor) -> str:
    pages = pages_for(actor)
    return next((page for role, page in LANDING if role in actor.roles and page in pages), pages[0])
