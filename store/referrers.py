"""Referrers (role ``referrer``: police, school, field workers, leisure) send the ``irk-8`` checklist to a
team's intake themselves, and see what became of their own referrals: received, or decided yes/no.

How the youth is identified: by the personnummer (or samordningsnummer) the referrer types, and
nothing else a person could be named by. The form asks no name, because intake's own registration
stores none. Every referral becomes a **new case** with a new pseudonymous case code in the chosen
team, birth year and month taken from the number, as intake's registration makes one. The number is
stored the one way intake's registration stores it (``store.identity``: encrypted, with a keyed hash),
unless a case already holds it: then the new case holds no number, and the referral names that case
in ``same_pnr_as``, which only intake sees ("possibly the same youth as …", on its own side).

No existence oracle: whether the youth is known changes nothing the referrer can observe. The same
statements run in both cases (the number is encrypted either way; one audit row of the check either
way), the answer is the same ``SentReferral``, and the status list shows the intake decision only
(``rules.referrer``). The referrer never sees the case code, the case's later steps, its team after
a move, or any assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import config
from rules.partner import REFERRAL_SOURCE
from rules.referrer import DAILY_LIMIT_CODE, may_send_another, sent_status, sent_statuses

from . import chain
from ._time import utc_now
from .access import Actor, guard, in_scope, scope_of
from .cases._errors import CaseError
from .cases.assessments import _instrument_and_check
from .cases.subjects import _unique_case_code
from .identity import encrypt_pnr, instance_key, key_id, normalise_pnr, pnr_lookup_hash
from .input_rules import refusal, text_problem
from .models import Assessment, Referral, Subject, Team, User, UserTeam

CHECKLIST = "irk-8"
GENDERS = ("pojke", "flicka", "annat")
DISTRICT_CHARS = 64  # the column's width (``subjects.district``)


@dataclass(frozen=True)
class SentReferral:
    """One referral as its referrer sees it: their own number for it, the day sent, the team chosen,
    and the intake decision (``rules.referrer``) with its day. Nothing about the case."""

    number: int  # 1, 2, 3 … among this referrer's own referrals
    sent_on: date
    team: str
    status: str  # received | yes | no
    decided_on: date | None


@dataclass(frozen=True)
class Origin:
    """Who sent a referral, for intake: the referrer's name and organisation, and the case it may be a
    duplicate of (``same_case``: its code when the reader may open it; ``same_elsewhere``: a case they
    may not open holds the number)."""

    name: str
    organisation: str
    same_case: str | None = None
    same_elsewhere: bool = False


def receiving_teams(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The teams a referrer may send to, by name: those with an intake (``_intake_teams``). Not every
    team: "Standard", made at install to hold the cases older than teams (migration 0002), takes no
    referral unless someone does intake in it."""
    guard(session, actor, "referral.send", audited=False)
    taking = _intake_teams(session)
    return [(t.id, t.name) for t in session.scalars(select(Team).order_by(Team.name)) if t.id in taking]


def _intake_teams(session: Session) -> set[int]:
    """The teams with at least one active user whose roles include ``intake``: someone there reads Inkorg.
    (Roles are a JSON list: filtered here, the same on SQLite and PostgreSQL; there are few users.)"""
    rows = session.execute(select(UserTeam.team_id, User.roles).join(User, User.id == UserTeam.user_id)
                           .where(User.active.is_(True)))
    return {team for team, roles in rows if "intake" in (roles or ())}


def _district(district: str | None) -> str | None:
    text = (district or "").strip() or None
    if text is not None and text_problem(text):
        raise refusal("text", "district")
    if text is not None and len(text) > DISTRICT_CHARS:
        raise CaseError(f"district: at most {DISTRICT_CHARS} characters", "referral.district_long",
                        limit=DISTRICT_CHARS)
    return text


def send_referral(session: Session, actor: Actor, *, team_id: int, pnr: str, checklist: dict[str, str | None],
                  on: date, gender: str | None = None, district: str | None = None,
                  report_of_concern: bool = False) -> SentReferral:
    """Send the checklist to ``team_id``'s intake as a new referral received ``on`` (today). Everything is
    checked before anything is written, and the caller's transaction holds it all: nothing partial."""
    guard(session, actor, "referral.send", audited=False)  # a refusal is audited by the transaction
    source = REFERRAL_SOURCE.get(actor.organisation or "")
    if source is None:
        raise CaseError("a referrer account acts for an organisation", "referral.no_organisation")
    team = session.get(Team, team_id) if isinstance(team_id, int) and not isinstance(team_id, bool) else None
    if team is None:
        raise CaseError("choose the team whose intake receives the referral", "referral.team")
    if team.id not in _intake_teams(session):
        raise CaseError(f"team {team.name!r} has no intake that receives referrals", "referral.team_no_intake",
                        team=team.name)
    _within_daily_limit(session, actor, on)
    if not any(v is not None for v in checklist.values()):
        raise CaseError("the referral's checklist has no answer; answer at least one item (or 'Vet ej')",
                        "referral.empty_checklist")
    inst = _instrument_and_check(CHECKLIST, checklist)
    if gender not in (None, *GENDERS):
        raise CaseError(f"gender: one of {', '.join(GENDERS)}", "referral.gender")
    place = _district(district)
    number = normalise_pnr(pnr or "", on)  # IdentityError (pnr.format, pnr.date, pnr.check) says what is wrong
    key = instance_key()
    lookup = pnr_lookup_hash(number, key)
    known = session.scalar(select(Subject.id).where(Subject.pnr_hash == lookup))
    sealed = encrypt_pnr(number, key)  # either way: the two answers cost the same
    subject = Subject(case_code=_unique_case_code(session), team_id=team.id, birth_year=int(number[:4]),
                      birth_month=int(number[4:6]), gender=gender, district=place, synthetic=False,
                      pnr_encrypted=None if known else sealed, pnr_hash=None if known else lookup,
                      pnr_key_id=None if known else key_id(key))
    session.add(subject)
    session.flush()
    form = Assessment(subject_id=subject.id, instrument_id=inst.id, instrument_version=inst.version,
                      definition_hash=inst.definition_hash, rater=actor.who, status="final", version=1,
                      occasion="referral", assessed_on=on, ratings=dict(checklist), updated_by=actor.who,
                      updated_at=utc_now(), finalised_at=utc_now())
    session.add(form)
    session.flush()
    referral = Referral(subject_id=subject.id, source=source, received_on=on, checklist_id=form.id,
                        report_of_concern=bool(report_of_concern), sent_by=actor.user_id, sent_to=team.id,
                        same_pnr_as=known)
    session.add(referral)
    session.flush()
    # the check of the number is audited on the case that holds it, or as "none" (one row either way)
    chain.record(session, actor, "pnr_check", "case", known,
                 f"referral {referral.id} from a referrer: " + ("personnummer already known" if known
                                                                else "personnummer not known before"))
    guard(session, actor, "referral.send", subject.id, verb="create", detail=f"referral {referral.id}")
    mine = session.scalar(select(func.count()).select_from(Referral).where(Referral.sent_by == actor.user_id))
    return SentReferral(mine or 1, on, team.name, sent_status(None), None)


def _within_daily_limit(session: Session, actor: Actor, on: date) -> None:
    """Refuse a referral beyond ``config.referral_limit_per_day()`` sent by this account on ``on``. The
    account's row is locked first (PostgreSQL; SQLite has one writer), so two sends at the same moment
    cannot both pass at the limit."""
    limit = config.referral_limit_per_day()
    if actor.user_id is None:  # counted per account: an actor without one (never a real referrer) sends nothing
        raise CaseError("a referral is sent from a referrer's own account", "referral.no_organisation")
    session.execute(select(User.id).where(User.id == actor.user_id).with_for_update())
    sent = session.scalar(select(func.count()).select_from(Referral).where(
        Referral.sent_by == actor.user_id, Referral.received_on == on)) or 0
    if not may_send_another(sent, limit):
        raise CaseError(f"at most {limit} referrals a day from one account; {sent} sent on {on}",
                        DAILY_LIMIT_CODE, limit=limit)


def sent_referrals(session: Session, actor: Actor) -> list[SentReferral]:
    """The referrer's own referrals, oldest first, each with the intake decision and nothing else.
    Audited: one row per referral read, on its case."""
    guard(session, actor, "referral.sent_status", audited=False)
    rows = session.execute(select(Referral.id, Referral.subject_id, Referral.received_on, Referral.suitable,
                                  Referral.decided_on, Team.name)
                           .join(Team, Team.id == Referral.sent_to, isouter=True)
                           .where(Referral.sent_by == actor.user_id).order_by(Referral.id)).all()
    if actor.user_id is None or not rows:
        guard(session, actor, "referral.sent_status", detail="0 referrals", verb="list")
        return []
    statuses = sent_statuses([r.suitable for r in rows])
    chain.record_many(session, actor, "sent_status", "referral", [r.subject_id for r in rows],
                      f"status of the referrer's own referrals ({len(rows)})")
    return [SentReferral(n, r.received_on, r.name or "", str(status), r.decided_on if status != "received" else None)
            for n, (r, status) in enumerate(zip(rows, statuses, strict=True), start=1)]


def origin_of(session: Session, actor: Actor, referral: Referral) -> Origin | None:
    """Who sent ``referral`` (None: intake registered it), for intake: read with the referral itself
    (the caller read it through ``views.referral_by_id``, which audited it). Whether a case holds the
    same number is said by its code only to a reader who may open that case."""
    guard(session, actor, "referral.read", referral.subject_id, audited=False)
    if referral.sent_by is None:
        return None
    user = session.get(User, referral.sent_by)
    same, elsewhere = None, False
    if referral.same_pnr_as is not None:
        if in_scope(session, actor, scope_of(actor, "case.read"), referral.same_pnr_as, "case.read"):
            same = session.scalar(select(Subject.case_code).where(Subject.id == referral.same_pnr_as))
        elsewhere = same is None
    return Origin(user.display_name if user else "?", (user.organisation if user else None) or "other", same,
                  elsewhere)
