"""Who wrote a row, as people read it: an event or an agenda item keeps its author's login (the audit
log's word), and a page names the person instead, by their display name and, for a partner or a
referrer, their organisation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import User


@dataclass(frozen=True)
class Author:
    name: str  # the display name
    organisation: str | None  # a partner's or a referrer's (rules.partner); the social services' staff: None


def authors(session: Session, logins: Iterable[str]) -> dict[str, Author]:
    """Login -> the person, for the logins that are accounts (one query for a whole table). A login that is
    no account (the CLI's ``system``, an import) is left out: the caller shows it as written."""
    wanted = sorted(set(logins))
    if not wanted:
        return {}
    rows = session.execute(select(User.login, User.display_name, User.organisation).where(User.login.in_(wanted)))
    return {login: Author(name, organisation) for login, name, organisation in rows}
