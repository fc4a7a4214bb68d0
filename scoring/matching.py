"""RBM matching: from one assessment to an explained, ranked set of interventions.

RBM (*Risk, Behov, Mottaglighet*; Risk-Need-Responsivity) in three rules, all in this module or
in the catalogue, with no hidden weights:

1. **Risk -> intensity.** The assessor's judgment where there is one, else the instrument's band:
   low -> ordinary support only (intensive programmes can do harm at low risk), moderate ->
   targeted, high -> multimodal and intensive.
2. **Needs -> content.** Dynamic factors on the risk side, rated high before moderate, grouped by
   their need tag. Static factors are context, never targets. Protective factors present are
   strengths to build on.
3. **Responsivity -> form.** Age, carer, school, acute mental health, neuropsychiatric needs,
   language and motivation filter interventions or add cautions (see ``_responsivity``).

Interventions are ranked by how many of the needs they cover (high needs first as tie-break),
then by fit of intensity to risk, then by catalogue order; with acute mental-health needs the
psychiatric assessment comes first. The professional decides: this is a proposal with reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import Literal

import numpy as np

from instruments import Catalogue, Instrument, Intervention
from rules import timing

from .engine import score
from .responses import judgment_lookup, ratings_to_values

RISK_LEVELS = ("low", "moderate", "high")
INTENSITY = {"low": "ordinary", "moderate": "targeted", "high": "intensive"}
SEVERITY_RANK = {"high": 0, "moderate": 1}

LONG_WAIT_WEEKS = 12.0  # longer than three network meetings: the plan needs something that starts sooner

# Every sentence of the matching is a Phrase: a code and its values. Its words, in Swedish and English, live
# in the app's catalogue (``match_<code>``), so scoring stays free of language and the page or the CLI says it.
# The profile's fields are said as ``match_field_<name>`` (never the field name).
PROFILE_FIELDS = ("age", "motivation", "acute_mental_health", "neuropsychiatric", "interpreter_needed",
                  "carer_available", "in_school")


@dataclass(frozen=True)
class Phrase:
    """One reason, caution, warning or description, as ``code`` (``match_<code>`` in the catalogue) with the
    ``params`` to fill into it: a Phrase inside is said first, a list item by item."""

    code: str
    params: dict[str, object] = field(default_factory=dict)


def _p(code: str, **values: object) -> Phrase:
    return Phrase(code, values)


@dataclass(frozen=True)
class Profile:
    """The young person's responsivity. ``None`` means unknown and is reported as such."""

    age: float | None = None
    motivation: Literal["low", "moderate", "high"] | None = None
    acute_mental_health: bool | None = None
    neuropsychiatric: bool | None = None
    interpreter_needed: bool | None = None
    carer_available: bool | None = None
    in_school: bool | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Profile:
        """Build from JSON-like data; unknown keys and wrong types are errors naming the field."""
        known = {f.name for f in fields(cls)}
        errors = [f"unknown field '{k}' (known: {', '.join(sorted(known))})" for k in data if k not in known]
        for name, value in data.items():
            if name not in known or value is None:
                continue
            if name == "age" and (isinstance(value, bool) or not isinstance(value, (int, float))):
                errors.append(f"'age' must be a number of years, got {value!r}")
            elif name == "motivation" and value not in ("low", "moderate", "high"):
                errors.append(f"'motivation' must be low, moderate or high, got {value!r}")
            elif name not in ("age", "motivation") and not isinstance(value, bool):
                errors.append(f"'{name}' must be true or false, got {value!r}")
        if errors:
            raise ValueError("; ".join(errors))
        return cls(**{k: v for k, v in data.items() if k in known})

    def unknown(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is None]


@dataclass
class Need:
    tag: str
    label: str
    severity: str  # high | moderate
    items: list[Phrase]  # rated_item: "I2 Impulsivity and risk-taking (high)"


@dataclass
class Recommendation:
    id: str
    name: str
    provider: str
    setting: str
    hours_per_week: float
    typical_weeks: int
    covers: list[str]
    reasons: list[Phrase]
    cautions: list[Phrase]
    waiting_weeks: float | None = None  # None: not known
    capacity: int | None = None
    alternative_to: str | None = None  # ranked here because that one has a long wait


@dataclass
class MatchResult:
    risk_level: str | None
    risk_level_source: str | None  # judgment | band | None
    intensity: str  # ordinary | targeted | intensive | unknown
    needs: list[Need]
    context: list[Phrase]  # static factors rated on the risk side: context, never targets
    strengths: list[str]
    recommendations: list[Recommendation]
    excluded: list[dict[str, object]]  # {"id": intervention, "reason": Phrase}
    uncovered_needs: list[str]
    warnings: list[Phrase]
    unknown_profile: list[str] = field(default_factory=list)

    def to_dict(self, say: Callable[[Phrase], str] | None = None) -> dict:
        """As plain data: with ``say`` (the catalogue in one language) every Phrase as its sentence, else
        as its code and values."""
        return _plain(self, say)


def _plain(value: object, say: Callable[[Phrase], str] | None) -> object:
    if isinstance(value, Phrase):
        return say(value) if say else {"code": value.code, "params": _plain(value.params, None)}
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name), say) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v, say) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, say) for k, v in value.items()}
    return value


# -- the three rules -----------------------------------------------------------------------------
def risk_level_of(instrument: Instrument, values: np.ndarray, judgment: str | None) -> tuple[str | None, str | None, bool]:
    """Risk level and its source (the judgment wins), plus whether judgment and band are 2 apart."""
    band = None
    if instrument.bands:
        row = score(instrument, values[None, :])
        band_value = row["band"].iloc[0]
        band = None if band_value is None or band_value != band_value else str(band_value)
    level = None
    if judgment:
        level = judgment_lookup(instrument).get(judgment.strip().lower())
        if level is None:
            raise ValueError(f"unknown judgment {judgment!r}; expected one of {', '.join(instrument.risk_levels)}")
    discordant = level in RISK_LEVELS and band in RISK_LEVELS and abs(
        RISK_LEVELS.index(level) - RISK_LEVELS.index(band)
    ) >= 2
    if level is not None:
        return (level if level in RISK_LEVELS else None), "judgment", discordant
    return (band if band in RISK_LEVELS else None), ("band" if band else None), False


def severity(value: float, scale_values: np.ndarray) -> str | None:
    """High at the top of the risk side of the scale, moderate from half-way, else no need."""
    top = scale_values.max()
    if top <= 0 or np.isnan(value) or value <= 0:
        return None
    ratio = value / top
    return "high" if ratio >= 1 else "moderate" if ratio >= 0.5 else None


def is_strength(direction: str, value: float, scale_values: np.ndarray) -> bool:
    """Protective factor above the middle of its scale (present; 4-5 of 1-5), or bipolar protection."""
    if direction == "bipolar":
        return value < 0
    return value > (scale_values.min() + scale_values.max()) / 2


def needs_of(
    instrument: Instrument, values: np.ndarray, catalogue: Catalogue, profile: Profile, lang: str
) -> tuple[list[Need], list[Phrase], list[str]]:
    """Ranked needs (dynamic factors only), static context, and strengths."""
    by_tag: dict[str, Need] = {}
    order: dict[str, int] = {}
    context, strengths = [], []
    for j, item in enumerate(instrument.items):
        domain = instrument.item_domain[item.id]
        scale = instrument.scales[item.scale]
        value = values[j]
        label = instrument.text(item.label, lang)
        if np.isnan(value):
            continue
        if domain.direction == "protective" or (domain.direction == "bipolar" and value < 0):
            if is_strength(domain.direction, value, scale.values):
                strengths.append(f"{item.id} {label}")
            continue
        level = severity(value, scale.values)
        if level is None:
            continue
        described = _p("rated_item", item=f"{item.id} {label}", level=_p(level))
        if not domain.dynamic:
            context.append(described)
            continue
        for tag in item.needs:
            need = by_tag.get(tag)
            if need is None:
                need = by_tag[tag] = Need(tag, instrument.text(catalogue.needs.get(tag, {tag: tag}), lang) or tag, level, [])
                order[tag] = len(order)
            if SEVERITY_RANK[level] < SEVERITY_RANK[need.severity]:
                need.severity = level
            need.items.append(described)
    if profile.acute_mental_health:
        need = by_tag.setdefault(
            "mental_health",
            Need("mental_health", instrument.text(catalogue.needs["mental_health"], lang), "high", []),
        )
        need.severity = "high"
        need.items.append(_p("acute_need"))
        order.setdefault("mental_health", -1)
    ranked = sorted(by_tag.values(), key=lambda n: (SEVERITY_RANK[n.severity], -len(n.items), order[n.tag]))
    return ranked, context, strengths


def _responsivity(
    iv: Intervention, profile: Profile, risk_level: str | None
) -> tuple[list[Phrase], list[Phrase], Phrase | None]:
    """Reasons, cautions, and an exclusion reason (None = eligible) from risk level and profile."""
    reasons, cautions = [], []
    lo, hi = iv.age
    if risk_level is not None and risk_level not in iv.risk_levels:
        return reasons, cautions, _p("risk_out", level=_p(risk_level))
    if risk_level is None and iv.intensive:
        return reasons, cautions, _p("warn_no_level")
    if profile.age is None:
        cautions.append(_p("age_unknown", lo=lo, hi=hi))
    elif not lo <= profile.age <= hi:
        return reasons, cautions, _p("age_out", age=f"{profile.age:g}", lo=lo, hi=hi)
    else:
        reasons.append(_p("age_ok", age=f"{profile.age:g}", lo=lo, hi=hi))
    if iv.requires_carer:
        if profile.carer_available is False:
            return reasons, cautions, _p("carer_no")
        (reasons if profile.carer_available else cautions).append(
            _p("carer_yes" if profile.carer_available else "carer_unknown")
        )
    if iv.requires_in_school:
        if profile.in_school is False:
            return reasons, cautions, _p("school_no")
        (reasons if profile.in_school else cautions).append(
            _p("school_yes" if profile.in_school else "school_unknown")
        )
    if profile.acute_mental_health and iv.treats_acute_mental_health:
        reasons.append(_p("acute_first"))
    if profile.acute_mental_health and iv.group_format:
        cautions.append(_p("after_stabilisation"))
    if profile.neuropsychiatric:
        if iv.adapted_for_neuropsychiatric:
            reasons.append(_p("npf_adapted"))
        else:
            cautions.append(_p("npf_adapt"))
    if profile.interpreter_needed and iv.needs_language_support:
        cautions.append(_p("interpreter"))
    if iv.out_of_home:
        cautions.append(_p("out_of_home"))
    if risk_level == "high" and iv.intensive:
        reasons.append(_p("intensive_fit"))
    return reasons, cautions, None


def match(
    instrument: Instrument,
    ratings: Mapping[str, object],
    catalogue: Catalogue,
    profile: Profile | None = None,
    judgment: str | None = None,
    lang: str = "sv",
    long_wait_weeks: float = LONG_WAIT_WEEKS,
) -> MatchResult:
    """Match one assessment to the catalogue. ``ratings``: item id -> level code or value. A recommendation
    whose wait is longer than ``long_wait_weeks`` (or with no free place) gets the best available
    alternative for its main need ranked right after it, with the reason."""
    profile = profile or Profile()
    values = ratings_to_values(instrument, ratings)
    risk_level, source, discordant = risk_level_of(instrument, values, judgment)
    needs, context, strengths = needs_of(instrument, values, catalogue, profile, lang)
    need_rank = {n.tag: i for i, n in enumerate(needs)}
    severity_of = {n.tag: n.severity for n in needs}
    warnings = []
    if risk_level is None:
        warnings.append(_p("warn_no_level"))
    elif risk_level == "low":
        warnings.append(_p("warn_low"))
    elif risk_level == "high":
        warnings.append(_p("warn_high"))
    if discordant:
        warnings.append(_p("warn_discordant"))
    if profile.motivation == "low":
        warnings.append(_p("warn_motivation"))
    candidates, excluded = [], []
    for position, iv in enumerate(catalogue.interventions):
        covers = sorted((t for t in iv.targets if t in need_rank), key=need_rank.__getitem__)
        if not covers:
            continue
        name = instrument.text(iv.name, lang)
        if iv.advised_against:
            warnings.append(_p("warn_against", name=name, evidence=instrument.text(iv.evidence, lang)))
            continue
        reasons, cautions, exclusion = _responsivity(iv, profile, risk_level)
        if exclusion is not None:
            excluded.append({"id": iv.id, "reason": exclusion})
            continue
        covered = [_p("need_level", need=_need_label(needs, t), level=_p(severity_of[t])) for t in covers]
        reasons.insert(0, _p("targets", x=covered))
        first = bool(profile.acute_mental_health and iv.treats_acute_mental_health)
        high_covered = sum(severity_of[t] == "high" for t in covers)
        fits_intensity = iv.intensive == (risk_level == "high")
        key = (not first, -len(covers), -high_covered, not fits_intensity, position)
        if iv.waiting_weeks:
            cautions.append(_p("wait", w=iv.waiting_weeks))
        if iv.capacity == 0:
            cautions.append(_p("no_places"))
        candidates.append((key, Recommendation(
            id=iv.id, name=name, provider=instrument.text(catalogue.providers[iv.provider], lang),
            setting=iv.setting, hours_per_week=iv.intensity.hours_per_week,
            typical_weeks=iv.intensity.typical_weeks, covers=covers, reasons=reasons, cautions=cautions,
            waiting_weeks=iv.waiting_weeks, capacity=iv.capacity,
        )))
    recommendations = _available_next([rec for _, rec in sorted(candidates, key=lambda c: c[0])], needs,
                                      long_wait_weeks)
    covered_tags = {t for rec in recommendations for t in rec.covers}
    uncovered = [n.tag for n in needs if n.tag not in covered_tags]
    unknown = profile.unknown()
    if unknown:
        warnings.append(_p("warn_unknown", x=[_p(f"field_{f}") for f in unknown]))
    return MatchResult(
        risk_level=risk_level, risk_level_source=source,
        intensity=INTENSITY.get(risk_level, "unknown") if risk_level else "unknown",
        needs=needs, context=context, strengths=strengths, recommendations=recommendations,
        excluded=excluded, uncovered_needs=uncovered, warnings=warnings, unknown_profile=unknown,
    )


def _long(rec: Recommendation, weeks: float) -> bool:
    return (rec.waiting_weeks or 0) > weeks or rec.capacity == 0


def _available_next(ranked: list[Recommendation], needs: list[Need], weeks: float) -> list[Recommendation]:
    """Availability (the reports: child psychiatry queues of 1-1.5 years): after each recommendation that
    cannot start soon, the best-ranked one that can and covers the same main need, saying why."""
    out = list(ranked)
    for rec in ranked:
        if not _long(rec, weeks):
            continue
        main_need = rec.covers[0]
        alternative = next((r for r in out if r is not rec and main_need in r.covers and not _long(r, weeks)
                            and r.alternative_to is None), None)
        if alternative is None:
            continue
        rec.cautions.append(_p("long_wait", w=rec.waiting_weeks or 0))
        when = _p("wait_known", w=alternative.waiting_weeks) if alternative.waiting_weeks is not None \
            else _p("wait_unknown")
        alternative.reasons.insert(0, _p("alternative", when=when, need=_need_label(needs, main_need),
                                         name=rec.name, w=rec.waiting_weeks or 0))
        alternative.alternative_to = rec.id
        out.remove(alternative)
        out.insert(out.index(rec) + 1, alternative)
    return out


def _need_label(needs: list[Need], tag: str) -> str:
    return next(n.label for n in needs if n.tag == tag)


def plan_draft(result: MatchResult, chosen: list[str] | None, start: date) -> list[dict]:
    """Chosen recommendations as action-plan commitments, due by the next network meeting (4 weeks).
    ``start``: the caller's today (``config.today``): scoring has no clock of its own."""
    ids = chosen if chosen is not None else [r.id for r in result.recommendations]
    by_id = {r.id: r for r in result.recommendations}
    return [
        {
            "intervention_id": i,
            "actor": by_id[i].provider,
            "what": by_id[i].name,
            "by_when": (start + timing.MEETING_INTERVAL).isoformat(),
            "status": "planned",
        }
        for i in ids
        if i in by_id
    ]
