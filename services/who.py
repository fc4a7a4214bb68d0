"""Who can see a case, said in words (``store.who`` has the list in codes): one table for the case page's
"Vem ser ärendet" and ``insats access who --format table``, in the language asked."""

from __future__ import annotations

import pandas as pd

import catalogue
from store.who import Opening

COLUMNS = ("who_col_name", "who_col_login", "who_col_roles", "who_col_ground", "who_col_sees")


def ground_text(opening: Opening, language: str) -> str:
    """The ground in words: the team by name, the member's organisation, the emergency grant's end and reason."""
    if opening.ground == "team":
        return catalogue.text("who_ground_team", language, team=opening.team or "–")
    if opening.ground == "member":
        return catalogue.text("who_ground_member", language,
                              organisation=catalogue.text(f"org_{opening.organisation}", language))
    if opening.ground == "emergency":
        return catalogue.text("who_ground_emergency", language, until=catalogue.moment(opening.until, language),
                              reason=opening.reason or "")
    return catalogue.text("who_ground_assigned", language)


def sees_text(opening: Opening, language: str) -> str:
    if not opening.sees:  # a member whose organisation the consent does not cover
        return catalogue.text("who_sees_nothing", language)
    return ", ".join(catalogue.text(f"who_sees_{what}", language) for what in opening.sees)


def who_table(found: list[Opening], language: str) -> pd.DataFrame:
    """The list as people read it: name, login, roles, ground and what they see, in words."""
    rows = [(o.name, o.login, ", ".join(catalogue.text(f"role_{r}", language) for r in o.roles),
             ground_text(o, language), sees_text(o, language)) for o in found]
    return pd.DataFrame(rows, columns=[catalogue.text(c, language) for c in COLUMNS])
