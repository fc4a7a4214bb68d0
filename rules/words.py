"""What people type for a stored code: one table of spellings per vocabulary, case-insensitive.

Registers moved from Excel say ``SiS``, ``sis`` or ``hvb``, Swedish words (``skola``, ``familjehem``)
or the word an older specification gave (``studies``). Every import (and any form that takes text)
reads the code through ``code_of``, so a spelling is accepted in one place and everywhere alike. The
codes themselves are the store's vocabularies (``store.models``); a test checks the two agree.
"""

from __future__ import annotations

import pandas as pd

SPELLINGS: dict[str, dict[str, str]] = {
    "occupation": {
        "school": "school", "skola": "school", "skolan": "school",
        "work": "work", "arbete": "work", "jobb": "work",
        "training": "training", "studies": "training", "studier": "training", "utbildning": "training",
        "none": "none", "ingen": "none", "inget": "none", "ingenting": "none",
    },
    "placement": {
        "none": "none", "ingen": "none", "ingen placering": "none",
        "sis": "SiS", "sis-hem": "SiS", "särskilt ungdomshem": "SiS",
        "hvb": "HVB", "hvb-hem": "HVB",
        "family_home": "family_home", "family home": "family_home", "familjehem": "family_home",
    },
    "source": {
        "polis": "polis", "polisen": "polis", "police": "polis",
        "skola": "skola", "skolan": "skola", "school": "skola",
        "faltassistenter": "faltassistenter", "fältassistenter": "faltassistenter",
        "socialtjanst": "socialtjanst", "socialtjänst": "socialtjanst", "socialtjänsten": "socialtjanst",
        "fritid": "fritid", "fritidsgård": "fritid", "fritidsgården": "fritid", "leisure": "fritid",
        "annan": "annan", "other": "annan",
    },
    "consent_actor": {  # who may share: the codes are Swedish already
        "socialtjanst": "socialtjanst", "socialtjänst": "socialtjanst", "socialtjänsten": "socialtjanst",
        "social services": "socialtjanst",
        "polis": "polis", "polisen": "polis", "police": "polis",
        "skola": "skola", "skolan": "skola", "school": "skola",
        "fritid": "fritid", "fritidsgård": "fritid", "fritidsgården": "fritid", "leisure": "fritid",
        "bup": "bup", "barn- och ungdomspsykiatrin": "bup",
        "oppenvard": "oppenvard", "öppenvård": "oppenvard", "öppenvården": "oppenvard", "outpatient care": "oppenvard",
    },
    "consent_category": {  # which information: the codes are English
        "assessment": "assessment", "bedömning": "assessment", "bedömningar": "assessment",
        "plan": "plan", "handlingsplan": "plan", "action plan": "plan",
        "school": "school", "skola": "school", "skolan": "school",
        "police": "police", "polis": "police", "polisen": "police",
        "leisure": "leisure", "fritid": "leisure",
        "health": "health", "hälsa": "health",
    },
    "signer": {  # who signed the consent
        "youth": "youth", "ungdom": "youth", "ungdomen": "youth", "den unge": "youth",
        "guardian 1": "guardian 1", "vårdnadshavare 1": "guardian 1",
        "guardian 2": "guardian 2", "vårdnadshavare 2": "guardian 2",
    },
}


def _key(text: str) -> str:
    return " ".join(str(text).replace("\u00a0", " ").split()).casefold()


def code_of(vocabulary: str, text: str, empty: str | None = None) -> str | None:
    """The stored code for what was typed (case and spacing ignored); ``empty`` for a blank cell;
    None when the word is not known."""
    key = _key(text)
    return empty if key == "" else SPELLINGS[vocabulary].get(key)


def codes_of(vocabulary: str, texts: pd.Series, empty: str | None = None) -> pd.Series:
    """``code_of`` for a whole column at once (NaN where a word is not known)."""
    keys = texts.fillna("").astype(str).str.replace("\u00a0", " ").str.split().str.join(" ").str.casefold()
    table = SPELLINGS[vocabulary] | ({"": empty} if empty is not None else {})
    return keys.map(table)


def list_of(vocabulary: str, text: str) -> tuple[list[str], list[str]]:
    """A cell listing words separated by ``;``: the codes (sorted, once each) and the words not known."""
    words = [w for w in str(text).split(";") if _key(w)]
    codes = [code_of(vocabulary, w) for w in words]
    return sorted({c for c in codes if c}), [w.strip() for w, c in zip(words, codes, strict=True) if c is None]


def spellings(vocabulary: str, code: str) -> list[str]:
    """Every accepted spelling of ``code`` (for the message that names what was expected)."""
    return [word for word, target in SPELLINGS[vocabulary].items() if target == code]
