"""Assessments: drafts autosave, finalising locks, a correction is a new version with a reason.

Checklists sent with a referral (occasion ``referral``) are the intake team's; every other
occasion is the assessors' (``checklist.*`` and ``assessment.*`` in the policy). An assessor edits
and finalises only their own drafts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

import instruments
from rules import start as start_rules

from .. import audit
from .._time import utc_now
from ..access import Actor, guard
from ..models import OCCASIONS, Assessment, Subject, User
from ._dates import not_after_today
from ._errors import CaseError


def area(occasion: str) -> str:
    """The policy entity for an assessment of this occasion."""
    return "checklist" if occasion == "referral" else "assessment"


def _instrument_and_check(instrument_id: str, ratings: dict[str, str | None]) -> instruments.Instrument:
    inst = instruments.load(instrument_id)
    for item_id, code in ratings.items():
        if item_id not in inst.item_ids:
            raise CaseError(f"{item_id} is not an item of {instrument_id}", "assessment.item", item=item_id)
        scale = inst.scales[inst.item_by_id[item_id].scale]
        if code not in (None, *inst.omission.codes) and scale.level_for(code) is None:
            raise CaseError(f"{item_id}: {code!r} is not a level of its scale", "assessment.level", item=item_id,
                            level=code)
    return inst


def save_draft(session: Session, actor: Actor, subject: Subject, instrument_id: str, *, occasion: str,
               assessed_on: date, ratings: dict[str, str | None], judgment: str | None = None,
               rationale: str | None = None, notes: dict | None = None,
               draft: Assessment | None = None, revision: int | None = None) -> Assessment:
    """Create a draft, or update an existing draft (autosave). Finalised assessments are refused.

    Updating names the ``revision`` the caller's copy was loaded at: if someone saved the draft since
    (another tab, another device), the save is refused with who and when, instead of silently writing
    the whole rating set over theirs. The UPDATE itself carries the revision too, so two transactions
    racing past this check still cannot both win.
    """
    if occasion not in OCCASIONS:
        raise CaseError(f"unknown occasion {occasion!r}; expected one of {', '.join(OCCASIONS)}",
                        "assessment.occasion", occasion=occasion)
    guard(session, actor, f"{area(occasion)}.write", subject.id, owner=draft.rater if draft else None,
          detail=f"draft {draft.id}" if draft else "new draft",
          verb="update" if draft else "create")
    not_after_today(assessed_on, "assessed")
    inst = _instrument_and_check(instrument_id, ratings)
    if judgment is not None and (inst.judgment is None or judgment not in inst.judgment.levels):
        raise CaseError(f"judgment {judgment!r} is not a level of {instrument_id}", "assessment.judgment",
                        judgment=judgment)
    if draft is None:
        _one_open_draft(session, actor, subject, inst.id, occasion)
    if draft is not None and draft.status != "draft":
        raise CaseError("a finalised assessment cannot be changed; make a correction instead", "assessment.final")
    if draft is not None:
        if revision is None:
            raise CaseError("an update must name the revision it was made from", "assessment.no_revision")
        if draft.revision != revision:
            _stale(session, draft)
    row = draft or Assessment(subject_id=subject.id, instrument_id=inst.id, instrument_version=inst.version,
                              definition_hash=inst.definition_hash, rater=actor.who, status="draft", version=1)
    row.occasion, row.assessed_on, row.ratings = occasion, assessed_on, dict(ratings)
    row.judgment, row.rationale, row.notes = judgment, rationale, notes
    row.updated_by, row.updated_at = actor.who, utc_now()
    if draft is None:
        session.add(row)
    try:
        session.flush()
    except StaleDataError:  # another transaction saved between our read and our write
        with session.get_bind().connect() as fresh:  # this session's transaction is spoilt; ask anew
            who, at = fresh.execute(select(Assessment.updated_by, Assessment.updated_at)
                                    .where(Assessment.id == row.id)).one()
            name = fresh.scalar(select(User.display_name).where(User.login == who)) if who else None
        _refuse_stale(name or who or row.rater, at)
    return row


def _one_open_draft(session: Session, actor: Actor, subject: Subject, instrument_id: str, occasion: str) -> None:
    """One open draft per rater, case, instrument and occasion: a second one would share the first's
    label, and an assessor's ratings could end up split between the two. The refusal names the draft
    to go on with (another rater's own draft of the same form is theirs, for agreement studies)."""
    open_id = session.scalar(select(Assessment.id).where(
        Assessment.subject_id == subject.id, Assessment.instrument_id == instrument_id,
        Assessment.occasion == occasion, Assessment.rater == actor.who, Assessment.status == "draft")
        .order_by(Assessment.id.desc()).limit(1))
    if open_id is not None:
        raise CaseError(f"you already have an open draft of {instrument_id} for this occasion (#{open_id}): go on "
                        "with it, or finalise it first", "assessment.draft_exists", draft=open_id,
                        instrument=instrument_id)


def _stale(session: Session, draft: Assessment) -> None:
    who = draft.updated_by or draft.rater
    _refuse_stale(session.scalar(select(User.display_name).where(User.login == who)) or who, draft.updated_at)


def _refuse_stale(name: str, when: datetime | None) -> None:
    local = when.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Stockholm")) if when else None
    at = local.strftime("%Y-%m-%d %H:%M") if local else "?"
    raise CaseError(f"changed by {name} at {at} - reload", "assessment.stale", name=name, at=at)


def finalise(session: Session, actor: Actor, assessment: Assessment, *, age_reason: str | None = None) -> Assessment:
    """Make an assessment final (immutable). An SPJ form needs its judgment and, if required, a rationale.

    A youth outside the instrument's ``age_range`` on the day assessed needs a stated ``age_reason``
    (the norms and items were made for that range). Checked here, not at each autosave: a draft may be
    saved half-done, but what becomes final says why it was used anyway. The referrer's checklist
    (occasion ``referral``) is not checked: it records what was sent, and the intake decision judges
    whether the youth fits SIG."""
    guard(session, actor, f"{area(assessment.occasion)}.write", assessment.subject_id, owner=assessment.rater,
          detail=f"assessment {assessment.id}", verb="finalise")
    if assessment.status != "draft":
        raise CaseError("this assessment is already final", "assessment.already_final")
    inst = instruments.load(assessment.instrument_id)
    age_reason = (age_reason or assessment.age_reason or "").strip() or None
    if assessment.occasion != "referral" and age_reason is None and outside_age_range(session, assessment, inst):
        low, high = inst.age_range
        raise CaseError(f"the youth is outside {inst.id}'s age range {low}-{high} on {assessment.assessed_on}: "
                        "state why it is used anyway", "assessment.age_range", low=low, high=high)
    if inst.judgment is not None:
        if not assessment.judgment:
            raise CaseError("make the summary judgment before finalising", "assessment.no_judgment")
        if inst.judgment.rationale_required and not (assessment.rationale or "").strip():
            raise CaseError("write a rationale for the judgment before finalising", "assessment.no_rationale")
    assessment_id = assessment.id  # read now: after a failed flush the row cannot be loaded again
    if age_reason != assessment.age_reason:
        assessment.age_reason = age_reason
    assessment.status = "final"
    assessment.finalised_at = utc_now()
    try:
        session.flush()
    except StaleDataError:  # PostgreSQL: another transaction finalised or saved it since we read it
        _refuse_lost_race(session, assessment_id)
    return assessment


def outside_age_range(session: Session, assessment: Assessment, inst: instruments.Instrument) -> bool:
    """Unchecked: whether the youth's age on the day assessed is outside the instrument's range."""
    subject = session.get(Subject, assessment.subject_id)
    age = start_rules.age_on(subject.birth_year, subject.birth_month, assessment.assessed_on)
    return start_rules.outside_age_range(age, inst.age_range)


def _refuse_lost_race(session: Session, assessment_id: int) -> None:
    """The loser of a race for one assessment: told that it is already final, or who changed it, read on
    a fresh connection (this session's transaction is spoilt by the failed UPDATE)."""
    with session.get_bind().connect() as fresh:
        status, who, at = fresh.execute(select(Assessment.status, Assessment.updated_by, Assessment.updated_at)
                                        .where(Assessment.id == assessment_id)).one()
        name = fresh.scalar(select(User.display_name).where(User.login == who)) if who else None
    if status != "draft":
        raise CaseError("this assessment was finalised by someone else in the meantime - reload",
                        "assessment.already_final")
    _refuse_stale(name or who or "?", at)


def new_checklist(session: Session, actor: Actor, subject: Subject, instrument_id: str, on: date,
                  ratings: dict[str, str | None]) -> Assessment:
    """The referring actor's checklist, saved final at once (occasion ``referral``)."""
    return finalise(session, actor, save_draft(session, actor, subject, instrument_id, occasion="referral",
                                               assessed_on=on, ratings=ratings))


def correct(session: Session, actor: Actor, original: Assessment, reason: str, **changes: object) -> Assessment:
    """A correction of a final assessment: a new draft version (the corrector's own) pointing at the
    original, with a reason. The reason stays with the new version (gallring reaches it there); the
    audit row names the two versions only."""
    guard(session, actor, f"{area(original.occasion)}.write", original.subject_id, audited=False)
    if original.status != "final":
        raise CaseError("only a final assessment is corrected; edit the draft instead", "assessment.not_final")
    if not reason.strip():
        raise CaseError("a correction needs a reason", "assessment.no_reason")
    fields = {"ratings": dict(original.ratings), "judgment": original.judgment, "rationale": original.rationale,
              "notes": original.notes, "occasion": original.occasion, "assessed_on": original.assessed_on,
              "age_reason": original.age_reason}
    fields.update(changes)
    row = Assessment(subject_id=original.subject_id, instrument_id=original.instrument_id,
                     instrument_version=original.instrument_version, definition_hash=original.definition_hash,
                     rater=actor.who, status="draft", version=original.version + 1, replaces_id=original.id,
                     correction_reason=reason, **fields)
    _instrument_and_check(original.instrument_id, row.ratings)
    session.add(row)
    session.flush()
    audit.record(session, actor, "correct", area(original.occasion), original.subject_id,
                 f"{original.id}: correction {row.id}")
    return row


def current_rows(session: Session, subject_id: int, include_drafts: bool = True) -> list[Assessment]:
    """Unchecked: the subject's assessments by date, each in its newest version. For guarded callers."""
    rows = session.scalars(
        select(Assessment).where(Assessment.subject_id == subject_id).order_by(Assessment.assessed_on, Assessment.id)
    ).all()
    replaced = {r.replaces_id for r in rows if r.replaces_id is not None and r.status == "final"}
    return [r for r in rows if r.id not in replaced and (include_drafts or r.status == "final")]


def history(session: Session, actor: Actor, assessment: Assessment) -> list[Assessment]:
    """Every version of an assessment, oldest first."""
    guard(session, actor, f"{area(assessment.occasion)}.read", assessment.subject_id,
          detail=f"history of {assessment.id}")
    chain = [assessment]
    while chain[0].replaces_id is not None:
        chain.insert(0, session.get(Assessment, chain[0].replaces_id))
    newer = session.scalar(select(Assessment).where(Assessment.replaces_id == chain[-1].id))
    while newer is not None:
        chain.append(newer)
        newer = session.scalar(select(Assessment).where(Assessment.replaces_id == newer.id))
    return chain


def structured_instruments() -> list[str]:
    """The instruments whose final assessment is the structured assessment a start waits for: not the
    referral checklist, not the youth's own self-report."""
    return [i for i in instruments.available() if instruments.load(i).kind in ("spj", "rating")]


def assessed_before(session: Session, subject_id: int, on: date) -> bool:
    """Unchecked, for guarded callers: a final structured assessment dated on or before ``on``."""
    return session.scalar(select(Assessment.id).where(
        Assessment.subject_id == subject_id, Assessment.status == "final",
        Assessment.instrument_id.in_(structured_instruments()), Assessment.assessed_on <= on).limit(1)) is not None
