"""The ``insats`` command. Thin: parses arguments, calls the packages, prints results.

Exit status: 0 success, 2 bad input (with a message naming file, row, column and what was expected),
1 anything else unexpected.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import instruments
import scoring

BAD_INPUT = 2


class InputError(Exception):
    """Bad input from the user: printed without a stack trace, exit status 2."""


# -- helpers ---------------------------------------------------------------------------------
def read_wide_csv(path: str) -> pd.DataFrame:
    """Read a wide response file with every cell as text (so 'NA' and '' stay omission codes).

    pyarrow's C++ reader: a 100,000-row file reads in a fraction of pandas' time.
    """
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    try:
        header = pa_csv.read_csv(path, read_options=pa_csv.ReadOptions(block_size=1 << 16)).schema.names
        convert = pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=False, null_values=[]
        )
        table = pa_csv.read_csv(path, convert_options=convert)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file: {exc}") from None
    frame = table.to_pandas()
    frame.columns = [str(c).lstrip("\ufeff") for c in frame.columns]
    return frame


def write_atomically(path: str | None, text: str) -> None:
    """Write the whole output or nothing: a failed run never leaves a half-written file."""
    if path is None:
        sys.stdout.write(text)
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def frame_as(frame: pd.DataFrame, fmt: str) -> str:
    """CSV (pyarrow's writer: fast for large cohorts) or JSON records."""
    if fmt == "json":
        return frame.to_json(orient="records", force_ascii=False, indent=1) + "\n"
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    sink = pa.BufferOutputStream()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, sink, write_options=pa_csv.WriteOptions(quoting_style="needed"))
    return sink.getvalue().to_pybytes().decode("utf-8")


def load_instrument(id_or_path: str) -> instruments.Instrument:
    try:
        return instruments.load(id_or_path)
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from None
    except instruments.InstrumentError as exc:
        raise InputError(f"the instrument definition has errors:\n{exc}") from None


def refused(path: str, errors: list, outcome: str) -> InputError:
    """Every bad row of a file (the first 50), and what did not happen because of them."""
    lines = [f"{path}: {e}" for e in errors[:50]]
    if len(errors) > 50:
        lines.append(f"... and {len(errors) - 50} more")
    lines.append(outcome)
    return InputError("\n".join(lines))


def response_error(path: str, exc: scoring.ResponseError) -> InputError:
    return refused(path, exc.errors, "nothing was written")


# -- instruments -----------------------------------------------------------------------------
def cmd_instruments_list(args: argparse.Namespace) -> None:
    for instrument_id in instruments.available():
        inst = instruments.load(instrument_id)
        title = inst.text(inst.title, args.lang)
        print(f"{inst.id:22} {inst.version:8} {inst.kind:12} {len(inst.items):3} items  {title}")


def cmd_instruments_show(args: argparse.Namespace) -> None:
    inst = load_instrument(args.instrument)
    lang = args.lang
    print(f"{inst.text(inst.title, lang)}  [{inst.id} {inst.version}, {inst.kind}]")
    print(f"source: {inst.source}\nlicence: {inst.licence}\nhash: {inst.definition_hash}")
    for domain in inst.domains:
        kind = "dynamic" if domain.dynamic else "static"
        print(f"\n{inst.text(domain.label, lang)} ({domain.direction}, {kind})")
        for item in domain.items:
            scale = "/".join(lv.code for lv in inst.scales[item.scale].levels)
            needs = f"  needs: {', '.join(item.needs)}" if item.needs else ""
            print(f"  {item.id:5} {inst.text(item.label, lang)}  [{scale}]{needs}")
    for band in inst.bands:
        upper = f"<= {band.max:g}" if band.max is not None else "above"
        print(f"band {band.level:9} {upper:8} {inst.text(band.next, lang)}")
    if inst.judgment:
        print(f"judgment: {', '.join(inst.judgment.levels)} (rationale required: {inst.judgment.rationale_required})")


def cmd_instruments_validate(args: argparse.Namespace) -> None:
    issues = instruments.validate(args.file)
    if issues:
        raise InputError("\n".join(str(i) for i in issues))
    inst = instruments.load(args.file)
    print(f"{args.file}: valid ({inst.id} {inst.version}, {len(inst.items)} items)")


def cmd_instruments_schema(args: argparse.Namespace) -> None:
    print(json.dumps(instruments.Instrument.model_json_schema(), indent=2, ensure_ascii=False))


# -- score -----------------------------------------------------------------------------------
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


# -- match -----------------------------------------------------------------------------------
def read_json(path: str, what: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object with the {what}")
    return data


def cmd_match(args: argparse.Namespace) -> None:
    from scoring.matching import Profile, match

    inst = load_instrument(args.instrument)
    assessment = read_json(args.assessment, "ratings and judgment")
    unknown = set(assessment) - {"ratings", "judgment", "rationale"}
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
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    print(f"risk level: {result.risk_level or 'unknown'} (from {result.risk_level_source or '-'}); "
          f"intensity: {result.intensity}")
    for warning in result.warnings:
        print(f"! {warning}")
    print("needs: " + "; ".join(f"{n.label} ({n.severity})" for n in result.needs))
    if result.strengths:
        print("strengths: " + "; ".join(result.strengths))
    for number, rec in enumerate(result.recommendations, 1):
        print(f"{number}. {rec.name} [{rec.id}] – {rec.provider}, {rec.hours_per_week:g} h/week x {rec.typical_weeks}")
        for reason in rec.reasons:
            print(f"     + {reason}")
        for caution in rec.cautions:
            print(f"     ! {caution}")
    if result.uncovered_needs:
        print("not covered by any intervention: " + ", ".join(result.uncovered_needs))


# -- store: database, imports, reports, audit ---------------------------------------------------
def actor_from_env():
    import getpass

    from store import Actor

    return Actor(os.environ.get("INSATS_USER") or getpass.getuser(), os.environ.get("INSATS_ROLE", "admin"))


def open_store():
    import store

    engine = store.make_engine()
    store.upgrade(engine)
    return engine


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    import store

    engine = store.make_engine()
    store.upgrade(engine)
    print(f"database is up to date: {engine.url.render_as_string(hide_password=True)}")


def cmd_db_backup(args: argparse.Namespace) -> None:
    from store.backup import BackupError, backup

    try:
        backup(open_store(), args.file)
    except BackupError as exc:
        raise InputError(str(exc)) from None
    print(f"backup written to {args.file}")


def cmd_db_restore(args: argparse.Namespace) -> None:
    import store
    from store.backup import BackupError, restore

    try:
        restore(store.make_engine(), args.file)
    except BackupError as exc:
        raise InputError(str(exc)) from None
    print(f"restored from {args.file}")


def cmd_referrals_import(args: argparse.Namespace) -> None:
    from store import transaction
    from store.imports import ImportRefused, import_referrals

    frame = read_wide_csv(args.file)
    try:
        with transaction(open_store()) as session:
            report = import_referrals(session, actor_from_env(), frame)
    except ImportRefused as exc:
        raise refused(args.file, exc.errors, "nothing was imported") from None
    for line in report.skipped:
        print(f"{args.file}: {line}", file=sys.stderr)
    print(f"imported {report.imported} referrals ({report.new_subjects} new cases, {report.checklists} checklists); "
          f"skipped {len(report.skipped)} already in the register")


def cmd_assessments_import(args: argparse.Namespace) -> None:
    from store import transaction
    from store.imports import ImportRefused, import_assessments

    load_instrument(args.instrument)
    frame = read_wide_csv(args.file)
    try:
        with transaction(open_store()) as session:
            report = import_assessments(session, actor_from_env(), args.instrument, frame, args.create_subjects)
    except ImportRefused as exc:
        raise refused(args.file, exc.errors, "nothing was imported") from None
    print(f"imported {report.imported} assessments ({report.new_subjects} new cases)")


def cmd_assessments_export(args: argparse.Namespace) -> None:
    from store import transaction
    from store.imports import export_assessments

    load_instrument(args.instrument)
    with transaction(open_store()) as session:
        frame = export_assessments(session, actor_from_env(), args.instrument)
    write_atomically(args.output, frame_as(frame, args.format))


def cmd_report_funnel(args: argparse.Namespace) -> None:
    from scoring.funnel import STEPS, monthly_funnel
    from store import transaction
    from store.imports import referral_dates

    with transaction(open_store()) as session:
        table = monthly_funnel(referral_dates(session), args.date_from, args.date_to)
    if args.format == "json":
        print(json.dumps(table.to_dict(orient="records"), indent=1))
        return
    totals = {"month": "total", **{s: int(table[s].sum()) for s in STEPS}}
    table = pd.concat([table, pd.DataFrame([totals])], ignore_index=True)
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False))
    else:
        print(table.to_string(index=False))


def cmd_audit_verify(args: argparse.Namespace) -> None:
    from store import transaction
    from store.audit import verify

    with transaction(open_store()) as session:
        checked, problems = verify(session)
    if problems:
        raise InputError("\n".join(str(p) for p in problems) + f"\n{len(problems)} problem(s) in {checked} rows")
    print(f"audit chain intact: {checked} rows")


def cmd_demo_seed(args: argparse.Namespace) -> None:
    from store import transaction
    from store.demo import DemoRefused, is_empty, seed_demo

    engine = open_store()
    with transaction(engine) as session:
        if args.if_empty and not is_empty(session):
            print("the database already holds cases; no demo cohort added")
            return
        try:
            report = seed_demo(session, actor_from_env(), n_subjects=args.subjects, seed=args.seed)
        except DemoRefused as exc:
            raise InputError(str(exc)) from None
    print(f"synthetic demo cohort: {report.subjects} youths (case codes DEMO-…), {report.referrals} referrals, "
          f"{report.assessments} assessments, {report.meetings} network meetings")


def cmd_serve(args: argparse.Namespace) -> None:
    """Migrate, add the demo cohort to an empty database, then serve the app from this process."""
    from store import transaction
    from store.demo import is_empty, seed_demo

    engine = open_store()
    if args.demo_if_empty:
        with transaction(engine) as session:
            if is_empty(session):
                report = seed_demo(session, actor_from_env())
                print(f"empty database: added the synthetic demo cohort ({report.subjects} youths, DEMO-…)")
    engine.dispose()
    import store

    # This process has already imported pandas, SQLAlchemy and the store, and migrated the database:
    # the first session reuses both (measured: a second faster first paint than `streamlit run`).
    os.environ["INSATS_MIGRATED_URL"] = store.database_url()
    from streamlit.web import cli as streamlit_cli

    sys.argv = ["streamlit", "run", str(Path(__file__).resolve().parent / "app.py"), "--server.port", str(args.port),
                "--server.address", args.address, "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    sys.exit(streamlit_cli.main())


# -- research ------------------------------------------------------------------------------------
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
    from store import Actor, transaction
    from store.research import KEY_COLUMNS, assessments_for_research

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
    who = actor_from_env()
    engine = open_store()
    with transaction(engine) as session:
        wide = assessments_for_research(session, Actor(who.who, "researcher"), inst.id)
    values = scoring.responses_to_array(inst, wide)
    scored = scoring.score(inst, values, judgment=wide["judgment"].tolist() if inst.judgment else None)
    names = inst.score_names
    wide = pd.concat([wide, scored[names].round(3)], axis=1)
    long = wide.melt(id_vars=KEY_COLUMNS, value_vars=inst.item_ids, var_name="item", value_name="code")
    long["value"] = values.T.ravel()  # melt stacks item by item, in item order: the array's columns
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
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
            _write_sav(inst, frame, stem.with_suffix(".sav"))
            written.append(stem.with_suffix(".sav"))
    print(f"{len(wide)} assessments of {wide['research_id'].nunique()} youths, de-identified:")
    for path in written:
        print(f"  {path}")


def _write_sav(inst: instruments.Instrument, frame: pd.DataFrame, path: Path) -> None:
    """SPSS file with item values as numbers and their level labels as value labels."""
    import pyreadstat

    data = frame.copy()
    labels: dict[str, dict] = {}
    for item in inst.items:
        if item.id in data:
            levels = inst.scales[item.scale].levels
            data[item.id] = data[item.id].map({lv.code: lv.value for lv in levels})
            labels[item.id] = {lv.value: inst.text(lv.label, "sv") for lv in levels}
    if inst.judgment is not None and "judgment" in data:
        order = {lv: i for i, lv in enumerate(inst.judgment.levels)}
        data["judgment"] = data["judgment"].map(order)
        labels["judgment"] = {i: inst.text(inst.judgment.labels.get(lv), "sv") or lv for lv, i in order.items()}
    for column in data.columns:
        if data[column].dtype == object or str(data[column].dtype).startswith("str"):
            data[column] = data[column].astype(object).where(data[column].notna(), "")
    tmp = path.with_suffix(".sav.tmp")
    pyreadstat.write_sav(data, str(tmp), variable_value_labels=labels,
                         column_labels={i.id: inst.text(i.label, "sv") for i in inst.items if i.id in data})
    os.replace(tmp, path)


def register_research_commands(sub: argparse._SubParsersAction) -> None:
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
    p.set_defaults(func=cmd_research_export)


def register_store_commands(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="create, migrate, back up and restore the database").add_subparsers(
        dest="action", required=True)
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(func=cmd_db_upgrade)
    for name, func, text in (("backup", cmd_db_backup, "write a backup file"),
                             ("restore", cmd_db_restore, "replace the database with a backup")):
        p = db.add_parser(name, help=text)
        p.add_argument("file")
        p.set_defaults(func=func)
    referrals = sub.add_parser("referrals", help="referral registers").add_subparsers(dest="action", required=True)
    p = referrals.add_parser("import", help="import a referral register (CSV), all or nothing")
    p.add_argument("file")
    p.set_defaults(func=cmd_referrals_import)
    assessments = sub.add_parser("assessments", help="import and export assessments").add_subparsers(
        dest="action", required=True)
    p = assessments.add_parser("import", help="import a wide response file as final assessments")
    p.add_argument("--instrument", required=True)
    p.add_argument("file")
    p.add_argument("--create-subjects", action="store_true", help="create cases for unknown case codes")
    p.set_defaults(func=cmd_assessments_import)
    p = assessments.add_parser("export", help="export current final assessments as a wide file")
    p.add_argument("--instrument", required=True)
    p.add_argument("-o", "--output")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(func=cmd_assessments_export)
    report = sub.add_parser("report", help="reports").add_subparsers(dest="action", required=True)
    p = report.add_parser("funnel", help="referrals received, suitable, asked and accepted per month")
    p.add_argument("--from", dest="date_from")
    p.add_argument("--to", dest="date_to")
    p.add_argument("--by", choices=["month"], default="month")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_report_funnel)
    p = sub.add_parser("serve", help="start the app (migrates the database first)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="localhost")
    p.add_argument("--demo-if-empty", action="store_true", help="add the synthetic demo cohort to an empty database")
    p.set_defaults(func=cmd_serve)
    demo = sub.add_parser("demo", help="the synthetic demo cohort").add_subparsers(dest="action", required=True)
    p = demo.add_parser("seed", help="add about 200 synthetic youths (marked synthetic, case codes DEMO-…)")
    p.add_argument("--subjects", type=int, default=200)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--if-empty", action="store_true", help="only when the database holds no cases")
    p.set_defaults(func=cmd_demo_seed)
    audit = sub.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    audit.add_parser("verify", help="check the hash chain; names edited or deleted rows").set_defaults(
        func=cmd_audit_verify)


# -- parser ----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="insats", description="Structured risk assessment for SIG work.")
    parser.add_argument("--lang", choices=["sv", "en"], default=os.environ.get("INSATS_LANG", "sv"))
    sub = parser.add_subparsers(dest="command", required=True)

    inst = sub.add_parser("instruments", help="list, show, validate instrument definitions")
    inst_sub = inst.add_subparsers(dest="action", required=True)
    inst_sub.add_parser("list", help="shipped and organisation instruments").set_defaults(func=cmd_instruments_list)
    show = inst_sub.add_parser("show", help="factors, scales, bands and judgment of one instrument")
    show.add_argument("instrument")
    show.set_defaults(func=cmd_instruments_show)
    validate = inst_sub.add_parser("validate", help="check a definition file and list every problem")
    validate.add_argument("file")
    validate.set_defaults(func=cmd_instruments_validate)
    inst_sub.add_parser("schema", help="JSON Schema of the definition format").set_defaults(func=cmd_instruments_schema)

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

    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [register_store_commands,
                                                                      register_research_commands]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except InputError as exc:
        print(f"insats: error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
