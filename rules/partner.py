"""Members of the network who log in (police, school, leisure, health) and referrers: what their
organisation is called in each vocabulary, and which consent category each thing they may see needs.

A partner sees a case only while they are a current member of its group (``covers``), and within it only
what the youth's active consent lets their organisation receive. The consent names recipients in its own
vocabulary (``polis``, ``skola`` …) and information by category (``plan``, ``assessment``, ``police`` …);
this module is the one translation between those words and the partner's organisation and views, so the
guard, "Mina grupper", the outbox and ``insats access who`` cannot disagree about it.

Pure: no I/O, no Streamlit, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

# the organisations a partner account belongs to: the group members' vocabulary (store.models.ORGANISATIONS)
# without social services (its staff are the team's own users) and the family (who do not log in)
PARTNER_ORGANISATIONS = ("police", "school", "leisure", "health", "other")
# who may send a referral checklist: the partners, and the field workers (fältassistenter)
REFERRER_ORGANISATIONS = ("police", "school", "field_workers", "leisure", "social_services", "other")
ORGANISATIONS = tuple(dict.fromkeys(PARTNER_ORGANISATIONS + REFERRER_ORGANISATIONS))

# the organisation as a consent recipient (store.cases.consent.CONSENT_ACTORS); ``other`` is none of
# them, so a consent never covers it: such a member sees that they are in the group, and nothing more
CONSENT_ACTOR: dict[str, str | None] = {"police": "polis", "school": "skola", "leisure": "fritid",
                                        "health": "bup", "other": None}
# the organisation as a referral source (store.models.REFERRAL_SOURCES)
REFERRAL_SOURCE = {"police": "polis", "school": "skola", "field_workers": "faltassistenter", "leisure": "fritid",
                   "social_services": "socialtjanst", "other": "annan"}

# what a partner may see in a group, and the consent category each needs. The plan, the meetings and
# the commitments are the network's shared work ("plan"); the assessment summary (the assessor's final
# judgment and the factors named for the plan, never the ratings' notes) needs "assessment".
VIEWS = ("plan", "meetings", "commitments", "events", "assessment_summary")
VIEW_CATEGORY = {"plan": "plan", "meetings": "plan", "commitments": "plan", "events": "plan",
                 "assessment_summary": "assessment"}
# an event tells something of one kind: a police report is police information, an absence the school's
EVENT_CATEGORY = {"police_report": "police", "school_absence": "school", "incident": "plan",
                  "broken_commitment": "plan", "contact": "plan"}


def is_member_on(from_on: date | None, to_on: date | None, on: date) -> bool:
    """A membership covers ``on``: started (or from the start) and not yet ended."""
    return (from_on is None or from_on <= on) and (to_on is None or on <= to_on)


def consent_active(signed_on: date, valid_until: date, withdrawn_on: date | None, on: date) -> bool:
    """The one definition of an active consent on ``on`` (signed, not expired, not withdrawn)."""
    return signed_on <= on <= valid_until and not (withdrawn_on is not None and withdrawn_on <= on)


def categories_for(organisation: str | None, consents: Iterable[tuple[list, list, date, date, date | None]],
                   on: date) -> frozenset[str]:
    """The consent categories an organisation may receive on ``on``: the union over the active consents
    that name it. ``consents``: (actors, categories, signed_on, valid_until, withdrawn_on) rows."""
    recipient = CONSENT_ACTOR.get(organisation or "")
    if recipient is None:
        return frozenset()
    found: set[str] = set()
    for actors, categories, signed_on, valid_until, withdrawn_on in consents:
        if recipient in actors and consent_active(signed_on, valid_until, withdrawn_on, on):
            found.update(categories)
    return frozenset(found)


def views_for(categories: frozenset[str]) -> frozenset[str]:
    """The views those categories open (``VIEWS``)."""
    return frozenset(view for view in VIEWS if VIEW_CATEGORY[view] in categories)


def sees_event(kind: str, categories: frozenset[str]) -> bool:
    """Whether an event of ``kind`` is within what the consent lets the partner's organisation see."""
    return EVENT_CATEGORY.get(kind, "plan") in categories


# What each action a partner may take needs, beyond being a current member of the group (the guard's
# ``member`` scope asks ``allows``): a view (its consent category, ``VIEW_CATEGORY``), ``NAMED`` (some
# active consent names the organisation: to add to the case at all, by an event or an agenda item), or
# None (membership alone: that they are in the group and its case code, never anything of the youth).
NAMED = "named"
ACTION_NEEDS: dict[str, str | None] = {
    "group.list": None,  # "Mina grupper": the groups one is a member of
    "group.read": None,  # one group's head: its case code
    "group.plan": "plan",  # the plan in plain words, the next meeting, the commitments, the events
    "group.summary": "assessment_summary",  # the assessor's final judgment, never the ratings or notes
    "commitment.review": "commitments",  # the organisation's own commitments only (``own_commitment``)
    "event.write": NAMED,
    "agenda.write": NAMED,
}


def allows(action: str, categories: frozenset[str]) -> bool:
    """Whether a current member whose organisation receives ``categories`` may do ``action``
    (an action missing from ``ACTION_NEEDS`` is never a partner's)."""
    if action not in ACTION_NEEDS:
        return False
    need = ACTION_NEEDS[action]
    if need is None:
        return True
    if need == NAMED:
        return bool(categories)
    return VIEW_CATEGORY[need] in categories


def own_commitment(actor_text: str, organisation: str, member_names: Iterable[str]) -> bool:
    """Whether a commitment (its person as the plan names it: the organisation's consent word such as
    ``polis``, or a member as "Name (Organisation)") is the partner's organisation's own: its word, or
    one of the organisation's members in the group (``member_names``)."""
    text = actor_text.strip()
    if text and text == CONSENT_ACTOR.get(organisation):
        return True
    person = text.rsplit(" (", 1)[0].strip() if text.endswith(")") else text
    return any(person == name.strip() for name in member_names)
