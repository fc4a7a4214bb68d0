"""The register extract (GDPR art. 15, *registerutdrag*): everything held about one youth, and who read it.

One guarded, audited read (``case.extract``: the case's coordinator) gathers every kind of record the
store keeps of the case, row by row with every column but the encrypted personnummer (the extract says
whether one is stored), plus the case's access log. On a protected case the family's names and numbers
are taken out of every text (``rules.protected``): the extract is a document like any other.
Composition into JSON and PDF is ``services.extract``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from rules.protected import redact, secrets_of

from .access import Actor, guard
from .cases.subjects import find_subject
from .models import (
    AgendaItem,
    Ask,
    Assessment,
    Commitment,
    Consent,
    EmergencyAccess,
    Event,
    Goal,
    InterventionGiven,
    Meeting,
    Member,
    OutboxMessage,
    Outcome,
    Protection,
    Referral,
    Reopening,
    Subject,
)
from .views import access_log

# the extract's sections, in order (the JSON's keys; the PDF's headings are ``extract_section_<key>``)
SECTIONS = ("case", "referrals", "asks", "decisions", "consents", "assessments", "meetings", "goals", "commitments",
            "members", "notices", "events", "agenda_items", "interventions", "outcomes", "reopenings", "protections",
            "emergency_access", "access_log")
_BY_SUBJECT = {"referrals": (Referral, Referral.received_on), "consents": (Consent, Consent.signed_on),
               "assessments": (Assessment, Assessment.assessed_on), "meetings": (Meeting, Meeting.held_on),
               "members": (Member, Member.name), "events": (Event, Event.occurred_on),
               "agenda_items": (AgendaItem, AgendaItem.sent_on),
               "interventions": (InterventionGiven, InterventionGiven.started_on),
               "outcomes": (Outcome, Outcome.period_start), "reopenings": (Reopening, Reopening.reopened_on),
               "protections": (Protection, Protection.set_at),
               "emergency_access": (EmergencyAccess, EmergencyAccess.granted_at),
               "notices": (OutboxMessage, OutboxMessage.queued_at)}  # what the outbox sent members about the case
# the number itself stays encrypted; a notice's .ics is named by its file (its text is the meeting's)
_NOT_SHOWN = {"pnr_encrypted", "pnr_hash", "pnr_key_id", "revision", "attachment"}
DECISION_KEYS = ("kind", "on", "referral_id", "outcome", "reason", "reference")
LOG_KEYS = ("at", "who", "role", "action", "entity", "detail", "reason")
ACCESS_LOG_LIMIT = 1_000_000


def _plain(value: object) -> object:
    """A value as JSON holds it: dates as ISO text, bytes never."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def _row(row: object) -> dict[str, Any]:
    return {c.key: _plain(getattr(row, c.key)) for c in inspect(type(row)).column_attrs if c.key not in _NOT_SHOWN}


def _decisions(subject: Subject, referrals: list[Referral], reopenings: list[Reopening]) -> list[dict[str, Any]]:
    """The decisions about the youth, read off the referrals and the case: screening, the youth's and
    guardians' answer, the start, each closing and reopening."""
    found = []
    for r in referrals:
        if r.decided_on is not None or r.suitable is not None:
            found.append(("screening", r.decided_on, r.id, r.suitable, r.suitable_reason, None))
        if r.answered_on is not None or r.accepted is not None:
            found.append(("answer", r.answered_on, r.id, r.accepted, r.other_support, None))
        if r.started_on is not None:
            found.append(("start", r.decision_on or r.started_on, r.id, r.legal_basis, r.start_reason,
                          r.decision_reference))
    for r in reopenings:  # a reopening clears the closing it ends: its date is kept with the reopening
        found.append(("closing", r.was_closed_on, None, None, None, None))
        found.append(("reopening", r.reopened_on, None, None, r.reason, None))
    if subject.closed_on is not None:
        found.append(("closing", subject.closed_on, None, subject.closed_reason, subject.closing_summary, None))
    return [dict(zip(DECISION_KEYS, (kind, _plain(on), *rest), strict=True)) for kind, on, *rest in found]


def case_record(session: Session, actor: Actor, case_code: str) -> dict[str, Any]:
    """Everything held about the case ``case_code``, section by section (``SECTIONS``), and its access
    log (newest first, this extract's own row included). Audited as one ``extract`` of the case."""
    subject = find_subject(session, case_code)
    guard(session, actor, "case.extract", subject.id, detail="register extract", verb="extract")
    record: dict[str, Any] = {"case": _row(subject) | {"personnummer_stored": subject.pnr_encrypted is not None}}
    rows: dict[str, list] = {}
    for section, (model, order) in _BY_SUBJECT.items():
        rows[section] = list(session.scalars(select(model).where(model.subject_id == subject.id)
                                             .order_by(order, model.id)))
    meeting_ids = [m.id for m in rows["meetings"]]
    referral_ids = [r.id for r in rows["referrals"]]
    rows["goals"] = list(session.scalars(select(Goal).where(Goal.meeting_id.in_(meeting_ids)).order_by(Goal.id)))
    rows["commitments"] = list(session.scalars(select(Commitment).where(Commitment.meeting_id.in_(meeting_ids))
                                               .order_by(Commitment.id)))
    rows["asks"] = list(session.scalars(select(Ask).where(Ask.referral_id.in_(referral_ids))
                                        .order_by(Ask.asked_on, Ask.id)))
    for section in SECTIONS:
        if section in rows:
            record[section] = [_row(r) for r in rows[section]]
    record["decisions"] = _decisions(subject, rows["referrals"], rows["reopenings"])
    log = access_log(session, actor, case_code=subject.case_code, limit=ACCESS_LOG_LIMIT)
    record["access_log"] = [{k: _plain(None if v != v else v) for k, v in zip(LOG_KEYS, values, strict=True)}
                            for values in log[list(LOG_KEYS)].itertuples(index=False, name=None)]
    record = {section: record[section] for section in SECTIONS}
    if subject.protected:
        secrets = secrets_of((m.organisation, m.name, m.phone, m.email) for m in rows["members"])
        record = _redacted(record, secrets)
    return record


def _redacted(value: Any, secrets: list[str]) -> Any:
    """Every text in ``value`` without the family's names and numbers (a protected case)."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: _redacted(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, secrets) for v in value]
    return value
