"""insats score and insats match: computations on files, no database."""

from __future__ import annotations

import argparse
import json

import pandas as pd

import catalogue
import instruments
import scoring

from ._io import InputError, frame_as, load_instrument, read_json, read_wide_csv, response_error, write_atomically


def cmd_score(args: argparse.Namespace) -> None:
    inst = load_instrument(args.instrument)
    frame = read_wide_csv(args.input)
    try:
        scoring.check_columns(inst, list(frame.columns), allow_missing_items=args.allow_missing_items)
        values = scoring.responses_to_array(inst, frame, allow_missing_items=args.allow_missing_items, first_row=2)
        judgment = frame["judgment"].to_numpy() if "judgment" in frame.columns else None
        scores = scoring.score(inst, values, judgment=judgment, first_row=2)
    except scoring.ResponseError as exc:
        raise response_error(args.input, exc) from None
    keys = frame[[c for c in scoring.KEY_COLUMNS if c in frame.columns and c != "judgment"]]
    out = pd.concat([keys.reset_index(drop=True), scores.reset_index(drop=True)], axis=1)
    write_atomically(args.output, frame_as(out, args.format))


def cmd_match(args: argparse.Namespace) -> None:
    from scoring.matching import Profile, match

    inst = load_instrument(args.instrument)
    assessment = read_json(args.assessment, "ratings and judgment")
    unknown = set(assessment) - {"ratings", "judgment", "rationale"}
    judgment = assessment.get("judgment")
    if judgment is not None and not isinstance(judgment, str):
        raise InputError(f'{args.assessment}: "judgment" must be a level such as "moderate", not {judgment!r}')
    if unknown or not isinstance(assessment.get("ratings"), dict):
        raise InputError(f'{args.assessment}: expected {{"ratings": {{"ITEM": code, ...}}, "judgment": level}}'
                         + (f"; unknown key(s): {', '.join(sorted(unknown))}" if unknown else ""))
    try:
        profile = Profile.from_dict(read_json(args.profile, "responsivity profile")) if args.profile else Profile()
    except ValueError as exc:
        raise InputError(f"{args.profile}: {exc}") from None
    try:
        result = match(inst, assessment["ratings"], instruments.load_catalogue(), profile,
                       judgment=assessment.get("judgment"), lang=args.lang)
    except ValueError as exc:
        raise InputError(f"{args.assessment}: {exc}") from None
    _say_match(result, args.lang, args.format)


def _say_match(result, language: str, form: str) -> None:
    """The match in ``language`` (``--lang``): every reason, caution and warning from the catalogue, the
    same words as the page; levels and needs in words, never their codes (JSON keeps the ids and tags)."""
    def say(key: str, **values: object) -> str:
        return catalogue.text(key, language, **values)

    def phrase(said) -> str:
        return catalogue.phrase(said, language)

    if form == "json":
        print(json.dumps(result.to_dict(say=phrase), indent=2, ensure_ascii=False))
        return
    level = say(f"match_{result.risk_level}") if result.risk_level else say("unknown").lower()
    source = f" {say(f'level_from_{result.risk_level_source}')}" if result.risk_level_source else ""
    print(f"{say('risk_level')}: {level}{source}; {say('intensity')}: {say(f'intensity_{result.intensity}')}")
    for warning in result.warnings:
        print(f"! {phrase(warning)}")
    print(f"{say('needs')}: " + "; ".join(f"{n.label} ({say(f'severity_{n.severity}')})" for n in result.needs))
    if result.strengths:
        print(f"{say('strengths')}: " + "; ".join(result.strengths))
    for number, rec in enumerate(result.recommendations, 1):
        print(f"{number}. {rec.name} [{rec.id}] – {rec.provider}, "
              + say("match_hours_weeks", hours=catalogue.number(rec.hours_per_week, language), weeks=rec.typical_weeks))
        for reason in rec.reasons:
            print(f"     + {phrase(reason)}")
        for caution in rec.cautions:
            print(f"     ! {phrase(caution)}")
    if result.uncovered_needs:
        labels = {need.tag: need.label for need in result.needs}
        print(say("uncovered", needs=", ".join(labels.get(t, t) for t in result.uncovered_needs)))


def register(sub: argparse._SubParsersAction) -> None:
    score = sub.add_parser("score", help="score a wide CSV of assessments")
    score.add_argument("--instrument", required=True, help="instrument id or path to a .yaml file")
    score.add_argument("input", help="wide CSV: subject_id, assessed_on, ..., one column per item")
    score.add_argument("-o", "--output", help="output file (default: standard output)")
    score.add_argument("--format", choices=["csv", "json"], default="csv")
    score.add_argument("--allow-missing-items", action="store_true", help="missing item columns count as omitted")
    score.set_defaults(func=cmd_score)

    matching = sub.add_parser("match", help="RBM: explained, ranked interventions for one assessment")
    matching.add_argument("--instrument", required=True)
    matching.add_argument("assessment", help='JSON: {"ratings": {"ITEM": code, ...}, "judgment": "high"}')
    matching.add_argument("--profile", help="JSON with age, motivation, acute_mental_health, ... (missing = unknown)")
    matching.add_argument("--format", choices=["text", "json"], default="text")
    matching.set_defaults(func=cmd_match)
