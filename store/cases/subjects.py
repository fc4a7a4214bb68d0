"""Cases (subjects): created in a team, found by pseudonymous code or by encrypted personnummer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .._time import utc_now
from ..access import Actor, forget_case_access, guard, scope_of
from ..identity import encrypt_pnr, instance_key, key_id, new_case_code, normalise_pnr, pnr_lookup_hash
from ..input_rules import check_case_code, text_problem
from ..models import EmergencyAccess, Subject, Team
from ._errors import CaseError

EMERGENCY_TIME = timedelta(hours=8)


def normalise_code(case_code: str) -> str:
    """Case codes are kept in capitals: "sig-x7" and "SIG-X7" are one case."""
    return case_code.strip().upper()


def checked_code(case_code: str) -> str:
    """The normalised code, or a CaseError saying what a code may be (never a database error): 1-16
    letters, digits and dashes, and never a personnummer."""
    code = normalise_code(case_code)
    check_case_code(code)  # the one rule every import and form applies: no personnummer in a code
    return code


def team_for_new_case(session: Session, actor: Actor, team_id: int | None) -> int:
    """The team a new case goes to: the one asked for (if the actor works there), else the actor's
    first team; set-up jobs and actors without teams use the default team."""
    if team_id is not None:
        if scope_of(actor, "case.create") == "team" and team_id not in actor.teams:
            raise CaseError("a new case can only be placed in one of your own teams", "case.not_your_team")
        return team_id
    if actor.teams:
        return min(actor.teams)
    default = session.scalar(select(Team.id).order_by(Team.id).limit(1))
    if default is None:
        raise CaseError("there is no team to place the case in (insats teams add NAME)", "case.no_team")
    return default


def create_subject(session: Session, actor: Actor, *, birth_year: int | None = None, birth_month: int | None = None,
                   gender: str | None = None, district: str | None = None, pnr: str | None = None,
                   case_code: str | None = None, synthetic: bool = False, team_id: int | None = None) -> Subject:
    guard(session, actor, "case.create", audited=False)
    subject = Subject(case_code=checked_code(case_code) if case_code else _unique_case_code(session),
                      birth_year=birth_year, birth_month=birth_month, gender=gender, district=district,
                      synthetic=synthetic, team_id=team_for_new_case(session, actor, team_id))
    if pnr:
        guard(session, actor, "case.pnr", audited=False)  # audited below, with what the check found
        normalised = normalise_pnr(pnr)
        key = instance_key()
        lookup = pnr_lookup_hash(normalised, key)
        known = session.scalar(select(Subject.id).where(Subject.pnr_hash == lookup))
        if known is not None:
            refused = CaseError("a case with this personal identity number already exists", "case.pnr_exists")
            refused.audit_row = {"actor": actor, "action": "pnr_check", "entity": "case", "subject_id": known,
                                 "detail": "new case refused: personnummer already known"}
            raise refused
        subject.pnr_encrypted, subject.pnr_hash = encrypt_pnr(normalised, key), lookup
        subject.pnr_key_id = key_id(key)
        year, month = int(normalised[:4]), int(normalised[4:6])
        subject.birth_year, subject.birth_month = subject.birth_year or year, subject.birth_month or month
    session.add(subject)
    session.flush()
    guard(session, actor, "case.create", subject.id, verb="create",
          detail="with personnummer (checked: not known before)" if pnr else None)
    return subject


def _unique_case_code(session: Session) -> str:
    while True:
        code = new_case_code()
        if session.scalar(select(Subject.id).where(Subject.case_code == code)) is None:
            return code


def find_subject(session: Session, case_code: str) -> Subject:
    """The case by code, unchecked: only for store functions that guard it themselves. A code no case
    can have (a NUL byte, which PostgreSQL cannot even compare) is simply not found."""
    if text_problem(case_code):
        raise CaseError(f"no case with code {case_code[:40]!r}", "case.unknown", case=case_code[:40])
    subject = session.scalar(select(Subject).where(Subject.case_code == normalise_code(case_code)))
    if subject is None:
        raise CaseError(f"no case with code {case_code}", "case.unknown", case=case_code)
    return subject


def subject_by_code(session: Session, actor: Actor, case_code: str, action: str = "case.read") -> Subject:
    """Open a case: audited as ``action`` (default a read of the case), refused outside the actor's scope."""
    subject = find_subject(session, case_code)
    guard(session, actor, action, subject.id)
    return subject


def subject_by_pnr(session: Session, actor: Actor, pnr: str) -> Subject | None:
    """Find a case by personnummer: intake and coordinators only; audited whether found or not."""
    guard(session, actor, "case.pnr", audited=False)
    subject = session.scalar(select(Subject).where(Subject.pnr_hash == pnr_lookup_hash(normalise_pnr(pnr))))
    if subject is not None:
        guard(session, actor, "case.read", subject.id, detail="by personal identity number", verb="pnr_check")
    else:
        guard(session, actor, "case.pnr", detail="lookup by personal identity number: none", verb="pnr_check")
    return subject


EMERGENCY_REASON_CHARS, EMERGENCY_REASON_WORDS = 20, 3


def emergency_reason_problem(reason: str) -> str | None:
    """Why a stated reason is not enough for emergency access (None: it is): at least 20 characters
    and three words, so that "xxxxxxxxxx" or "akut" does not open another team's case."""
    text = " ".join(reason.split())
    words = [w for w in text.split(" ") if any(c.isalpha() for c in w)]
    if len(text) < EMERGENCY_REASON_CHARS or len(words) < EMERGENCY_REASON_WORDS:
        return "case.emergency_reason"
    return None


def open_in_emergency(session: Session, actor: Actor, case_code: str, reason: str) -> Subject:
    """Nödåtkomst: read a case outside one's teams for EMERGENCY_TIME after stating why.

    What it covers is ``store.access.EMERGENCY`` (reading, and logging an event), never a change of who
    holds the case. The reason is kept with the case (``emergency_access.reason``, removed by gallring);
    the audit row refers to it, and the case team's coordinator reads it in full on the Logg."""
    code = emergency_reason_problem(reason)
    if code:
        raise CaseError(f"state the reason for emergency access in a sentence of at least "
                        f"{EMERGENCY_REASON_CHARS} characters and {EMERGENCY_REASON_WORDS} words", code,
                        chars=EMERGENCY_REASON_CHARS, words=EMERGENCY_REASON_WORDS)
    subject = find_subject(session, case_code)
    now = utc_now()
    grant = EmergencyAccess(login=actor.who, subject_id=subject.id, reason=" ".join(reason.split()), granted_at=now,
                            expires_at=now + EMERGENCY_TIME)
    session.add(grant)
    session.flush()  # a refusal below rolls the grant back with everything else
    guard(session, actor, "case.emergency", subject.id, detail=f"emergency_access {grant.id}", verb="emergency")
    forget_case_access(session)
    return subject
