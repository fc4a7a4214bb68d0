"""insats research change|agreement|validity (on files) and export (de-identified, from the database)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

import instruments
import scoring

from ._io import (
    InputError,
    acting,
    check_output,
    frame_as,
    load_instrument,
    open_store,
    read_wide_csv,
    response_error,
    write_atomically,
)


def _research_input(args: argparse.Namespace) -> tuple[instruments.Instrument, pd.DataFrame]:
    return load_instrument(args.instrument), read_wide_csv(args.file)


def _emit(result: dict, args: argparse.Namespace) -> None:
    from scoring.research import to_frame, to_json_ready

    if args.format == "json":
        write_atomically(args.output, json.dumps(to_json_ready(result), indent=1, ensure_ascii=False) + "\n")
    else:
        write_atomically(args.output, frame_as(to_frame(result), "csv"))


def cmd_research_change(args: argparse.Namespace) -> None:
    from scoring import research

    inst, frame = _research_input(args)
    try:
        pairs = research.pair_occasions(inst, frame, args.pre, args.post)
        if len(pairs.subjects) < 2:
            raise InputError(f"{args.file}: fewer than two subjects with both a pre and a post assessment")
        result = research.change(inst, pairs, args.score, reliability=args.reliability, n_boot=args.bootstrap,
                                 seed=args.seed, group=args.group)
    except scoring.ResponseError as exc:
        raise response_error(args.file, exc) from None
    except ValueError as exc:
        raise InputError(f"{args.file}: {exc}") from None
    _emit(result, args)


def cmd_research_agreement(args: argparse.Namespace) -> None:
    from scoring import research

    inst, frame = _research_input(args)
    try:
        result = research.agreement(inst, frame, args.score)
    except scoring.ResponseError as exc:
        raise response_error(args.file, exc) from None
    except ValueError as exc:
        raise InputError(f"{args.file}: {exc}") from None
    result["items"] = result["items"].to_dict(orient="records")
    if args.format == "csv":
        write_atomically(args.output, frame_as(pd.DataFrame(result["items"]), "csv"))
        return
    _emit(result, args)


def cmd_research_validity(args: argparse.Namespace) -> None:
    from scoring import research

    inst, frame = _research_input(args)
    try:
        result = research.validity(inst, frame, args.outcome, args.score)
    except scoring.ResponseError as exc:
        raise response_error(args.file, exc) from None
    except ValueError as exc:
        raise InputError(f"{args.file}: {exc}") from None
    if args.format == "csv":
        write_atomically(args.output, frame_as(result["auc"], "csv"))
        return
    result["auc"] = result["auc"].to_dict(orient="records")
    _emit(result, args)


def cmd_research_export(args: argparse.Namespace) -> None:
    """De-identified long and wide files with scores, in CSV, Parquet and SPSS .sav."""
    from rules.disclosure import coarsen_rows, too_small
    from scoring.research import export_frames
    from services.research_outcomes import outcomes_before_after
    from store import transaction
    from store.research import KEY_COLUMNS, assessments_for_research, write_sav
    from store.settings import min_cell_floor, report_min_cell

    inst = load_instrument(args.instrument)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = [f for f in formats if f not in ("csv", "parquet", "sav")]
    if unknown:
        raise InputError(f"unknown format(s) {', '.join(unknown)}; expected csv, parquet, sav")
    if "sav" in formats:
        try:
            import pyreadstat  # noqa: F401
        except ImportError:
            raise InputError("SPSS export needs pyreadstat: pip install 'insats[research]'") from None
    with transaction(open_store()) as session:
        actor = acting(session, args)
        wide = assessments_for_research(session, actor, inst.id)  # a researcher's read: never exact
        k = max(report_min_cell(min_cell_floor(session).k, actor, "research.export"), args.min_cell or 0)
        outcomes = outcomes_before_after(session, actor)  # the follow-up report's before/after, own research ids
    try:
        wide = coarsen_rows(wide, "research_id", k)
    except ValueError as exc:
        raise InputError(f"{exc}; nothing was written") from None
    wide, long = export_frames(inst, wide, KEY_COLUMNS)
    out = Path(args.out)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError(f"{out}: is not a folder (a symbolic link or a file); nothing was written")
    out.mkdir(parents=True, exist_ok=True)
    stems = [out / f"{inst.id}-wide", out / f"{inst.id}-long", out / OUTCOMES_FILE]
    for stem in stems:  # no file of the export may be a link or a device
        for fmt in formats:
            check_output(str(stem.with_suffix(f".{fmt}")))
    written = []
    for name, frame in (("wide", wide), ("long", long)):
        stem = out / f"{inst.id}-{name}"
        if "csv" in formats:
            write_atomically(str(stem.with_suffix(".csv")), frame_as(frame, "csv"))
            written.append(stem.with_suffix(".csv"))
        if "parquet" in formats:
            frame.to_parquet(stem.with_suffix(".parquet"), index=False)
            written.append(stem.with_suffix(".parquet"))
        if "sav" in formats:
            write_sav(inst, frame, stem.with_suffix(".sav"))
            written.append(stem.with_suffix(".sav"))
    outcomes_hidden = too_small(len(outcomes), k)
    if not outcomes_hidden:
        written += _write_plain(outcomes, out / OUTCOMES_FILE, formats)
    coarsened = int((wide[[c for c in ("district", "age", "gender") if c in wide]] == "*").any(axis=1).sum())
    print(f"{len(wide)} assessments of {wide['research_id'].nunique()} youths, de-identified; every district × age × "
          f"gender combination holds at least {k} youths ({coarsened} rows coarsened):")
    for path in written:
        print(f"  {path}")
    if outcomes_hidden:
        print(f"outcomes before/after not written: {len(outcomes)} youths with outcome periods, fewer than {k}")


OUTCOMES_FILE = "outcomes-before-after"


def _write_plain(frame: pd.DataFrame, stem: Path, formats: list[str]) -> list[Path]:
    """A frame of research ids and numbers in each format asked for (no value labels: none are codes)."""
    written = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        if fmt == "csv":
            write_atomically(str(path), frame_as(frame, "csv"))
        elif fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            import pyreadstat

            pyreadstat.write_sav(frame, str(path))
        written.append(path)
    return written


def register(sub: argparse._SubParsersAction) -> None:
    research = sub.add_parser("research", help="evaluation statistics and de-identified exports").add_subparsers(
        dest="action", required=True)

    def common(p: argparse.ArgumentParser, file_help: str) -> None:
        p.add_argument("--instrument", required=True)
        p.add_argument("file", help=file_help)
        p.add_argument("--score", action="append", help="a score to report (repeatable; default: the totals)")
        p.add_argument("--format", choices=["json", "csv"], default="json")
        p.add_argument("--output", help="write here instead of standard output")

    p = research.add_parser("change", help="pre/post change, reliable change and risk-level transitions")
    common(p, "wide CSV: subject_id, occasion, assessed_on, items, [judgment], [group column]")
    p.add_argument("--pre", help="occasion used as pre (default: first by date)")
    p.add_argument("--post", help="occasion used as post (default: last by date)")
    p.add_argument("--reliability", type=float, help="r_xx for reliable change (default: the definition's)")
    p.add_argument("--group", help="column with two groups (e.g. SIG and comparison) to compare change")
    p.add_argument("--bootstrap", type=int, default=0, metavar="N", help="BCa bootstrap CIs with N resamples")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_research_change)
    p = research.add_parser("agreement", help="ICCs, kappas, Krippendorff's alpha, per-item agreement")
    common(p, "wide CSV, one row per subject and rater: subject_id, rater, items, [judgment]")
    p.set_defaults(func=cmd_research_agreement)
    p = research.add_parser("validity", help="ROC AUC with DeLong CIs for a 0/1 outcome")
    common(p, "wide CSV, one row per assessment: items, [judgment], the outcome column")
    p.add_argument("--outcome", required=True, help="column with 0/1 (or ja/nej)")
    p.set_defaults(func=cmd_research_validity)
    p = research.add_parser("export", help="de-identified long and wide files from the database")
    p.add_argument("--instrument", required=True)
    p.add_argument("--out", required=True, help="folder to write to")
    p.add_argument("--formats", default="csv,parquet,sav", help="comma-separated: csv, parquet, sav")
    p.add_argument("--min-cell", type=int, metavar="K",
                   help="raise the smallest group of youths (never below the instance's floor: insats db set-min-cell, "
                        "default 5)")
    p.set_defaults(func=cmd_research_export)


