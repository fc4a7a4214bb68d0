"""A synthetic demo cohort, so a new user sees every page populated.

Every subject is ``synthetic=True`` with a case code starting ``DEMO-``; no real person is behind
any row. Trajectories are drawn from a simple latent model: each youth has a risk level that falls
(for most) or rises (for some) between occasions, static history factors never improve, and
protective factors grow as risk falls. Rows are generated as whole arrays and written with Core
inserts, so 10,000 subjects take seconds (the app benchmarks use that).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import config
import instruments
from rules import timing

from . import audit
from ._time import utc_now
from .access import SYSTEM, Actor, guard
from .models import (
    Ask,
    Assessment,
    CaseAssessor,
    Commitment,
    Consent,
    Event,
    Goal,
    InterventionGiven,
    Meeting,
    Member,
    Outcome,
    Protection,
    Referral,
    Subject,
    Team,
    User,
)
from .users import add_user

PREFIX = "DEMO-"
DISTRICTS = ("Skärholmen", "Rinkeby-Kista", "Farsta", "Spånga-Tensta")
TEAMS = {"SIG Söderort": ("Skärholmen", "Farsta"), "SIG Västerort": ("Rinkeby-Kista", "Spånga-Tensta")}
# login -> (name, roles, teams); every role, two teams, so each page and each refusal can be shown
USERS = {
    "demo.mottagning": ("Mona Mottagning (demo)", ["intake"], list(TEAMS)),
    "demo.soderort": ("Sara Söder (demo)", ["assessor"], ["SIG Söderort"]),
    "demo.vasterort": ("Vera Väster (demo)", ["assessor"], ["SIG Västerort"]),
    "demo.samordnare": ("Sam Samordnare (demo)", ["coordinator"], ["SIG Söderort"]),
    "demo.forskare": ("Frida Forskare (demo)", ["researcher"], []),
    "demo.admin": ("Adam Admin (demo)", ["admin"], []),
}
RATER = {"SIG Söderort": "demo.soderort", "SIG Västerort": "demo.vasterort"}
SOURCES, SOURCE_P = (("polis", "skola", "faltassistenter", "socialtjanst", "fritid", "annan"),
                     (0.45, 0.2, 0.12, 0.13, 0.05, 0.05))
ACTORS = ["socialtjanst", "polis", "skola", "fritid"]
COMMITMENTS = [
    ("skola", "Anpassad studiegång och daglig närvarouppföljning", "skolsocionom"),
    ("socialtjanst", "Kvalificerad kontaktperson två gånger i veckan", "kvalificerad-kontaktperson"),
    ("fritid", "Plats i fotbollslaget, ledare hämtar vid första träningen", "fritidsaktivitet"),
    ("polis", "Orosamtal och kontakt med närpolisen", None),
    ("oppenvard", "Föräldrastöd varannan vecka", "foraldrastod"),
]

# the demo members' mailboxes, in Swedish (an address of English organisation codes read as raw codes)
DEMO_MAILBOX = {"police": "polisen", "school": "skolan", "social_services": "socialtjansten",
                "leisure": "fritidsgarden", "health": "vardcentralen"}


class DemoRefused(ValueError):
    """The database already holds a demo cohort (seeding twice would double it) or real cases (demo
    data must never mix with them)."""


@dataclass(frozen=True)
class DemoReport:
    subjects: int
    referrals: int
    assessments: int
    meetings: int
    passwords: dict[str, str] = field(default_factory=dict, compare=False)  # new demo users: shown once


def has_demo(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Subject).where(Subject.synthetic.is_(True))))


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Subject))


def _concern_clocks(referral: Referral, i: int, today: date) -> None:
    """A police referral of a child that is also a report of concern (orosanmälan), with its clocks'
    steps as the law sets them (rules.clocks): the safety assessment the same day, the decision whether
    to investigate within 14 days, an opened investigation ended within four months; one in four is left
    open or late, so Översikt and Inkorg show a clock that runs."""
    received = referral.received_on
    referral.report_of_concern = True
    if i % 4 == 3:  # only registered: its clocks run
        return
    referral.safety_assessed_on = min(received, today)
    decided = received + timedelta(days=10)
    if decided > today:
        return
    referral.investigation_decided_on = decided
    referral.investigation_opened = i % 2 == 0
    if referral.investigation_opened:
        referral.investigation_opened_on = decided
        ended = decided + timedelta(days=100)
        if ended <= today:
            referral.investigation_ended_on = ended


def _levels(latent: np.ndarray, inst: instruments.Instrument, rng: np.random.Generator) -> np.ndarray:
    """Latent risk (occasions × youths) -> item codes (occasions × youths × items)."""
    directions = np.array([inst.item_domain[i].direction for i in inst.item_ids])
    offsets = rng.normal(0, 0.5, size=len(inst.item_ids))
    noise = rng.normal(0, 0.6, size=(*latent.shape, len(inst.item_ids)))
    drive = latent[..., None] + offsets + noise
    codes = np.empty(drive.shape, dtype=object)
    for j, item_id in enumerate(inst.item_ids):
        levels = [lv.code for lv in inst.scales[inst.item_by_id[item_id].scale].levels]
        x = -drive[..., j] if directions[j] == "protective" else drive[..., j]
        cuts = np.linspace(-0.6, 0.6, len(levels) - 1) if len(levels) > 2 else np.array([0.2])
        codes[..., j] = np.asarray(levels, dtype=object)[np.searchsorted(cuts, x)]
    static = np.array([not inst.item_domain[i].dynamic for i in inst.item_ids])
    codes[1:, :, static] = codes[:1, :, static]  # history does not change between occasions
    return codes


def seed_demo(
    session: Session,
    actor: Actor,
    *,
    n_subjects: int = 200,
    today: date | None = None,
    seed: int = 2026,
    plans: bool = True,
    max_assessments: int = 6,
    users: bool = True,
) -> DemoReport:
    """Create the synthetic cohort in the caller's transaction; refused if one exists.

    An admin (or the set-up of an empty database) adds it; the rows are written in their name."""
    guard(session, actor, "user.manage", detail="synthetic demo cohort")
    actor = Actor(actor.who, SYSTEM)
    if has_demo(session):
        raise DemoRefused("the database already holds the synthetic demo cohort")
    if session.scalar(select(func.count()).select_from(Subject).where(Subject.synthetic.is_(False))):
        raise DemoRefused("the database holds real cases: the synthetic demo cohort goes only into an empty "
                          "database or a demo one")
    team_ids, passwords = _teams_and_users(session, actor, users)
    today = today or config.today()
    rng = np.random.default_rng(seed)
    inst = instruments.load("savry-like")
    n = n_subjects
    ages = rng.integers(13, 21, size=n)
    k = rng.integers(2, max_assessments + 1, size=n)  # assessments if started
    path = rng.random((n, 4))
    started = (path[:, 0] < 0.8) & (path[:, 1] < 0.8) & (path[:, 2] < 0.85)
    span = np.where(started, (k - 1) * 91 + 60, 0) + rng.integers(5, 120, size=n)
    received = [today - timedelta(days=int(d)) for d in span]

    subjects = [
        Subject(
            case_code=f"{PREFIX}{i + 1:06d}",
            birth_year=today.year - int(ages[i]),
            birth_month=int(rng.integers(1, 13)),
            gender=str(rng.choice(["pojke", "flicka"], p=[0.85, 0.15])),
            district=str(rng.choice(DISTRICTS)),
            synthetic=True,
        )
        for i in range(n)
    ]
    team_of_district = {d: team_ids[t] for t, ds in TEAMS.items() for d in ds}
    rater_of_team = {team_ids[t]: login for t, login in RATER.items()}
    for subject in subjects:
        subject.team_id = team_of_district[subject.district]
    session.add_all(subjects)
    session.flush()
    ids = [s.id for s in subjects]
    sources = rng.choice(SOURCES, size=n, p=SOURCE_P)
    referrals, consents, start_days = [], [], {}
    for i, s in enumerate(subjects):
        r = Referral(subject_id=s.id, source=str(sources[i]), received_on=received[i])
        day = received[i] + timedelta(days=int(rng.integers(3, 10)))
        if path[i, 0] < 0.8 and day <= today:  # screened
            r.suitable, r.decided_on = bool(path[i, 1] < 0.8), day
            if not r.suitable:
                r.suitable_reason = "Behoven möts bättre i ordinarie öppenvård (syntetisk demo)."
            elif (day := day + timedelta(days=int(rng.integers(2, 8)))) <= today:
                r.asked_on = day
                if started[i] or path[i, 3] < 0.5:
                    r.accepted, r.answered_on = bool(started[i]), day + timedelta(days=2)
                    if not started[i]:
                        r.other_support = "Erbjuden kontaktperson (syntetisk demo)."
                    else:  # the reports' order: yes, the structured assessment within a week, then the start
                        r.started_on = r.answered_on + timedelta(days=8)
                        # most under SoL with the consent a start needs (rules.start); every 12th under LVU,
                        # which records that no consent was required
                        lvu = len(start_days) % 12 == 11
                        r.legal_basis, r.decision_on = ("LVU 11" if lvu else "SoL 4:1"), r.started_on
                        r.consent_required = not lvu
                        start_days[s.id] = r.started_on
                        consents.append(
                            Consent(
                                subject_id=s.id,
                                signed_on=r.started_on,
                                signed_by=["youth", "guardian"],
                                valid_until=max(r.started_on, today + timedelta(days=int(rng.integers(-20, 300)))),
                                actors=ACTORS,
                                categories=["assessment", "plan", "school", "police", "leisure"],
                            )
                        )
        if sources[i] == "polis" and i % 9 == 0 and ages[i] < 18:  # a report of concern about a child
            _concern_clocks(r, i, today)
        referrals.append(r)
    session.add_all(referrals + consents)
    session.flush()
    session.add_all([Ask(referral_id=r.id, asked_on=r.asked_on, asked_by="demo", answer=r.accepted,
                         answered_on=r.answered_on, other_support=r.other_support) for r in referrals if r.asked_on])

    # assessments: occasions x youths latent risk; most improve, some get worse
    occasions = max_assessments
    theta0 = rng.normal(0.3, 0.8, size=n)
    drift = rng.normal(-0.28, 0.3, size=n)
    latent = theta0 + drift * np.arange(occasions)[:, None]
    codes = _levels(latent, inst, rng)
    value_of = {lv.code: lv.value for sc in inst.scales.values() for lv in sc.levels}
    values = np.vectorize(value_of.__getitem__, otypes=[float])(codes)
    risk_cols = np.array([inst.item_domain[i].direction != "protective" for i in inst.item_ids])
    totals = values[..., risk_cols].sum(axis=-1)
    judgments = np.where(totals < 14, 0, np.where(totals < 26, 1, 2))
    shift = (rng.random(judgments.shape) < 0.1) * rng.choice([-1, 1], size=judgments.shape)
    judgments = np.clip(judgments + shift, 0, 2)  # assessors sometimes judge a level off the total
    levels = inst.judgment.levels
    now = datetime.now()
    rows = []
    team_of = {x.id: x.team_id for x in subjects}
    for i, sid in enumerate(ids):
        if sid not in start_days:
            continue
        for t in range(int(k[i])):
            # the first assessment 1-7 days after the yes (the start is 8 days after it); one youth in
            # ten is started first and assessed 2-8 days later (Västerås: "startade utan bedömning"),
            # then every quarter
            first = start_days[sid] - timedelta(days=7 - sid % 7) if sid % 10 else start_days[sid] + timedelta(
                days=2 + sid % 7)
            on = first + timedelta(days=91 * t)
            if on > today:
                break
            last = t == int(k[i]) - 1 or on + timedelta(days=91) > today
            draft = last and rng.random() < 0.1
            rows.append(
                {
                    "subject_id": sid,
                    "instrument_id": inst.id,
                    "instrument_version": inst.version,
                    "definition_hash": inst.definition_hash,
                    "occasion": "baseline" if t == 0 else "follow-up",
                    "assessed_on": on,
                    "rater": rater_of_team[team_of[sid]],
                    "ratings": dict(zip(inst.item_ids, codes[t, i], strict=True)),
                    "notes": None,
                    "judgment": levels[judgments[t, i]],
                    "rationale": "Syntetisk demo: motiveringen väger samman risk- och skyddsfaktorer.",
                    "status": "draft" if draft else "final",
                    "version": 1,
                    "created_at": now,
                    "finalised_at": None if draft else now,
                }
            )
    if rows:
        session.execute(Assessment.__table__.insert(), rows)

    meetings = 0
    if plans:
        meetings = _plans(session, rng, start_days, today)
        _networks(session, rng, start_days, today)
        _protected(session, actor, start_days, today)
        _outcomes(session, rng, ids, received, start_days, today)
        _closings(session, start_days, today)
    audit.record_many(session, actor, "create", "subject", ids, "synthetic demo cohort")
    return DemoReport(subjects=n, referrals=len(referrals), assessments=len(rows), meetings=meetings,
                      passwords=passwords)


def _teams_and_users(session: Session, actor: Actor, users: bool) -> tuple[dict[str, int], dict[str, str]]:
    """The two demo teams and (``users``) a user for every role, with random passwords returned to be
    shown once. Teams and logins that already exist are kept as they are."""
    teams = {t.name: t for t in session.scalars(select(Team).where(Team.name.in_(list(TEAMS))))}
    for name in TEAMS:
        if name not in teams:
            teams[name] = Team(name=name)
            session.add(teams[name])
    session.flush()
    if not users:
        return {name: t.id for name, t in teams.items()}, {}
    existing = set(session.scalars(select(User.login).where(User.login.in_(list(USERS)))))
    passwords = {}
    for login, (name, roles, team_names) in USERS.items():
        if login not in existing:
            passwords[login] = secrets.token_urlsafe(12)
            add_user(session, actor, login, display_name=name, roles=roles, teams=team_names,
                     password=passwords[login])
    return {name: t.id for name, t in teams.items()}, passwords


MEMBERS = [("Polisen", "police", "Kommunpolis"), ("Skolan", "school", "Mentor"),
           ("Socialtjänsten", "social_services", "SIG-samordnare"), ("Fritid", "leisure", "Fältassistent")]
FIRST_NAMES = ["Anna", "Björn", "Cecilia", "David", "Elin", "Farid", "Gunilla", "Hassan", "Ida", "Johan"]


def _networks(session: Session, rng: np.random.Generator, start_days: dict[int, date], today: date) -> None:
    """Named members (invented names) for every started case: police and school in most groups, one
    in six without a police member, a school contact who left in some; now and then an event."""
    rows, events = [], []
    for sid, start in start_days.items():
        for name, organisation, role in MEMBERS:
            if organisation == "police" and rng.random() < 1 / 6:
                continue
            left = organisation == "school" and rng.random() < 0.1
            rows.append(Member(subject_id=sid, name=f"{rng.choice(FIRST_NAMES)} ({name}, demo)",
                               organisation=organisation, role=role, from_on=start,
                               to_on=today - timedelta(days=10) if left else None,
                               email=f"{DEMO_MAILBOX.get(organisation, 'natverket')}@example.org",
                               phone="08-000 00 00"))
        if rng.random() < 0.3:
            kind = str(rng.choice(["police_report", "school_absence", "incident", "contact"]))
            events.append(Event(subject_id=sid, occurred_on=today - timedelta(days=int(rng.integers(1, 40))),
                                kind=kind, serious=kind == "police_report", logged_by="demo",
                                note="Syntetisk demo-händelse."))
    session.add_all(rows + events)


PROTECTED_REASON = "Syntetisk demo: familjen har skyddade personuppgifter efter hot."
FAMILY = [("Lina (vårdnadshavare, demo)", "guardian", "Mamma"), ("Omar (ungdomen, demo)", "youth", "Ungdomen")]


def _protected(session: Session, actor: Actor, start_days: dict[int, date], today: date) -> None:
    """One started case with protected identity (skyddade personuppgifter), its reason kept with the case,
    named to its team's demo assessor, and a family in its network whose names and numbers the pages and
    documents leave out."""
    if not start_days:
        return
    sid = max(start_days)
    subject = session.get(Subject, sid)
    subject.protected = True
    row = Protection(subject_id=sid, protected=True, reason=PROTECTED_REASON, set_by=actor.who, set_at=utc_now())
    session.add(row)
    session.add_all(Member(subject_id=sid, name=name, organisation=organisation, role=role, from_on=start_days[sid],
                           phone="070-000 00 00") for name, organisation, role in FAMILY)
    team = session.get(Team, subject.team_id)
    rater = session.scalar(select(User.id).where(User.login == RATER.get(team.name if team else "", "")))
    if rater is not None:
        session.add(CaseAssessor(subject_id=sid, user_id=rater))
    session.flush()
    audit.record(session, actor, "protect", "case", sid, f"protection {row.id}")


def _plans(session: Session, rng: np.random.Generator, start_days: dict[int, date], today: date) -> int:
    """Network meetings every four weeks (the last three kept), some now overdue; interventions given."""
    count = 0
    for sid, start in start_days.items():
        every = timing.MEETING_INTERVAL
        held = [start + every * m for m in range(0, (today - start) // every + 1)][-3:]
        if rng.random() < 0.15 and len(held) > 1:
            held = held[:-1]  # the latest meeting was not held: the case is overdue
        for day in held:
            chosen = rng.choice(len(COMMITMENTS), size=3, replace=False)
            meeting = Meeting(
                subject_id=sid,
                held_on=day,
                attendees=["ungdom", "vårdnadshavare", *ACTORS],
                notes="Syntetisk demo: genomgång av förra planen.",
                next_meeting_on=day + timing.MEETING_INTERVAL,
            )
            meeting.goals = [
                Goal(term="short", text="Gå i skolan alla dagar nästa vecka", owner="youth"),
                Goal(term="long", text="Klara årskursen och ha en fritidsaktivitet", owner="youth"),
            ]
            meeting.commitments = [
                Commitment(
                    actor=COMMITMENTS[c][0],
                    what=COMMITMENTS[c][1],
                    by_when=day + timing.MEETING_INTERVAL,
                    status=str(rng.choice(["planned", "in_progress", "done"])),
                    intervention_id=COMMITMENTS[c][2],
                    if_cannot="Ringer samordnaren samma vecka och föreslår en ny tid (syntetisk demo).",
                )
                for c in chosen
            ]
            session.add(meeting)
            count += 1
        for c in rng.choice(len(COMMITMENTS), size=2, replace=False):
            if COMMITMENTS[c][2]:
                session.add(
                    InterventionGiven(
                        subject_id=sid,
                        intervention_id=COMMITMENTS[c][2],
                        started_on=start + timedelta(weeks=2),  # demo data, not a period of the work
                        hours=float(rng.integers(10, 80)),
                    )
                )
    return count


CLOSED_AFTER = timing.PARTICIPATION  # about 18 months, as the SIG reports describe
DEMO_REASONS = ("goals_reached", "goals_reached", "dropped_out", "moved", "transferred", "placed")


def _closings(session: Session, start_days: dict[int, date], today: date) -> None:
    """Participations that started about 18 months ago or more have ended, for a varied set of reasons."""
    for sid, start in start_days.items():
        if today - start > CLOSED_AFTER:
            session.execute(Subject.__table__.update().where(Subject.id == sid).values(
                closed_on=start + CLOSED_AFTER, closed_reason=DEMO_REASONS[sid % len(DEMO_REASONS)]))


def _outcomes(
    session: Session,
    rng: np.random.Generator,
    ids: list[int],
    received: list[date],
    start_days: dict[int, date],
    today: date,
) -> None:
    """Police reports and placements in the year before the referral and since the start."""
    for sid, got in zip(ids, received, strict=True):
        placed = sid % 6 == 0  # one in six was placed in the year before the referral (no extra draws)
        session.add(
            Outcome(
                subject_id=sid,
                period_start=got - timedelta(days=365),
                period_end=got,
                police_reports=int(rng.poisson(3)),
                placement=("SiS" if sid % 12 == 0 else "HVB") if placed else "none",
                placement_days=45 if placed else 0,
                placement_cost=(45 * 5400.0 if sid % 12 == 0 else 45 * 4200.0) if placed else 0.0,
                occupation="school",
            )
        )
        if sid in start_days and (today - start_days[sid]).days > 90:
            days = int(rng.integers(0, 60)) if rng.random() < 0.15 else 0
            session.add(
                Outcome(
                    subject_id=sid,
                    period_start=start_days[sid],
                    period_end=today,
                    police_reports=int(rng.poisson(1.5)),
                    placement="HVB" if days else "none",
                    placement_days=days,
                    placement_cost=days * 4200.0,
                    occupation=str(rng.choice(["school", "work", "none"], p=[0.6, 0.2, 0.2])),
                )
            )
