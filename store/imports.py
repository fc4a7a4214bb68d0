"""Bulk imports: all or nothing, every bad row reported, nothing written when any row is bad.

Municipalities keep referral registers in spreadsheets. ``import_referrals`` takes such a register
(one row per referral), validates every row first, then writes everything in one transaction with
bulk inserts. A row whose case code and received date already exist is reported and skipped, so the
same register can be imported again after it has grown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

import instruments
from instruments import responses
from rules.dates import EXPECTED as DATE_EXPECTED
from rules.dates import parse_days
from rules.path import REFERRAL_DATES, REFERRAL_STEP_ORDER
from rules.protected import redact, secrets_of
from rules.words import codes_of, spellings

from . import audit
from .access import Actor, guard, visible_cases
from .cases._dates import today
from .cases.consent import allows
from .cases.subjects import normalise_code, team_for_new_case
from .input_rules import (
    CODE_NOT_PNR,
    COST_EXPECTED,
    COUNT_EXPECTED,
    MAX_COST,
    MAX_COUNT,
    PERCENT_EXPECTED,
    bad_numbers,
    bad_text,
    case_code_problems,
    text_problem,
)
from .models import (
    OCCASIONS,
    OCCUPATIONS,
    PLACEMENTS,
    REFERRAL_SOURCES,
    Ask,
    Assessment,
    Consent,
    Member,
    Outcome,
    Referral,
    Subject,
)

REFERRAL_COLUMNS = ("case_code", "source", "received_on", "suitable", "decided_on", "asked_on", "answer", "answered_on")
OPTIONAL_COLUMNS = ("reason", "started_on", "other_support", "legal_basis",
                    "report_of_concern")  # ja/nej: an orosanmälan (rules.clocks)
YES_NO = {"ja": True, "nej": False, "yes": True, "no": False, "": None}


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file (header = line 1)
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        return f"row {self.row}, column '{self.column}': {self.value!r} – expected {self.expected}"


class ImportRefused(ValueError):
    """Nothing was imported; ``errors`` lists every bad row."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{len(errors)} problem(s); nothing was imported:\n{shown}{more}")


@dataclass
class ImportReport:
    imported: int = 0
    new_subjects: int = 0
    checklists: int = 0
    skipped: list[str] = field(default_factory=list)  # "row 12: SIG-ABC123 received 2026-01-03 already exists"


def _dates(frame: pd.DataFrame, column: str, errors: list[RowError], required: bool) -> pd.Series:
    """The column through the one date parser (``rules.dates``); each bad cell a named row error."""
    text = frame[column].str.strip() if column in frame else pd.Series("", index=frame.index)
    parsed, bad = parse_days(text)
    if required:
        bad |= text == ""
    for pos in np.flatnonzero(bad.to_numpy()):
        errors.append(RowError(int(pos) + 2, column, text.iloc[pos], DATE_EXPECTED))
    return parsed


def _yes_no(frame: pd.DataFrame, column: str, errors: list[RowError]) -> pd.Series:
    text = frame[column].str.strip().str.lower() if column in frame else pd.Series("", index=frame.index)
    bad = ~text.isin(list(YES_NO))
    for pos in np.flatnonzero(bad.to_numpy()):
        errors.append(RowError(int(pos) + 2, column, frame[column].iloc[pos], "ja, nej or empty"))
    return text.map(YES_NO)


def _order(frame, errors, later: pd.Series, earlier: pd.Series, column: str, reference: str) -> None:
    bad = later.notna() & earlier.notna() & (later < earlier)
    for pos in np.flatnonzero(bad.to_numpy()):
        errors.append(RowError(int(pos) + 2, column, frame[column].iloc[pos], f"a date on or after {reference}"))


def _not_after_today(frame, errors, days: pd.Series, column: str) -> None:
    now = pd.Timestamp(today())
    for pos in np.flatnonzero((days.notna() & (days > now)).to_numpy()):
        errors.append(RowError(int(pos) + 2, column, frame[column].iloc[pos], f"a date not after today ({now.date()})"))


def _needs(frame, errors, present: pd.Series, required: pd.Series, column: str, why: str) -> None:
    for pos in np.flatnonzero((present & ~required).to_numpy()):
        errors.append(RowError(int(pos) + 2, column, frame[column].iloc[pos] if column in frame else "", why))


def check_case_codes(codes: pd.Series, column: str, errors: list[RowError]) -> pd.Series:
    """Name every row whose (normalised) case code breaks the rules; True where the code is fine. A code
    that holds a personnummer is not repeated in the message: its digits are shown as #."""
    problems = case_code_problems(codes)
    for pos in np.flatnonzero((problems != "").to_numpy()):
        shown = codes.iloc[pos][:40]
        if problems.iloc[pos] == CODE_NOT_PNR:
            shown = re.sub(r"\d", "#", shown)
        errors.append(RowError(int(pos) + 2, column, shown, problems.iloc[pos]))
    return problems == ""


def check_text(frame: pd.DataFrame, columns, errors: list[RowError], free_text: bool = False) -> None:
    """Name every row whose text in ``columns`` holds a control character (a NUL byte, an escape
    sequence): single-line fields none at all, free text only tab and line breaks."""
    for column in columns:
        if column not in frame:
            continue
        for pos in np.flatnonzero(bad_text(frame[column], free_text)):
            shown = re.sub(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]", "?", frame[column].iloc[pos][:40])
            errors.append(RowError(int(pos) + 2, column, shown, text_problem(frame[column].iloc[pos], free_text)))


def validate_referrals(frame: pd.DataFrame) -> tuple[dict[str, pd.Series], np.ndarray | None, list[RowError]]:
    """Check every row; returns parsed columns, irk-8 values (or None) and all errors."""
    errors: list[RowError] = []
    missing = [c for c in REFERRAL_COLUMNS if c not in frame.columns]
    checklist = instruments.load("irk-8")
    known = set(REFERRAL_COLUMNS) | set(OPTIONAL_COLUMNS) | set(checklist.item_ids)
    unknown = [c for c in frame.columns if c not in known]
    if missing or unknown:
        errors += [RowError(1, c, "(missing)", "this column in the header") for c in missing]
        errors += [RowError(1, c, "(unknown column)", "one of " + ", ".join(sorted(known))) for c in unknown]
        raise ImportRefused(errors)
    frame = frame.fillna("").astype(str)
    code = frame["case_code"].str.strip()
    check_case_codes(code.str.upper(), "case_code", errors)
    check_text(frame, ("reason", "other_support"), errors, free_text=True)
    source = codes_of("source", frame["source"])
    for pos in np.flatnonzero(source.isna().to_numpy()):
        errors.append(RowError(int(pos) + 2, "source", frame["source"].iloc[pos][:40],
                               _one_of("source", REFERRAL_SOURCES, other_words=False)))
    received = _dates(frame, "received_on", errors, required=True)
    decided = _dates(frame, "decided_on", errors, required=False)
    asked = _dates(frame, "asked_on", errors, required=False)
    answered = _dates(frame, "answered_on", errors, required=False)
    started = _dates(frame, "started_on", errors, required=False)
    suitable = _yes_no(frame, "suitable", errors)
    answer = _yes_no(frame, "answer", errors)
    concern = _yes_no(frame, "report_of_concern", errors)
    reason = frame["reason"].str.strip() if "reason" in frame else pd.Series("", index=frame.index)
    _needs(frame, errors, suitable.notna(), decided.notna(), "decided_on", "the date of the intake decision")
    _needs(frame, errors, suitable.eq(False), reason != "", "reason", "a reason when not suitable")
    _needs(frame, errors, asked.notna(), suitable.eq(True), "suitable", "ja: only suitable referrals are asked")
    _needs(frame, errors, answer.notna(), asked.notna(), "asked_on", "the date they were asked, before an answer")
    _needs(frame, errors, answer.notna(), answered.notna(), "answered_on", "the date of the answer")
    _needs(frame, errors, started.notna(), answer.eq(True), "answer", "ja: SIG starts only after a yes")
    steps = {"received_on": received, "decided_on": decided, "asked_on": asked, "answered_on": answered,
             "started_on": started}
    for later, earlier in REFERRAL_STEP_ORDER:  # the case path's one order (rules.path)
        _order(frame, errors, steps[later], steps[earlier], later, earlier)
    for column in REFERRAL_DATES:  # as a single step: recorded once it has happened
        _not_after_today(frame, errors, steps[column], column)
    basis = _legal_bases(frame, started, errors)
    values = None
    item_columns = [c for c in checklist.item_ids if c in frame.columns]
    if item_columns:
        try:
            values = responses.responses_to_array(checklist, frame[item_columns], allow_missing_items=True, first_row=2)
        except responses.ResponseError as exc:
            errors += [RowError(e.row or 1, e.column, str(e.value), e.expected) for e in exc.errors]
    parsed = {
        "case_code": code,
        "source": source,
        "received_on": received,
        "decided_on": decided,
        "asked_on": asked,
        "answered_on": answered,
        "started_on": started,
        "legal_basis": basis,
        "suitable": suitable,
        "accepted": answer,
        "report_of_concern": concern.eq(True),
        "reason": reason,
        "other_support": frame["other_support"].str.strip()
        if "other_support" in frame
        else pd.Series("", index=frame.index),
    }
    errors.sort(key=lambda e: (e.row, e.column))
    return parsed, values, errors


def _legal_bases(frame: pd.DataFrame, started: pd.Series, errors: list[RowError]) -> pd.Series:
    """The start's route by its id or its paragraph, in any case ("lvu 11", "LVU 11 §"); unknown ones are
    refused by row. A start the register has is history: accepted whatever its consent, and the
    caseload flags it (``rules.start``); the start records whether its route required consent."""
    if "legal_basis" not in frame:
        return pd.Series(None, index=frame.index, dtype=object)
    routes = instruments.load_legal_bases()
    spelled = {r.id.lower(): r.id for r in routes.routes} | {r.reference.lower(): r.id for r in routes.routes}
    given = frame["legal_basis"].str.strip()
    basis = given.str.lower().map(spelled)
    for pos in np.flatnonzero((given != "").to_numpy() & basis.isna().to_numpy()):
        errors.append(RowError(int(pos) + 2, "legal_basis", given.iloc[pos], "one of " + ", ".join(routes.ids)))
    _needs(frame, errors, basis.notna(), started.notna(), "started_on", "the start the legal basis decided")
    return basis.where(basis.notna(), None)


_SUBJECTS, _ASSESSMENTS = Subject.__table__, Assessment.__table__  # Core inserts: no ORM bookkeeping per row
_LOOKUP_CHUNK = 10_000  # PostgreSQL allows at most 65,535 bind parameters per statement


def _chunks(values: list) -> list[list]:
    return [values[i : i + _LOOKUP_CHUNK] for i in range(0, len(values), _LOOKUP_CHUNK)]


def subject_ids_by_code(session: Session, codes) -> dict[str, int]:
    """Case code -> subject id for the codes that exist, looked up in chunks."""
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(set(codes))):
        found.update(session.execute(select(Subject.case_code, Subject.id).where(Subject.case_code.in_(chunk))).all())
    return found


def _as_list(series: pd.Series) -> list:
    return series.astype(object).where(series.notna(), None).tolist()


def _day(value) -> date | None:
    return None if pd.isna(value) else value.date()


def _refuse_other_teams(session: Session, actor: Actor, action: str, codes: list[str],
                        existing: dict[str, int]) -> None:
    """Every existing case a file names must be one the actor may work on (named row by row)."""
    ids = sorted(set(existing.values()))
    mine: set[int] = set()
    for chunk in _chunks(ids):
        mine |= set(session.scalars(select(Subject.id).where(Subject.id.in_(chunk), visible_cases(actor, action))))
    others = {code for code, sid in existing.items() if sid not in mine}
    if others:
        raise ImportRefused([RowError(i + 2, "case_code", code, "a case of one of your teams")
                             for i, code in enumerate(codes) if code in others])


def import_referrals(session: Session, actor: Actor, frame: pd.DataFrame, team_id: int | None = None) -> ImportReport:
    """Validate the whole register, then write it in the caller's transaction (all or nothing).

    Rows about existing cases must be about the actor's own cases; new cases go to ``team_id`` (one of
    the actor's teams; default their first)."""
    guard(session, actor, "referral.import", audited=False)
    parsed, values, errors = validate_referrals(frame)
    if errors:
        raise ImportRefused(errors)
    report = ImportReport()
    n = len(frame)
    codes = parsed["case_code"].tolist()
    received = [_day(v) for v in parsed["received_on"]]
    existing_ids = subject_ids_by_code(session, codes)
    _refuse_other_teams(session, actor, "referral.import", codes, existing_ids)
    new_team = team_for_new_case(session, actor, team_id)
    already = set()
    for chunk in _chunks(sorted(existing_ids)):
        pairs = session.execute(
            select(Subject.case_code, Referral.received_on)
            .join(Referral, Referral.subject_id == Subject.id)
            .where(Subject.case_code.in_(chunk))
        ).all()
        already |= {(c, r) for c, r in pairs}
    keep, seen = [], set()
    for i in range(n):
        key = (codes[i], received[i])
        if key in already or key in seen:
            report.skipped.append(f"row {i + 2}: {codes[i]} received {received[i]} already exists – skipped")
            continue
        seen.add(key)
        keep.append(i)
    new_codes = sorted({codes[i] for i in keep} - set(existing_ids))
    if new_codes:
        rows = [{"case_code": c, "synthetic": False, "team_id": new_team} for c in new_codes]
        result = session.connection().execute(
            _SUBJECTS.insert().returning(_SUBJECTS.c.id, _SUBJECTS.c.case_code, sort_by_parameter_order=True), rows
        )
        existing_ids.update({code: sid for sid, code in result.all()})
        report.new_subjects = len(new_codes)
    checklist_ids: dict[int, int] = {}
    if values is not None:
        inst = instruments.load("irk-8")
        rated = [i for i in keep if not np.isnan(values[i]).all()]
        code_of = {lv.value: lv.code for lv in inst.scales["yes_no"].levels}
        rows = [
            {
                "subject_id": existing_ids[codes[i]],
                "instrument_id": inst.id,
                "instrument_version": inst.version,
                "definition_hash": inst.definition_hash,
                "occasion": "referral",
                "assessed_on": received[i],
                "rater": actor.who,
                "status": "final",
                "version": 1,
                "ratings": {
                    item: (None if np.isnan(v) else code_of[v])
                    for item, v in zip(inst.item_ids, values[i], strict=True)
                },
            }
            for i in rated
        ]
        if rows:
            ids = (
                session.connection()
                .execute(_ASSESSMENTS.insert().returning(_ASSESSMENTS.c.id, sort_by_parameter_order=True), rows)
                .scalars()
                .all()
            )
            checklist_ids = dict(zip(rated, ids, strict=True))
            report.checklists = len(ids)
    # plain Python lists once per column: per-cell pandas indexing would dominate the import
    col = {name: _as_list(parsed[name]) for name in ("source", "reason", "other_support", "legal_basis")}
    consent_required = instruments.load_legal_bases().consent_required
    col |= {name: [_day(v) for v in parsed[name]] for name in ("decided_on", "asked_on", "answered_on", "started_on")}
    col |= {name: [_bool(v) for v in parsed[name]] for name in ("suitable", "accepted")}
    col["report_of_concern"] = parsed["report_of_concern"].tolist()
    rows = [
        {
            "subject_id": existing_ids[codes[i]],
            "source": col["source"][i],
            "received_on": received[i],
            "suitable": col["suitable"][i],
            "decided_on": col["decided_on"][i],
            "suitable_reason": col["reason"][i] or None,
            "asked_on": col["asked_on"][i],
            "accepted": col["accepted"][i],
            "answered_on": col["answered_on"][i],
            "started_on": col["started_on"][i],
            "legal_basis": col["legal_basis"][i] or None,
            "decision_on": col["started_on"][i] if col["legal_basis"][i] else None,
            "consent_required": consent_required(col["legal_basis"][i] or None) if col["started_on"][i] else None,
            "checklist_id": checklist_ids.get(i),
            "other_support": col["other_support"][i] or None,
            "report_of_concern": bool(col["report_of_concern"][i]),
        }
        for i in keep
    ]
    if rows:
        referral_ids = session.connection().execute(
            Referral.__table__.insert().returning(Referral.__table__.c.id, sort_by_parameter_order=True), rows
        ).scalars().all()
        # each asked referral's one ask, as the register has it: a "no" is then on the motivation list
        asks = [{"referral_id": rid, "asked_on": r["asked_on"], "asked_by": actor.who, "answer": r["accepted"],
                 "answered_on": r["answered_on"], "other_support": r["other_support"]}
                for rid, r in zip(referral_ids, rows, strict=True) if r["asked_on"] is not None]
        if asks:
            session.connection().execute(Ask.__table__.insert(), asks)
    audit.record_many(session, actor, "import", "referral", [existing_ids[codes[i]] for i in keep])
    report.imported = len(rows)
    return report


def _bool(value) -> bool | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else bool(value)


def referral_dates(session: Session, actor: Actor) -> pd.DataFrame:
    """The dates each referral of the actor's teams passed each step (for the funnel report); no
    personal data. A researcher's funnel counts every team."""
    guard(session, actor, "report.funnel", detail="funnel", verb="list")
    received, decided, asked, answered, started = (type_coerce(c, String) for c in (  # ISO text, column-wise
        Referral.received_on, Referral.decided_on, Referral.asked_on, Referral.answered_on, Referral.started_on))
    rows = session.connection().execute(
        select(received, Referral.suitable, decided, asked, Referral.accepted, answered, started)
        .join(Subject, Subject.id == Referral.subject_id).where(visible_cases(actor, "report.funnel"))).all()
    columns = ["received_on", "suitable", "decided_on", "asked_on", "accepted", "answered_on", "started_on"]
    frame = pd.DataFrame(list(map(tuple, rows)), columns=columns)
    for column in ("received_on", "decided_on", "asked_on", "answered_on", "started_on"):
        frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


def import_assessments(
    session: Session, actor: Actor, instrument_id: str, frame: pd.DataFrame, create_subjects: bool = False,
    team_id: int | None = None,
) -> ImportReport:
    """Wide response file -> final assessments (``subject_id`` is the case code). All or nothing."""
    guard(session, actor, "assessment.import", audited=False)
    inst = instruments.load(instrument_id)
    frame = frame.fillna("").astype(str)
    errors: list[RowError] = []
    try:
        responses.check_columns(inst, list(frame.columns))
        values = responses.responses_to_array(inst, frame, first_row=2)
        if "judgment" in frame:
            responses.parse_judgments(inst, frame["judgment"], first_row=2)
    except responses.ResponseError as exc:
        raise ImportRefused([RowError(e.row or 1, e.column, str(e.value), e.expected) for e in exc.errors]) from None
    for required in ("subject_id", "assessed_on"):
        if required not in frame:
            errors.append(RowError(1, required, "(missing)", "this column in the header"))
    if errors:
        raise ImportRefused(errors)
    assessed = _dates(frame, "assessed_on", errors, required=True)
    occasion = frame["occasion"].str.strip() if "occasion" in frame else pd.Series("other", index=frame.index)
    for pos in np.flatnonzero(~occasion.isin(OCCASIONS).to_numpy()):
        errors.append(RowError(int(pos) + 2, "occasion", occasion.iloc[pos], "one of " + ", ".join(OCCASIONS)))
    codes = frame["subject_id"].fillna("").astype(str).map(normalise_code)
    check_case_codes(codes, "subject_id", errors)
    check_text(frame, ("rationale",), errors, free_text=True)
    if "rater" in frame:  # ratings are recorded in the name of whoever imports them, never another's
        stated = frame["rater"].fillna("").astype(str).str.strip()
        for pos in np.flatnonzero(((stated != "") & (stated != actor.who)).to_numpy()):
            errors.append(RowError(int(pos) + 2, "rater", stated.iloc[pos][:40],
                                   f"empty or {actor.who}: imported ratings are recorded in the name of the person "
                                   "importing them"))
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e.row, e.column)))
    known = subject_ids_by_code(session, codes)
    _refuse_other_teams(session, actor, "assessment.import", codes.tolist(), known)
    if not create_subjects:
        for pos in np.flatnonzero(~codes.isin(list(known)).to_numpy()):
            errors.append(
                RowError(int(pos) + 2, "subject_id", codes.iloc[pos], "an existing case code (or --create-subjects)")
            )
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e.row, e.column)))
    report = ImportReport()
    new_codes = sorted(set(codes) - set(known))
    if new_codes:
        new_team = team_for_new_case(session, actor, team_id)
        result = session.connection().execute(
            _SUBJECTS.insert().returning(_SUBJECTS.c.id, _SUBJECTS.c.case_code, sort_by_parameter_order=True),
            [{"case_code": c, "synthetic": False, "team_id": new_team} for c in new_codes],
        )
        known.update({code: sid for sid, code in result.all()})
        report.new_subjects = len(new_codes)
    code_by_value = {item.id: {lv.value: lv.code for lv in inst.scales[item.scale].levels} for item in inst.items}
    judgments = frame["judgment"].str.strip().str.lower() if "judgment" in frame else pd.Series("", index=frame.index)
    lookup = responses.judgment_lookup(inst)
    rows = []
    for i in range(len(frame)):
        rows.append(
            {
                "subject_id": known[codes.iloc[i]],
                "instrument_id": inst.id,
                "instrument_version": inst.version,
                "definition_hash": inst.definition_hash,
                "occasion": occasion.iloc[i] or "other",
                "assessed_on": assessed.iloc[i].date(),
                "rater": actor.who,
                "status": "final",
                "version": 1,
                "judgment": lookup.get(judgments.iloc[i]) if judgments.iloc[i] else None,
                "rationale": (frame["rationale"].iloc[i] if "rationale" in frame else "") or None,
                "ratings": {
                    item.id: (None if np.isnan(v) else code_by_value[item.id][v])
                    for item, v in zip(inst.items, values[i], strict=True)
                },
            }
        )
    if rows:
        session.connection().execute(_ASSESSMENTS.insert(), rows)
    audit.record_many(session, actor, "import", "assessment", [r["subject_id"] for r in rows], inst.id)
    report.imported = len(rows)
    return report


@dataclass
class Export:
    frame: pd.DataFrame
    withheld: list[str]  # case codes left out: no active consent for the recipient


def export_assessments(session: Session, actor: Actor, instrument_id: str, recipient: str,
                       on: date | None = None) -> Export:
    """Current final assessments of one instrument as a wide table keyed by case code, for
    ``recipient``: only the actor's cases, and only those whose active consent lets the recipient
    receive assessments (the others are named in ``withheld``)."""
    guard(session, actor, "assessment.export", audited=False)
    on = on or today()
    inst = instruments.load(instrument_id)
    rows = session.execute(
        select(Subject.case_code, Assessment)
        .join(Subject, Subject.id == Assessment.subject_id)
        .where(Assessment.instrument_id == inst.id, Assessment.status == "final",
               visible_cases(actor, "assessment.export"))
        .order_by(Subject.case_code, Assessment.assessed_on, Assessment.id)
    ).all()
    replaced = {a.replaces_id for _, a in rows if a.replaces_id is not None}
    consented = _consented(session, sorted({a.subject_id for _, a in rows}), recipient, "assessment", on)
    hidden = _family_secrets(session, sorted(consented))  # protected cases: no family name in free text
    records = []
    subject_ids = []
    withheld = sorted({code for code, a in rows if a.subject_id not in consented})
    for code, a in rows:
        if a.id in replaced or a.subject_id not in consented:
            continue
        subject_ids.append(a.subject_id)
        records.append(
            {
                "subject_id": code,
                "assessed_on": a.assessed_on.isoformat(),
                "occasion": a.occasion,
                "rater": a.rater,
                "judgment": a.judgment or "",
                "rationale": redact(a.rationale, hidden[a.subject_id]) if a.subject_id in hidden else a.rationale or "",
                **{item: (a.ratings.get(item) or "") for item in inst.item_ids},
            }
        )
    audit.record_many(session, actor, "export", "assessment", sorted(set(subject_ids)), f"{inst.id} to {recipient}")
    columns = ["subject_id", "assessed_on", "occasion", "rater", "judgment", "rationale", *inst.item_ids]
    return Export(pd.DataFrame(records, columns=columns), withheld)


def _family_secrets(session: Session, subject_ids: list[int]) -> dict[int, list[str]]:
    """The family's names and numbers of each protected case among ``subject_ids`` (``rules.protected``)."""
    found: dict[int, list[str]] = {}
    for chunk in _chunks(subject_ids):
        protected = list(session.scalars(select(Subject.id).where(Subject.id.in_(chunk), Subject.protected.is_(True))))
        rows = session.execute(select(Member.subject_id, Member.organisation, Member.name, Member.phone, Member.email)
                               .where(Member.subject_id.in_(protected))).all() if protected else []
        for subject_id in protected:
            found[subject_id] = secrets_of(r[1:] for r in rows if r[0] == subject_id)
    return found


def _consented(session: Session, subject_ids: list[int], recipient: str, category: str, on: date) -> set[int]:
    """The subjects whose active consent lets ``recipient`` receive ``category`` on ``on``."""
    by_subject: dict[int, list[Consent]] = {}
    for chunk in _chunks(subject_ids):
        for c in session.scalars(select(Consent).where(Consent.subject_id.in_(chunk))):
            by_subject.setdefault(c.subject_id, []).append(c)
    return {sid for sid, consents in by_subject.items() if allows(consents, recipient, category, on)}


OUTCOME_COLUMNS = ("case_code", "period_start", "period_end", "police_reports", "placement", "placement_days",
                   "placement_cost", "occupation")
OUTCOME_OPTIONAL = ("attendance", "concern_reports", "lvu_applications", "outpatient_cost")


def _counts(frame: pd.DataFrame, column: str, errors: list[RowError], decimals: bool = False,
            empty: float = 0.0) -> pd.Series:
    """A column of counts (whole, 0 to MAX_COUNT) or amounts in kronor (0 to MAX_COST): finite and in
    range, or the row is named (``inf``, ``1e400`` and a twenty-digit count are not numbers of a period)."""
    text = frame[column].str.strip().str.replace(",", ".", regex=False).str.replace(" ", "", regex=False)
    number = pd.to_numeric(text, errors="coerce").astype(float).where(text != "", empty)
    high, expected = _RANGE.get(column, (MAX_COST, COST_EXPECTED) if decimals else (MAX_COUNT, COUNT_EXPECTED))
    bad = (number.isna() & (text != "")) | bad_numbers(number, high, not decimals)
    for pos in np.flatnonzero(bad.to_numpy()):
        errors.append(RowError(int(pos) + 2, column, frame[column].iloc[pos][:40], expected))
    return number


_RANGE = {"attendance": (100, PERCENT_EXPECTED)}


def _one_of(vocabulary: str, codes, other_words: bool = True) -> str:
    """What a vocabulary cell expects: each code (with the other words ``rules.words`` takes for it), any case."""
    said = []
    for code in codes:
        others = [w for w in spellings(vocabulary, code) if w.casefold() != code.casefold()] if other_words else []
        said.append(f"{code} ({', '.join(others)})" if others else code)
    return "one of " + ", ".join(said) + ", in any case"


def import_outcomes(session: Session, actor: Actor, frame: pd.DataFrame) -> ImportReport:
    """Outcome periods per case (police reports, placement, its days and cost, occupation): every row
    checked first, then all written or none. A row for a period the case already has (same start and
    end) is skipped, so a register can be imported again as it grows."""
    guard(session, actor, "outcome.import", audited=False)
    frame = frame.fillna("").astype(str)
    missing = [c for c in OUTCOME_COLUMNS if c not in frame.columns]
    unknown = [c for c in frame.columns if c not in OUTCOME_COLUMNS + OUTCOME_OPTIONAL]
    if missing or unknown:
        raise ImportRefused([RowError(1, c, "(missing)", "this column in the header") for c in missing]
                            + [RowError(1, c, "(unknown column)", "one of " + ", ".join(
                                OUTCOME_COLUMNS + OUTCOME_OPTIONAL)) for c in unknown])
    errors: list[RowError] = []
    codes = frame["case_code"].map(normalise_code)
    fine = check_case_codes(codes, "case_code", errors)  # only a well-formed code is looked up (a NUL never is)
    first = _dates(frame, "period_start", errors, required=True)
    last = _dates(frame, "period_end", errors, required=True)
    _order(frame, errors, last, first, "period_end", "period_start")
    reports = _counts(frame, "police_reports", errors)
    days = _counts(frame, "placement_days", errors)
    cost = _counts(frame, "placement_cost", errors, decimals=True, empty=np.nan)
    placement = codes_of("placement", frame["placement"], empty="none")  # SiS, sis, familjehem: rules.words
    prices = instruments.load_prices()
    # the same rule as one outcome on the case page (an unknown word is named below, not priced)
    per_day = placement.map(lambda p: prices.price(p) if isinstance(p, str) else np.nan).astype(float)
    computed = cost.isna().to_numpy()
    cost = cost.fillna(days * per_day)  # no cost given: days × the price table's price for the type
    for pos in np.flatnonzero((cost.isna() & (days > 0) & placement.notna()).to_numpy()):
        errors.append(RowError(int(pos) + 2, "placement_cost", "", f"a cost: the price table ({prices.year}) has no "
                               f"price per day for {placement.iloc[pos]}"))
    over = computed & np.isfinite(days.to_numpy()) & (cost > MAX_COST).to_numpy()  # days × price: no period's cost
    for pos in np.flatnonzero(over):
        errors.append(RowError(int(pos) + 2, "placement_cost", f"{int(days.iloc[pos])} × {per_day.iloc[pos]:g}",
                               COST_EXPECTED))
    cost = cost.fillna(0.0)
    for pos in np.flatnonzero(placement.isna().to_numpy()):
        errors.append(RowError(int(pos) + 2, "placement", frame["placement"].iloc[pos][:40],
                               _one_of("placement", PLACEMENTS)))
    extra = {c: _counts(frame, c, errors, decimals=c in ("attendance", "outpatient_cost"), empty=np.nan)
             for c in OUTCOME_OPTIONAL if c in frame}
    occupation = codes_of("occupation", frame["occupation"], empty="none")  # skola, studier, studies: rules.words
    for pos in np.flatnonzero(occupation.isna().to_numpy()):
        errors.append(RowError(int(pos) + 2, "occupation", frame["occupation"].iloc[pos][:40],
                               _one_of("occupation", OCCUPATIONS)))
    known = subject_ids_by_code(session, codes[fine])
    for pos in np.flatnonzero((fine & ~codes.isin(list(known))).to_numpy()):
        errors.append(RowError(int(pos) + 2, "case_code", codes.iloc[pos], "an existing case code"))
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e.row, e.column)))
    _refuse_other_teams(session, actor, "outcome.import", codes.tolist(), known)
    ids = sorted(set(known.values()))
    already = set()
    for chunk in _chunks(ids):
        already |= set(session.execute(select(Outcome.subject_id, Outcome.period_start, Outcome.period_end)
                                       .where(Outcome.subject_id.in_(chunk))).all())
    report, rows, seen = ImportReport(), [], set()
    for i in range(len(frame)):
        key = (known[codes.iloc[i]], first.iloc[i].date(), last.iloc[i].date())
        if key in already or key in seen:
            report.skipped.append(f"row {i + 2}: {codes.iloc[i]} {key[1]}..{key[2]} already exists – skipped")
            continue
        seen.add(key)
        rows.append({"subject_id": key[0], "period_start": key[1], "period_end": key[2],
                     "police_reports": int(reports.iloc[i]), "placement": placement.iloc[i],
                     "placement_days": int(days.iloc[i]), "placement_cost": float(cost.iloc[i]),
                     "occupation": occupation.iloc[i],
                     **{c: (None if pd.isna(v.iloc[i]) else (float(v.iloc[i]) if c in ("attendance", "outpatient_cost")
                                                             else int(v.iloc[i]))) for c, v in extra.items()}})
    if rows:
        session.connection().execute(Outcome.__table__.insert(), rows)
    audit.record_many(session, actor, "import", "outcome", [r["subject_id"] for r in rows])
    report.imported = len(rows)
    return report
