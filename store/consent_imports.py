"""The consents of running groups, brought in from Excel: without them every export is withheld after a
move. Every row is checked first (dates, who signed, the actors and categories in the consent's own
vocabularies), then all are written or none, and a second import of the same file adds nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.words import list_of

from . import audit
from .access import Actor, guard
from .cases._dates import today
from .cases.consent import CONSENT_ACTORS, CONSENT_CATEGORIES, SIGNERS
from .imports import ImportRefused, ImportReport, RowError, _chunks, _dates, _order, _refuse_other_teams
from .models import Consent
from .network_imports import _cases, _header

CONSENT_COLUMNS = ("case_code", "signed_on", "valid_until", "signed_by", "actors", "categories")
LISTS = {"signed_by": ("signer", SIGNERS), "actors": ("consent_actor", CONSENT_ACTORS),
         "categories": ("consent_category", CONSENT_CATEGORIES)}


def _lists(frame: pd.DataFrame, errors: list[RowError]) -> dict[str, list[list[str]]]:
    """Each list column as sorted codes per row; a row with an unknown word or an empty list is named."""
    out = {}
    for column, (vocabulary, codes) in LISTS.items():
        parsed = [list_of(vocabulary, cell) for cell in frame[column]]
        for pos, (found, unknown) in enumerate(parsed):
            if unknown or not found:
                named = f"; not known: {', '.join(unknown)}" if unknown else ""
                errors.append(RowError(pos + 2, column, frame[column].iloc[pos][:60],
                                       f"words separated by ';', each one of {', '.join(codes)} (in Swedish or "
                                       f"English, any case){named}"))
        out[column] = [found for found, _ in parsed]
    return out


def _key(subject_id: int, signed, until, signed_by, actors, categories) -> tuple:
    return subject_id, signed, until, tuple(sorted(signed_by)), tuple(sorted(actors)), tuple(sorted(categories))


def import_consents(session: Session, actor: Actor, frame: pd.DataFrame) -> ImportReport:
    """Rows ``case_code, signed_on, valid_until, signed_by, actors, categories`` (lists separated by ``;``).
    Guarded as adding a consent on the case page is (``consent.write``, the actor's own teams' cases only);
    a consent the case already has (same dates, signers, actors and categories) is skipped."""
    guard(session, actor, "consent.write", audited=False)
    frame = frame.fillna("").astype(str)
    _header(frame, CONSENT_COLUMNS)
    errors: list[RowError] = []
    codes, known = _cases(session, frame, errors)
    signed = _dates(frame, "signed_on", errors, required=True)
    until = _dates(frame, "valid_until", errors, required=True)
    _order(frame, errors, until, signed, "valid_until", "signed_on")
    now = pd.Timestamp(today())
    for pos in np.flatnonzero((signed > now).to_numpy()):
        errors.append(RowError(int(pos) + 2, "signed_on", frame["signed_on"].iloc[pos],
                               f"a date on or before today ({now.date()}): a consent is recorded once signed"))
    lists = _lists(frame, errors)
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e.row, e.column)))
    _refuse_other_teams(session, actor, "consent.write", codes.tolist(), known)
    already: set[tuple] = set()
    for chunk in _chunks(sorted(set(known.values()))):
        already |= {_key(c.subject_id, c.signed_on, c.valid_until, c.signed_by, c.actors, c.categories)
                    for c in session.scalars(select(Consent).where(Consent.subject_id.in_(chunk)))}
    report, rows, seen = ImportReport(), [], set()
    for i in range(len(frame)):
        row = {"subject_id": known[codes.iloc[i]], "signed_on": signed.iloc[i].date(),
               "valid_until": until.iloc[i].date(), "signed_by": lists["signed_by"][i],
               "actors": lists["actors"][i], "categories": lists["categories"][i]}
        key = _key(*row.values())
        if key in already or key in seen:
            report.skipped.append(f"row {i + 2}: {codes.iloc[i]} already has this consent (signed {row['signed_on']}) "
                                  "– skipped")
            continue
        seen.add(key)
        rows.append(row)
    if rows:
        session.connection().execute(Consent.__table__.insert(), rows)
    audit.record_many(session, actor, "import", "consent", [r["subject_id"] for r in rows])
    report.imported = len(rows)
    return report
