"""The outbox: who in a youth's network is told that a document is in Insats, the queue of those notices,
and what became of each one.

Who receives is decided from the ground every caller shares: ``store.partners.memberships`` (a partner
account that is a current member, and the consent categories their organisation receives) and, for a
member without an account, the consent's own rule (``cases.consent.allows`` over ``rules.partner.
CONSENT_ACTOR``). Each notice then passes ``cases.release`` (the one release path: the consent checked
again and the release audited with what went to whom). A notice holds the case code, a date and the
link to log in; the document itself is read in Insats after log-in. Sending is ``services.outbox``;
every send and every failure is audited here, with the message's id and an error code, never an address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rules.mail import gives_up, next_attempt
from rules.partner import CONSENT_ACTOR, is_member_on

from ._time import utc_now
from .access import SYSTEM, Actor, guard, visible_cases
from .cases.consent import allows, consent_rows, release
from .cases.subjects import find_subject
from .models import OUTBOX_KINDS, Member, OutboxMessage, Subject, User
from .partners import memberships

OUTBOX = Actor("outbox", SYSTEM)  # the sending job (``insats outbox send``, ``insats serve``'s thread)
# why a current member does or does not get a notice: the page says each in words (catalogue ``outbox_why_*``)
REASONS = ("account", "notice", "no_consent", "no_email", "account_no_email", "family", "staff", "account_inactive")
MISSING_EMAIL = frozenset({"no_email", "account_no_email"})  # the page names these members: an address fixes it
GETS = frozenset({"account", "notice"})
# the documents a notice can be about, and the consent category each needs
CATEGORY = {"plan": "plan", "invitation": "plan"}
LEASE = timedelta(minutes=5)  # how long a sender holds the messages it took before another may try them


@dataclass(frozen=True)
class Recipient:
    """One current member, and whether and why they get the notice. ``name`` is for the coordinator's
    list on the page only: it is never in a message or an audit row."""

    member_id: int
    name: str
    organisation: str
    reason: str  # one of REASONS
    address: str | None = None
    user_id: int | None = None

    @property
    def gets(self) -> bool:
        return self.reason in GETS


def network_recipients(session: Session, actor: Actor, case_code: str, kind: str, on: date) -> list[Recipient]:
    """Every current member of the case's group, with whether the notice about ``kind`` reaches them and
    why (a check, audited; nothing is queued)."""
    subject = find_subject(session, case_code)
    guard(session, actor, "consent.share", subject.id, detail=f"network recipients of {kind} on {on}", verb="check")
    return _recipients(session, subject.id, kind, on)


def _recipients(session: Session, subject_id: int, kind: str, on: date) -> list[Recipient]:
    if kind not in OUTBOX_KINDS:
        raise ValueError(f"kind {kind!r}: expected one of {OUTBOX_KINDS}")
    category = CATEGORY[kind]
    members = [m for m in session.scalars(select(Member).where(Member.subject_id == subject_id)
                                          .order_by(Member.organisation, Member.name, Member.id))
               if is_member_on(m.from_on, m.to_on, on)]
    linked = {m.member_id: m for m in memberships(session, on, subject_ids=[subject_id])}
    emails = {uid: mail for uid, mail in session.execute(select(User.id, User.email).where(User.id.in_(
        sorted({m.user_id for m in linked.values()}))))} if linked else {}
    consents = consent_rows(session, subject_id)
    found = []
    for member in members:
        membership = linked.get(member.id)
        reason, address, user_id = _reason(member, membership, emails, consents, category, on)
        organisation = membership.organisation if membership is not None else member.organisation
        found.append(Recipient(member.id, member.name, organisation, reason, address, user_id))
    return found


def _reason(member: Member, membership, emails: dict, consents: list, category: str, on: date):
    """(reason, address, user id) for one current member."""
    if membership is not None:  # a partner who logs in: their account's address, else the member row's
        if category not in membership.categories:
            return "no_consent", None, None
        address = emails.get(membership.user_id) or member.email
        return ("account", address, membership.user_id) if address else ("account_no_email", None, None)
    if member.user_id is not None:  # linked to an account that is no longer an active partner's
        return "account_inactive", None, None
    if member.organisation in ("youth", "guardian"):
        return "family", None, None
    if member.organisation == "social_services":
        return "staff", None, None
    recipient = CONSENT_ACTOR.get(member.organisation)
    if recipient is None or not allows(consents, recipient, category, on):
        return "no_consent", None, None
    return ("notice", member.email, None) if member.email else ("no_email", None, None)


def send_to_network(session: Session, actor: Actor, case_code: str, kind: str, *, on: date, about_on: date,
                    compose: Callable[[Recipient], tuple[str, str]],
                    attachment: Callable[[Recipient], tuple[str, bytes]] | None = None) -> list[Recipient]:
    """Queue the notice about ``kind`` (of the document dated ``about_on``) to each current member the
    consent covers, each through ``release`` (checked again, audited as a send to the organisation), and
    audit who was left out and why. ``compose``: (title, body) for a recipient, without personal data;
    ``attachment``: (file name, bytes), the meeting invitation only. Returns every member, as listed."""
    subject = find_subject(session, case_code)
    guard(session, actor, "consent.share", subject.id, audited=False)
    recipients = _recipients(session, subject.id, kind, on)
    now = utc_now()
    for r in recipients:
        if not r.gets:
            continue
        release(session, actor, case_code, recipient=CONSENT_ACTOR[r.organisation], category=CATEGORY[kind],
                what=f"{kind} notice {about_on} to member {r.member_id}", on=on, verb="send")
        title, body = compose(r)
        name, data = attachment(r) if attachment is not None else (None, None)
        session.add(OutboxMessage(subject_id=subject.id, kind=kind, member_id=r.member_id, user_id=r.user_id,
                                  address=r.address, about_on=about_on, title=title, body=body, attachment=data,
                                  attachment_name=name, status="queued", attempts=0, next_attempt_at=now,
                                  queued_by=actor.who, queued_at=now))
    left_out = ", ".join(f"member {r.member_id} ({r.reason})" for r in recipients if not r.gets)
    guard(session, actor, "consent.share", subject.id, verb="send",
          detail=f"{kind} notice {about_on}: {sum(r.gets for r in recipients)} queued; "
                 f"not sent to {left_out or 'nobody'}")
    session.flush()
    return recipients


@dataclass(frozen=True)
class Due:
    """A message to send now, detached from the session (the relay is slow; no transaction waits on it)."""

    id: int
    subject_id: int
    address: str
    title: str
    body: str
    attachment_name: str | None
    attachment: bytes | None
    attempts: int


def due_messages(session: Session, actor: Actor, now: datetime, limit: int = 50) -> list[Due]:
    """The queued messages whose next attempt is due, oldest first, each claimed for ``LEASE`` (its next
    attempt moved on), so a second sender (another ``insats serve`` behind the same proxy, a cron run)
    does not send it too; a sender that dies mid-way leaves it to be tried again when the lease ends."""
    guard(session, actor, "outbox.send", audited=False)
    query = (select(OutboxMessage).where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
             .with_for_update(skip_locked=True))  # PostgreSQL; SQLite's writer holds the whole database
    claimed = []
    for m in session.scalars(query):
        m.next_attempt_at = now + LEASE
        claimed.append(Due(m.id, m.subject_id, m.address, m.title, m.body, m.attachment_name, m.attachment,
                           m.attempts))
    return claimed


def record_sent(session: Session, actor: Actor, message_id: int, now: datetime) -> bool:
    """The relay took the message: sent, audited. False if another sender got there first."""
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None or message.status != "queued":
        return False
    guard(session, actor, "outbox.send", message.subject_id, verb="send",
          detail=f"message {message.id} ({message.kind} {message.about_on}) to member {message.member_id}: "
                 f"sent, attempt {message.attempts + 1}")
    message.attempts += 1
    message.status, message.sent_at, message.next_attempt_at, message.last_error = "sent", now, None, None
    return True


def record_failure(session: Session, actor: Actor, message_id: int, code: str, now: datetime,
                   max_attempts: int) -> str | None:
    """The relay could not take it: tried again later (``rules.mail.next_attempt``) or, past the last
    attempt, failed for good and shown on Översikt. Audited with the error's code. Returns the new status."""
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None or message.status != "queued":
        return None
    message.attempts += 1
    message.last_error = code[:64]
    if gives_up(message.attempts, max_attempts):
        message.status, message.next_attempt_at = "failed", None
        then = "failed for good"
    else:
        message.next_attempt_at = next_attempt(message.attempts, now)
        then = f"next attempt {message.next_attempt_at:%Y-%m-%d %H:%M} UTC"
    guard(session, actor, "outbox.send", message.subject_id, verb="fail",
          detail=f"message {message.id} ({message.kind} {message.about_on}) to member {message.member_id}: "
                 f"attempt {message.attempts} {code[:64]}; {then}")
    return message.status


def failed_notices(session: Session, actor: Actor) -> dict[str, int]:
    """Case code -> how many notices failed for good, for the coordinator's Översikt (their teams' cases)."""
    guard(session, actor, "caseload.read", detail="failed notices", verb="list")
    rows = session.execute(select(Subject.case_code, func.count(OutboxMessage.id))
                           .join(OutboxMessage, OutboxMessage.subject_id == Subject.id)
                           .where(OutboxMessage.status == "failed", visible_cases(actor, "caseload.read"))
                           .group_by(Subject.case_code).order_by(Subject.case_code))
    return {code: int(n) for code, n in rows}
