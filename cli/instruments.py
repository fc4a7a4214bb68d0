"""insats instruments list|show|validate|schema|convert."""

from __future__ import annotations

import argparse
import json

import instruments

from . import convert
from ._io import InputError, load_instrument


def cmd_list(args: argparse.Namespace) -> None:
    for instrument_id in instruments.available():
        inst = instruments.load(instrument_id)
        title = inst.text(inst.title, args.lang)
        print(f"{inst.id:22} {inst.version:8} {inst.kind:12} {len(inst.items):3} items  {title}")


def cmd_show(args: argparse.Namespace) -> None:
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


def cmd_validate(args: argparse.Namespace) -> None:
    issues = instruments.validate(args.file)
    if issues:
        raise InputError("\n".join(str(i) for i in issues))
    inst = instruments.load(args.file)
    print(f"{args.file}: valid ({inst.id} {inst.version}, {len(inst.items)} items)")


def cmd_schema(args: argparse.Namespace) -> None:
    print(json.dumps(instruments.Instrument.model_json_schema(), indent=2, ensure_ascii=False))


def register(sub: argparse._SubParsersAction) -> None:
    inst_sub = sub.add_parser("instruments", help="list, show, validate instrument definitions").add_subparsers(
        dest="action", required=True)
    inst_sub.add_parser("list", help="shipped and organisation instruments").set_defaults(func=cmd_list)
    show = inst_sub.add_parser("show", help="factors, scales, bands and judgment of one instrument")
    show.add_argument("instrument")
    show.set_defaults(func=cmd_show)
    validate = inst_sub.add_parser("validate", help="check a definition file and list every problem")
    validate.add_argument("file")
    validate.set_defaults(func=cmd_validate)
    inst_sub.add_parser("schema", help="JSON Schema of the definition format").set_defaults(func=cmd_schema)
    convert.register(inst_sub)
