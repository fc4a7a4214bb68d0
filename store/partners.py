"""Which partner accounts (role ``partner``) are current members of which groups, and what the youth's
consent lets each one's organisation see there: the ground the guard, "Mina grupper", the outbox and
``insats access who`` all read, so none of them can answer differently.

A partner is linked to member rows (``Member.user_id``): being named in a group is not enough, and a
membership that ended (``to_on``) or a consent that expired or was withdrawn ends what they see on the
next question asked. The rules (vocabularies, which view needs which category) are ``rules.partner``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from rules.partner import categories_for, views_for

from .models import Consent, Member, User


@dataclass(frozen=True)
class Membership:
    """One partner's current place in one group, and what the consent opens to their organisation."""

    subject_id: int
    member_id: int
    user_id: int
    login: str
    organisation: str
    categories: frozenset[str]  # consent categories their organisation receives now

    @property
    def views(self) -> frozenset[str]:
        return views_for(self.categories)


def memberships(session: Session, on: date, *, user_id: int | None = None,
                subject_ids: list[int] | None = None) -> list[Membership]:
    """Unchecked: the current memberships of active partner accounts, for one user or some cases (or all),
    with the consent categories in force on ``on``. Two queries, whatever the number of groups."""
    query = (select(Member.subject_id, Member.id, User.id, User.login, User.organisation, User.roles)
             .join(User, User.id == Member.user_id)
             .where(User.active.is_(True),
                    or_(Member.from_on.is_(None), Member.from_on <= on),
                    or_(Member.to_on.is_(None), Member.to_on >= on)))
    if user_id is not None:
        query = query.where(User.id == user_id)
    if subject_ids is not None:
        query = query.where(Member.subject_id.in_(subject_ids))
    rows = [r for r in session.execute(query) if "partner" in (r[5] or [])]
    if not rows:
        return []
    consents: dict[int, list] = defaultdict(list)
    for subject_id, *consent in session.execute(
            select(Consent.subject_id, Consent.actors, Consent.categories, Consent.signed_on, Consent.valid_until,
                   Consent.withdrawn_on).where(Consent.subject_id.in_(sorted({r[0] for r in rows})))):
        consents[subject_id].append(consent)
    return [Membership(subject_id, member_id, uid, login, organisation or "other",
                       categories_for(organisation, consents[subject_id], on))
            for subject_id, member_id, uid, login, organisation, _ in rows]


def membership_of(session: Session, user_id: int | None, subject_id: int, on: date) -> Membership | None:
    """Unchecked: the user's current membership of one group, or None (the guard's question)."""
    if user_id is None:
        return None
    found = memberships(session, on, user_id=user_id, subject_ids=[subject_id])
    if not found:
        return None
    # named twice in one group (e.g. two roles): the union of what each opens is the same consent
    return found[0]
