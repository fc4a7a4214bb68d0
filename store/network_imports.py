"""A coordinator moving from Excel brings the running groups in: members and held meetings, every row
checked first, all written or none, and a second import of the same file adds nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rules import timing
from rules.path import case_phases

from . import audit
from .access import Actor, guard
from .cases.subjects import normalise_code
from .imports import (
    ImportRefused,
    ImportReport,
    RowError,
    _chunks,
    _dates,
    _order,
    _refuse_other_teams,
    check_case_codes,
    check_text,
    subject_ids_by_code,
)
from .models import ORGANISATIONS, Meeting, Member, Referral, Subject, User

MEMBER_COLUMNS = ("case_code", "name", "organisation", "role", "from", "to")
MEMBER_OPTIONAL = ("phone", "email", "login")  # login: the member's partner account (store.partners)
MEETING_COLUMNS = ("case_code", "held_on", "attendees")
ORGANISATIONS_EXPECTED = "one of " + ", ".join(ORGANISATIONS)


def _header(frame: pd.DataFrame, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    missing = [c for c in required if c not in frame.columns]
    unknown = [c for c in frame.columns if c not in required + optional]
    if missing or unknown:
        raise ImportRefused([RowError(1, c, "(missing)", "this column in the header") for c in missing]
                            + [RowError(1, c, "(unknown column)", "one of " + ", ".join(required + optional))
                               for c in unknown])


def _cases(session: Session, frame: pd.DataFrame, errors: list[RowError]) -> tuple[pd.Series, dict[str, int]]:
    codes = frame["case_code"].map(normalise_code)
    fine = check_case_codes(codes, "case_code", errors)
    known = subject_ids_by_code(session, codes[fine])
    for pos in np.flatnonzero((fine & ~codes.isin(list(known))).to_numpy()):
        errors.append(RowError(int(pos) + 2, "case_code", codes.iloc[pos], "an existing case code"))
    return codes, known


def _existing(session: Session, columns, subject_ids: list[int]) -> set[tuple]:
    found: set[tuple] = set()
    for chunk in _chunks(subject_ids):
        found |= set(session.execute(select(*columns).where(columns[0].in_(chunk))).all())
    return found


def import_members(session: Session, actor: Actor, frame: pd.DataFrame) -> ImportReport:
    """Rows ``case_code, name, organisation, role, from, to`` (and optionally ``phone, email``). A member
    already in the case (same name, organisation and from date) is skipped."""
    guard(session, actor, "network.import", audited=False)
    frame = frame.fillna("").astype(str)
    _header(frame, MEMBER_COLUMNS, MEMBER_OPTIONAL)
    errors: list[RowError] = []
    codes, known = _cases(session, frame, errors)
    names = frame["name"].str.strip()
    check_text(frame, ("name", "role", "phone", "email"), errors)
    for pos in np.flatnonzero((names == "").to_numpy()):
        errors.append(RowError(int(pos) + 2, "name", "", "the member's name"))
    organisation = frame["organisation"].str.strip().str.lower()
    for pos in np.flatnonzero(~organisation.isin(ORGANISATIONS).to_numpy()):
        errors.append(RowError(int(pos) + 2, "organisation", frame["organisation"].iloc[pos], ORGANISATIONS_EXPECTED))
    start, end = _dates(frame, "from", errors, required=False), _dates(frame, "to", errors, required=False)
    _order(frame, errors, end, start, "to", "from")
    accounts = _partner_accounts(session, frame, organisation, errors)
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e.row, e.column)))
    _refuse_other_teams(session, actor, "network.import", codes.tolist(), known)
    already = _existing(session, (Member.subject_id, Member.name, Member.organisation, Member.from_on),
                        sorted(set(known.values())))
    report, rows, seen = ImportReport(), [], set()
    for i in range(len(frame)):
        day = None if pd.isna(start.iloc[i]) else start.iloc[i].date()
        key = (known[codes.iloc[i]], names.iloc[i], organisation.iloc[i], day)
        if key in already or key in seen:
            report.skipped.append(f"row {i + 2}: {codes.iloc[i]} {names.iloc[i]} ({organisation.iloc[i]}) "
                                  "is already a member – skipped")
            continue
        seen.add(key)
        rows.append({"subject_id": key[0], "name": key[1], "organisation": key[2], "from_on": day,
                     "to_on": None if pd.isna(end.iloc[i]) else end.iloc[i].date(),
                     "role": frame["role"].iloc[i].strip() or None,
                     "phone": frame["phone"].iloc[i].strip() or None if "phone" in frame else None,
                     "email": frame["email"].iloc[i].strip() or None if "email" in frame else None,
                     "user_id": accounts.iloc[i]})
    if rows:
        session.connection().execute(Member.__table__.insert(), rows)
    audit.record_many(session, actor, "import", "member", [r["subject_id"] for r in rows])
    report.imported = len(rows)
    return report


def _partner_accounts(session: Session, frame: pd.DataFrame, organisation: pd.Series,
                      errors: list[RowError]) -> pd.Series:
    """The optional ``login`` column: each named login an active partner account of the row's organisation
    (one query for the file). Returns the user id per row (None where no login is given)."""
    none = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if "login" not in frame:
        return none
    logins = frame["login"].str.strip()
    named = sorted(set(logins[logins != ""]))
    found = {login: (uid, roles, org) for login, uid, roles, org, active in session.execute(
        select(User.login, User.id, User.roles, User.organisation, User.active).where(User.login.in_(named)))
        if active}
    ids = none.copy()
    for pos in np.flatnonzero((logins != "").to_numpy()):
        login, wanted = logins.iloc[pos], organisation.iloc[pos]
        account = found.get(login)
        if account is None or "partner" not in (account[1] or []):
            errors.append(RowError(int(pos) + 2, "login", login, "an active partner account (insats users add)"))
        elif account[2] != wanted:
            errors.append(RowError(int(pos) + 2, "login", login, f"a partner account of {wanted}"))
        else:
            ids.iloc[pos] = account[0]
    return ids


def _in_the_participation(session: Session, subject_ids: pd.Series, held: pd.Series, errors: list[RowError]) -> None:
    """Each meeting in its case's participation on the day it was held (``rules.path``, column-wise): not
    before the start, not after the closing. The phase is taken on the meeting's day, so a closed case's
    history can be brought in."""
    ids = sorted({int(i) for i in subject_ids})
    dates = {}
    for chunk in _chunks(ids):
        dates.update({sid: (start, closed) for sid, start, closed in session.execute(
            select(Subject.id, func.max(Referral.started_on), Subject.closed_on)
            .outerjoin(Referral, Referral.subject_id == Subject.id).where(Subject.id.in_(chunk))
            .group_by(Subject.id, Subject.closed_on)).all()})
    started = pd.to_datetime(subject_ids.map(lambda i: dates[int(i)][0]))
    closed = pd.to_datetime(subject_ids.map(lambda i: dates[int(i)][1]))
    phase = case_phases(started, closed, held)
    for pos in np.flatnonzero((phase != "started").to_numpy()):
        day = held.iloc[pos].date().isoformat()
        if pd.isna(started.iloc[pos]):
            wanted = "a case that has started (record the start first)"
        elif phase.iloc[pos] == "referred":
            wanted = f"a date on or after the case's start, {started.iloc[pos].date()}"
        else:
            wanted = f"a date on or before the case's closing, {closed.iloc[pos].date()} (or reopen it first)"
        errors.append(RowError(int(pos) + 2, "held_on", day, wanted))


def import_meetings(session: Session, actor: Actor, frame: pd.DataFrame) -> ImportReport:
    """Rows ``case_code, held_on, attendees`` (organisations separated by ``;``): meetings that were held.
    A case's meeting on a day it already has one is skipped."""
    guard(session, actor, "network.import", audited=False)
    frame = frame.fillna("").astype(str)
    _header(frame, MEETING_COLUMNS)
    errors: list[RowError] = []
    codes, known = _cases(session, frame, errors)
    held = _dates(frame, "held_on", errors, required=True)
    attendees = frame["attendees"].map(lambda text: [a.strip().lower() for a in text.split(";") if a.strip()])
    for pos, listed in enumerate(attendees):
        wrong = [a for a in listed if a not in ORGANISATIONS]
        if wrong or not listed:
            errors.append(RowError(pos + 2, "attendees", frame["attendees"].iloc[pos],
                                   f"organisations separated by ';', each {ORGANISATIONS_EXPECTED}"))
    if not errors:
        _in_the_participation(session, codes.map(known), held, errors)
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e.row, e.column)))
    _refuse_other_teams(session, actor, "network.import", codes.tolist(), known)
    already = _existing(session, (Meeting.subject_id, Meeting.held_on), sorted(set(known.values())))
    report, rows, seen = ImportReport(), [], set()
    for i in range(len(frame)):
        key = (known[codes.iloc[i]], held.iloc[i].date())
        if key in already or key in seen:
            report.skipped.append(f"row {i + 2}: {codes.iloc[i]} already has a meeting on {key[1]} – skipped")
            continue
        seen.add(key)
        rows.append({"subject_id": key[0], "held_on": key[1], "attendees": sorted(set(attendees.iloc[i])),
                     "notes": None, "next_meeting_on": key[1] + timing.MEETING_INTERVAL})
    if rows:
        session.connection().execute(Meeting.__table__.insert(), rows)
    audit.record_many(session, actor, "import", "meeting", [r["subject_id"] for r in rows])
    report.imported = len(rows)
    return report
