""""Mina grupper" for a police officer in 30 groups of a city's 2,000 (target < 150 ms), and the access
checks one page run makes (target < 5 ms per page).

Measured on SQLite: ``store.groups.my_groups`` end to end (the memberships and the consents in two
queries, the latest plans and commitments in a few more, one audit row per group), against a naive
baseline in the same run that asks group by group, as a first version would; both lists are compared.
The checks: the guard's ``member`` scope for the four actions a group page asks (group, plan, summary,
event), each asking the membership and the consent afresh, beside the same number of staff ``team``
checks on the same cases.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select

from ._timing import line, timed

ON = date(2026, 11, 23)
GROUP_ACTIONS = ("group.read", "group.plan", "group.summary", "event.write")


def _database(folder: Path, cases: int, groups: int, meetings_per_case: int, seed: int = 11) -> str:
    from store import make_engine, transaction, upgrade
    from store.models import Commitment, Consent, Event, Meeting, Member, Subject
    from store.users import SETUP, add_user

    rng = np.random.default_rng(seed)
    url = f"sqlite:///{folder / 'partner.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        officer = add_user(s, SETUP, "bench.polis", display_name="Polis", roles=["partner"], organisation="police")
        add_user(s, SETUP, "bench.samordnare", display_name="Samordnare", roles=["coordinator"], teams=["Standard"])
        s.flush()
        s.execute(Subject.__table__.insert(), [{"id": i, "case_code": f"C-{i}", "team_id": 1, "synthetic": True,
                                                "birth_year": 2010} for i in range(1, cases + 1)])
        mine = set(int(i) for i in rng.choice(np.arange(1, cases + 1), groups, replace=False))
        meetings = [{"id": (i - 1) * meetings_per_case + k + 1, "subject_id": i,
                     "held_on": ON - timedelta(days=28 * (meetings_per_case - k)), "attendees": ["polis"],
                     "next_meeting_on": ON - timedelta(days=28 * (meetings_per_case - k - 1))}
                    for i in range(1, cases + 1) for k in range(meetings_per_case)]
        s.execute(Meeting.__table__.insert(), meetings)
        s.execute(Commitment.__table__.insert(), [{
            "meeting_id": m["id"], "actor": actor, "what": "Åtagande", "by_when": m["next_meeting_on"],
            "status": "planned"} for m in meetings for actor in ("polis", "skola", "fritid")])
        s.execute(Member.__table__.insert(), [{
            "subject_id": i, "name": f"M{i}-{o}", "organisation": o, "from_on": ON - timedelta(days=400),
            "to_on": None, "user_id": officer.id if o == "police" and i in mine else None}
            for i in range(1, cases + 1) for o in ("police", "school", "leisure")])
        s.execute(Consent.__table__.insert(), [{
            "subject_id": i, "signed_on": ON - timedelta(days=300), "signed_by": ["youth"],
            "valid_until": ON + timedelta(days=60), "actors": ["polis", "skola"],
            "categories": ["plan", "police"] if i % 2 else ["plan", "police", "assessment"]}
            for i in range(1, cases + 1)])
        s.execute(Event.__table__.insert(), [{
            "subject_id": int(i), "occurred_on": ON - timedelta(days=int(rng.integers(0, 60))),
            "kind": str(rng.choice(["police_report", "school_absence", "contact"])), "serious": False,
            "logged_by": "bench"} for i in rng.integers(1, cases + 1, cases)])
    engine.dispose()
    return url


def _naive(session, actor, on: date) -> list[tuple]:
    """Group by group: the member rows, then for each its consents, its latest meeting and its commitments,
    with the rules asked one value at a time."""
    from rules.partner import categories_for, is_member_on, own_commitment, views_for
    from store.models import Commitment, Consent, Meeting, Member, Subject

    rows = []
    for member in session.scalars(select(Member).where(Member.user_id == actor.user_id)).all():
        if not is_member_on(member.from_on, member.to_on, on):
            continue
        consents = [(c.actors, c.categories, c.signed_on, c.valid_until, c.withdrawn_on)
                    for c in session.scalars(select(Consent).where(Consent.subject_id == member.subject_id))]
        views = views_for(categories_for(actor.organisation, consents, on))
        code = session.get(Subject, member.subject_id).case_code
        meeting = session.scalars(select(Meeting).where(Meeting.subject_id == member.subject_id)
                                  .order_by(Meeting.held_on.desc(), Meeting.id.desc())).first()
        own = []
        if meeting is not None and "commitments" in views:
            names = [m.name for m in session.scalars(select(Member).where(
                Member.subject_id == member.subject_id, Member.organisation == actor.organisation))]
            own = [c.what for c in session.scalars(select(Commitment).where(Commitment.meeting_id == meeting.id))
                   if own_commitment(c.actor, actor.organisation, names)]
        rows.append((code, meeting.next_meeting_on if meeting is not None and "meetings" in views else None, len(own)))
    return sorted(rows)


def run(cases: int = 2_000, groups: int = 30, meetings_per_case: int = 10) -> dict:
    from store import access, make_engine, transaction
    from store import groups as group_store
    from store.users import actor_for

    with tempfile.TemporaryDirectory(prefix="insats-bench-partner-") as tmp:
        url = _database(Path(tmp), cases, groups, meetings_per_case)
        engine = make_engine(url)
        with transaction(engine) as s:
            officer, coordinator = actor_for(s, "bench.polis"), actor_for(s, "bench.samordnare")
            ids = [g.subject_id for g in group_store.my_groups(s, officer, ON)]

        def ours():
            with transaction(engine) as s:
                return group_store.my_groups(s, officer, ON)

        fast = timed(ours, repeat=5)["median"]
        began = time.perf_counter()
        with transaction(engine) as s:
            naive = _naive(s, officer, ON)
        slow = time.perf_counter() - began
        mine = sorted((g.case_code, g.next_meeting_on, len(g.commitments)) for g in ours())
        differ = len(set(mine) ^ set(naive))

        def checks(actor, actions):
            def page():  # one page run: the checks of one group in a fresh session (no audit rows)
                with transaction(engine) as s:
                    s.connection()  # the transaction itself is the page's, not the checks': begun before timing
                    began = time.perf_counter()
                    for action in actions:
                        access.in_scope(s, actor, access.scope_of(actor, action), ids[0], action)
                    spent.append(time.perf_counter() - began)
            return page

        spent: list[float] = []
        timed(checks(officer, ("group.list", *GROUP_ACTIONS)), repeat=30)
        member_ms, spent = float(np.median(spent)) * 1000, []
        timed(checks(coordinator, ("case.read", "plan.read", "assessment.read", "event.write")), repeat=30)
        staff_ms = float(np.median(spent)) * 1000
        engine.dispose()
    line(f"Mina grupper, {groups} groups of {cases:,}", f"{fast * 1000:.0f} ms vs {slow * 1000:.0f} ms group by "
         f"group ({slow / fast:.1f}× faster; target < 150 ms); {differ} rows differ")
    line("access checks of one group page (member scope)", f"{member_ms:.1f} ms for {len(GROUP_ACTIONS) + 1} checks "
         f"vs {staff_ms:.1f} ms for 4 team checks (target < 5 ms per page)")
    return {"groups_ms": fast * 1000, "groups_naive_ms": slow * 1000, "groups_speedup": slow / fast,
            "rows_differing": differ, "member_checks_ms": member_ms, "team_checks_ms": staff_ms}
