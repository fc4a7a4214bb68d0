"""The start of SIG, as the law and the reports set it: which consent a start rests on, the judgment
that normally comes before it, and the ages SIG is for.

- Under a route that requires consent (SoL 4 kap. 1 §, the voluntary route; which routes do is data:
  ``instruments/legal_bases.yaml``), the start needs a consent active on the start day, signed by the
  youth, and by a guardian when the youth is under 18 that day, that lets the social services, the
  police and the school share (the reports: "samtycke från den unge och vårdnadshavarna"). A start
  with no legal basis named is treated as voluntary: consent is required unless a route says otherwise.
- Under a route that does not (LVU 11 §) no consent is needed, and the start records that.
- Västerås offers SIG when the structured assessment shows high risk, and RBM says intensity follows
  risk: a final judgment below ``JUDGMENT_THRESHOLD`` on the latest final structured assessment on or
  before the start needs a stated reason (the start's ``start_reason``).
- SIG is for youths from 12 until their 18th birthday; a youth who started before 18 may stay until
  19 (``AgeLimits``, a setting: ``config.sig_age_limits``). The day of birth is not kept (year and
  month only), so a birthday counts from the first of the birth month.

Pure: plain values in, plain values out. The store (``mark_started``), the register import and the
caseload (vectorised over these constants) all ask here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

REQUIRED_ACTORS = ("socialtjanst", "polis", "skola")  # consent ``actors`` codes a start's consent must cover
YOUTH = "youth"  # the ``signed_by`` code of the youth
GUARDIAN_PREFIX = "guardian"  # "guardian", "guardian 1", "guardian 2": a guardian signed
ADULT_AGE = 18  # from this birthday the youth signs alone
JUDGMENT_THRESHOLD = "high"  # a start below it needs a stated reason

CONSENT_MISSING = "no_consent"  # what a start's consent lacks, as codes the refusal names
NOT_BY_YOUTH = "not_by_youth"
NOT_BY_GUARDIAN = "not_by_guardian"
ACTORS_MISSING = "actors_missing"


@dataclass(frozen=True)
class AgeLimits:
    """SIG's ages: from ``lowest`` until the ``highest`` birthday, or the ``extended`` one for a youth
    who started before the ``highest``."""

    lowest: int = 12
    highest: int = 18
    extended: int = 19


DEFAULT_AGE_LIMITS = AgeLimits()


def birthday(birth_year: int | None, birth_month: int | None, age: int) -> date | None:
    """The day the youth turns ``age`` (the first of the birth month; January when the month is not
    known), or None when the birth year is not known."""
    if birth_year is None:
        return None
    return date(int(birth_year) + age, int(birth_month or 1), 1)


def age_on(birth_year: int | None, birth_month: int | None, day: date) -> int | None:
    """Age in whole years on ``day`` (birthdays on the first of the month), None when not known."""
    if birth_year is None:
        return None
    return day.year - int(birth_year) - (1 if day.month < int(birth_month or 1) else 0)


def under_adult_age(birth_year: int | None, birth_month: int | None, day: date) -> bool:
    """Whether the guardians sign too: under 18 on ``day``. An unknown age counts as under 18 (the
    stricter reading: a guardian's signature is never wrongly left out)."""
    age = age_on(birth_year, birth_month, day)
    return age is None or age < ADULT_AGE


def signed_by_youth(signed_by: Iterable[str]) -> bool:
    return YOUTH in set(signed_by or ())


def signed_by_guardian(signed_by: Iterable[str]) -> bool:
    return any(str(s).startswith(GUARDIAN_PREFIX) for s in signed_by or ())


def missing_actors(actors: Iterable[str]) -> list[str]:
    """The required actors a consent does not cover, in ``REQUIRED_ACTORS`` order."""
    have = set(actors or ())
    return [a for a in REQUIRED_ACTORS if a not in have]


def consent_problem(signed_by: Iterable[str], actors: Iterable[str], under_18: bool) -> str | None:
    """What keeps one active consent from carrying a start, or None when it does."""
    if not signed_by_youth(signed_by):
        return NOT_BY_YOUTH
    if under_18 and not signed_by_guardian(signed_by):
        return NOT_BY_GUARDIAN
    if missing_actors(actors):
        return ACTORS_MISSING
    return None


def active_on(signed_on: date, valid_until: date, withdrawn_on: date | None, day: date) -> bool:
    """The consent holds on ``day``: signed, not run out, not withdrawn (the day of withdrawal ends it)."""
    return signed_on <= day <= valid_until and not (withdrawn_on is not None and withdrawn_on <= day)


@dataclass(frozen=True)
class ConsentFacts:
    """One consent as the rule reads it."""

    signed_on: date
    valid_until: date
    withdrawn_on: date | None
    signed_by: Sequence[str]
    actors: Sequence[str]


def start_consent_problem(consents: Iterable[ConsentFacts], day: date, under_18: bool) -> str | None:
    """None when some consent active on ``day`` carries the start; else what the nearest one lacks
    (``CONSENT_MISSING`` when none is active at all)."""
    problems = [consent_problem(c.signed_by, c.actors, under_18) for c in consents
                if active_on(c.signed_on, c.valid_until, c.withdrawn_on, day)]
    if not problems:
        return CONSENT_MISSING
    if None in problems:
        return None
    return problems[0]


def below_threshold(levels: Sequence[str], judgment: str | None) -> bool:
    """Whether ``judgment`` ranks below ``JUDGMENT_THRESHOLD`` in the instrument's ordered ``levels``.
    An instrument without that level, or no judgment, says nothing about it (False)."""
    if judgment is None or JUDGMENT_THRESHOLD not in levels or judgment not in levels:
        return False
    return list(levels).index(judgment) < list(levels).index(JUDGMENT_THRESHOLD)


def below_threshold_pairs(levels_by_instrument: dict[str, Sequence[str]]) -> set[tuple[str, str]]:
    """Every (instrument, judgment) below the threshold: what a vectorised reader checks membership in."""
    return {(i, j) for i, levels in levels_by_instrument.items() for j in levels if below_threshold(levels, j)}


def outside_age_range(age: int | None, age_range: tuple[int, int] | None) -> bool:
    """An assessment of a youth outside the instrument's ``age_range`` (both ends included) needs a
    reason. An unknown age or an instrument without a range says nothing."""
    return age is not None and age_range is not None and not age_range[0] <= age <= age_range[1]


def age_limit_day(birth_year: int | None, birth_month: int | None, started_on: date,
                  limits: AgeLimits = DEFAULT_AGE_LIMITS) -> date | None:
    """The birthday SIG ends at: the ``extended`` one when the youth started before the ``highest``."""
    highest = birthday(birth_year, birth_month, limits.highest)
    if highest is None:
        return None
    return birthday(birth_year, birth_month, limits.extended if started_on < highest else limits.highest)


def parse_age_limits(text: str) -> AgeLimits:
    """``"12,18,19"`` (lowest, highest, extended); a clear ValueError for anything else."""
    parts = [p.strip() for p in text.replace("-", ",").split(",")]
    try:
        lowest, highest, extended = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"INSATS_SIG_AGES={text!r}: expected three whole numbers, lowest,highest,extended "
                         "(e.g. 12,18,19)") from None
    if not 0 < lowest < highest <= extended:
        raise ValueError(f"INSATS_SIG_AGES={text!r}: expected lowest < highest <= extended (e.g. 12,18,19)")
    return AgeLimits(lowest, highest, extended)
