"""The case record: subjects, referrals, consent, assessments, plans, interventions, outcomes, audit.

Names are the domain's. Personal identity numbers are only ever stored encrypted (``pnr_encrypted``)
with a keyed hash for look-up (``pnr_hash``); everything else identifies a case by its pseudonymous
case code. Finalised assessments are never updated (enforced here and by database triggers); a
correction is a new row that points at the one it replaces.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

REFERRAL_SOURCES = ("polis", "skola", "faltassistenter", "socialtjanst", "fritid", "annan")
OCCASIONS = ("referral", "baseline", "follow-up", "closing", "other")
COMMITMENT_STATUSES = ("planned", "in_progress", "done", "not_done")
OCCUPATIONS = ("school", "work", "training", "none")
PLACEMENTS = ("none", "SiS", "HVB", "family_home")


class Base(DeclarativeBase):
    pass


class Team(Base):
    """A SIG team (e.g. "SIG Västerort"): every case belongs to one; users work in one or more."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


class User(Base):
    """A person who logs in. ``login`` is the name used in the app, the CLI and the audit log;
    ``subject`` is the identity provider's claim value that maps to it (OIDC mode)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    email: Mapped[str | None] = mapped_column(String(255))
    roles: Mapped[list] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    password_hash: Mapped[str | None] = mapped_column(Text)  # argon2id, local mode only
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # partners and referrers: the organisation they act for (rules.partner.ORGANISATIONS); None for the
    # social services' own staff, whose reach is their teams
    organisation: Mapped[str | None] = mapped_column(String(24))

    teams: Mapped[list[Team]] = relationship(secondary="user_teams", order_by="Team.name")


class UserTeam(Base):
    __tablename__ = "user_teams"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)


class CaseAssessor(Base):
    """A responsible assessor of a case (one or more), who may work on it whatever their teams."""

    __tablename__ = "case_assessors"
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class EmergencyAccess(Base):
    """Nödåtkomst: a user opened a case outside their teams after stating why; time-limited, listed
    for the case team's coordinator."""

    __tablename__ = "emergency_access"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Reopening(Base):
    """A closed participation opened again, with the reason: case data (gallring removes it), so the
    audit row only refers to it."""

    __tablename__ = "reopenings"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    reopened_on: Mapped[date] = mapped_column(Date)
    was_closed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    reopened_by: Mapped[str] = mapped_column(String(64))


class Protection(Base):
    """Protected identity set on or lifted from a case, with the coordinator's reason: case data
    (gallring removes it), so the audit row only refers to it."""

    __tablename__ = "protections"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    protected: Mapped[bool] = mapped_column(Boolean)  # True: set; False: lifted
    reason: Mapped[str | None] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(DateTime)


class Subject(Base):
    __tablename__ = "subjects"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_code: Mapped[str] = mapped_column(String(16), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    birth_year: Mapped[int | None]
    birth_month: Mapped[int | None]
    gender: Mapped[str | None] = mapped_column(String(16))
    district: Mapped[str | None] = mapped_column(String(64))
    pnr_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    pnr_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)  # demo data, marked as such
    pnr_key_id: Mapped[str | None] = mapped_column(String(16))  # the instance key that encrypted the pnr
    closed_on: Mapped[date | None] = mapped_column(Date)  # the participation ended (retention counts from it)
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    closing_summary: Mapped[str | None] = mapped_column(Text)  # written at closing, for the youth and family
    # protected identity (skyddade personuppgifter): only its named assessors and its team's coordinators
    # open it (store.access), and no family name or number leaves it; the reasons are in ``protections``
    protected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())

    referrals: Mapped[list[Referral]] = relationship(back_populates="subject", order_by="Referral.received_on",
                                                     foreign_keys="Referral.subject_id")


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (UniqueConstraint("subject_id", "received_on", name="uq_referral_subject_received"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    source: Mapped[str] = mapped_column(String(24))
    received_on: Mapped[date] = mapped_column(Date, index=True)
    checklist_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    suitable: Mapped[bool | None]
    suitable_reason: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    asked_on: Mapped[date | None] = mapped_column(Date)
    accepted: Mapped[bool | None]
    answered_on: Mapped[date | None] = mapped_column(Date)
    other_support: Mapped[str | None] = mapped_column(Text)  # offered when declined or not suitable
    started_on: Mapped[date | None] = mapped_column(Date)
    # the start decision: SoL 4 kap. 1 § or LVU 11 §, its date and reference in the case-management system;
    # and, when SIG starts without a final structured assessment, the reason stated (flagged in the caseload)
    decided_by: Mapped[list | None] = mapped_column(JSON)  # who took part in the intake decision: "Name (role)"
    criteria: Mapped[list | None] = mapped_column(JSON)  # ids from the intake criteria met
    preparation_informed_on: Mapped[date | None] = mapped_column(Date)  # the preparation group was told
    legal_basis: Mapped[str | None] = mapped_column(String(16))
    decision_on: Mapped[date | None] = mapped_column(Date)
    decision_reference: Mapped[str | None] = mapped_column(String(64))
    start_reason: Mapped[str | None] = mapped_column(Text)  # also why SIG starts below a high judgment
    # what the start recorded about consent: True under a consent route, False when the route needs none
    # (LVU 11 §); None for starts from before it was recorded (the route says then)
    consent_required: Mapped[bool | None] = mapped_column(Boolean)
    # a report of concern about a child (orosanmälan) and the clocks the law sets for it (rules.clocks):
    # the safety assessment, the decision whether to investigate, and an opened investigation's end
    report_of_concern: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    safety_assessed_on: Mapped[date | None] = mapped_column(Date)
    investigation_decided_on: Mapped[date | None] = mapped_column(Date)
    investigation_opened: Mapped[bool | None]  # the decision: True, an investigation is opened
    investigation_opened_on: Mapped[date | None] = mapped_column(Date)
    investigation_ended_on: Mapped[date | None] = mapped_column(Date)
    # sent by a referrer from their own page (store.referrers): their account, the team they chose, and the
    # existing case whose personnummer they typed, for intake's eyes only (the referrer is never told: no
    # existence oracle)
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    sent_to: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))  # the team chosen, as the referrer sees it
    same_pnr_as: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))

    subject: Mapped[Subject] = relationship(back_populates="referrals", foreign_keys=[subject_id])


class Ask(Base):
    """One ask of the youth and guardians: a "no" is kept, and the youth stays for motivation."""

    __tablename__ = "asks"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    asked_on: Mapped[date] = mapped_column(Date)
    asked_by: Mapped[str] = mapped_column(String(64))
    answer: Mapped[bool | None]
    answered_on: Mapped[date | None] = mapped_column(Date)
    other_support: Mapped[str | None] = mapped_column(Text)


class Consent(Base):
    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    signed_on: Mapped[date] = mapped_column(Date)
    signed_by: Mapped[list] = mapped_column(JSON)  # e.g. ["youth", "guardian 1", "guardian 2"]
    valid_until: Mapped[date] = mapped_column(Date)
    actors: Mapped[list] = mapped_column(JSON)  # organisations that may share, e.g. ["skola", "polis"]
    categories: Mapped[list] = mapped_column(JSON)  # information, e.g. ["assessment", "school"]
    withdrawn_on: Mapped[date | None] = mapped_column(Date)


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_subject_date", "subject_id", "assessed_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    instrument_id: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[str] = mapped_column(String(32))
    definition_hash: Mapped[str] = mapped_column(String(64))
    occasion: Mapped[str] = mapped_column(String(16))
    assessed_on: Mapped[date] = mapped_column(Date)
    rater: Mapped[str] = mapped_column(String(64))
    ratings: Mapped[dict] = mapped_column(JSON)
    notes: Mapped[dict | None] = mapped_column(JSON)  # item id -> observation text
    judgment: Mapped[str | None] = mapped_column(String(32))
    rationale: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="draft")  # draft | final
    version: Mapped[int] = mapped_column(Integer, default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    age_reason: Mapped[str | None] = mapped_column(Text)  # why, when the youth is outside the age range
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime)
    # every save bumps the revision; an UPDATE names the revision it read (optimistic locking), so two
    # sessions on one draft cannot silently overwrite each other
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)

    subject: Mapped[Subject] = relationship()

    __mapper_args__: ClassVar[dict] = {"version_id_col": revision}


class Meeting(Base):
    """A network meeting (nätverksmöte); the action plan is its goals and commitments."""

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    attendees: Mapped[list] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)
    next_meeting_on: Mapped[date] = mapped_column(Date)
    interval_reason: Mapped[str | None] = mapped_column(Text)  # why more than 28 days to the next meeting

    goals: Mapped[list[Goal]] = relationship(order_by="Goal.id", cascade="all, delete-orphan")
    commitments: Mapped[list[Commitment]] = relationship(order_by="Commitment.id", cascade="all, delete-orphan")


class Goal(Base):
    __tablename__ = "goals"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    term: Mapped[str] = mapped_column(String(8))  # short | long
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(128))  # whose goal: the youth, a guardian, the network


class Commitment(Base):
    __tablename__ = "commitments"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    what: Mapped[str] = mapped_column(Text)
    by_when: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    intervention_id: Mapped[str | None] = mapped_column(String(64))
    if_cannot: Mapped[str | None] = mapped_column(Text)  # what the person does if they cannot keep it
    review: Mapped[str | None] = mapped_column(String(16))  # at the next meeting: one of COMMITMENT_REVIEWS
    review_note: Mapped[str | None] = mapped_column(Text)


COMMITMENT_REVIEWS = ("kept", "partly", "not_kept")
GOAL_OWNERS = ("youth", "guardian", "network")
ORGANISATIONS = ("police", "school", "social_services", "leisure", "health", "youth", "guardian", "other")
REQUIRED_ORGANISATIONS = ("police", "school")  # in every group, by the SIG reports
EVENT_KINDS = ("police_report", "school_absence", "incident", "broken_commitment", "contact")


class Member(Base):
    """A named member of a youth's network (nätverket): the group changes over time (from/to)."""

    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    organisation: Mapped[str] = mapped_column(String(24))  # one of ORGANISATIONS
    role: Mapped[str | None] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(128))
    from_on: Mapped[date | None] = mapped_column(Date)  # None: from the start
    to_on: Mapped[date | None] = mapped_column(Date)  # None: still a member
    # the partner account of this member (role ``partner``), when they log in; store.partners
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)


class Event(Base):
    """Something between meetings; a serious one asks for a network meeting within a week."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(24))  # one of EVENT_KINDS
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    logged_by: Mapped[str] = mapped_column(String(64))


class AgendaItem(Base):
    """Something a member of the network asks the coordinator to take up at the next network meeting
    ("Mina grupper"): case data, shown on the plan page until a meeting is held after it was sent."""

    __tablename__ = "agenda_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    sent_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    sent_by: Mapped[str] = mapped_column(String(64))  # the login
    organisation: Mapped[str | None] = mapped_column(String(24))  # the sender's (rules.partner), staff: None


class InterventionGiven(Base):
    __tablename__ = "interventions_given"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    intervention_id: Mapped[str] = mapped_column(String(64))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    hours: Mapped[float | None] = mapped_column(Float)


class Outcome(Base):
    __tablename__ = "outcomes"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    police_reports: Mapped[int] = mapped_column(Integer, default=0)
    placement: Mapped[str] = mapped_column(String(16), default="none")
    placement_days: Mapped[int] = mapped_column(Integer, default=0)
    placement_cost: Mapped[float] = mapped_column(Float, default=0.0)
    occupation: Mapped[str] = mapped_column(String(16), default="none")
    attendance: Mapped[float | None] = mapped_column(Float)  # school attendance, per cent
    concern_reports: Mapped[int | None] = mapped_column(Integer)  # orosanmälningar
    lvu_applications: Mapped[int | None] = mapped_column(Integer)
    outpatient_cost: Mapped[float | None] = mapped_column(Float)  # purchased outpatient care


class AuditEntry(Base):
    """Append-only: who did what to which case, chained by hashes so edits and deletions show."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    who: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the log outlives cases
    detail: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16))  # the audit key of the HMAC; NULL: plain SHA-256


OUTBOX_KINDS = ("plan", "invitation")  # what a notice is about (store.outbox)
OUTBOX_STATUSES = ("queued", "sent", "failed")


class OutboxMessage(Base):
    """A notice to one member of the network that a document of the case is in Insats: the case code, a
    date and the link to log in, never the document (the meeting's .ics is the one attachment). Sent
    by ``services.outbox`` through the relay, tried again with backoff; case data (gallring removes it)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # one of OUTBOX_KINDS
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # a partner with an account
    address: Mapped[str] = mapped_column(String(255))
    about_on: Mapped[date] = mapped_column(Date)  # the plan's or the meeting's date
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    attachment_name: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(8), default="queued")  # one of OUTBOX_STATUSES
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)  # None once sent or failed
    last_error: Mapped[str | None] = mapped_column(String(64))  # a code, never the relay's words
    queued_by: Mapped[str] = mapped_column(String(64))
    queued_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class GallringPermit(Base):
    """Cases listed for removal inside one gallring transaction: the only way past the triggers that
    keep final assessments immutable. Always empty outside ``store.retention.gallring``."""

    __tablename__ = "gallring_permits"
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Setting(Base):
    """An instance's setting kept with its data, not with whoever runs a command (the k floor of
    ``rules.disclosure``): one row per key, who set it and when; every change is also audited."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(DateTime)
