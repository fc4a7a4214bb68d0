"""Protected identity (*skyddade personuppgifter*): what of the family may leave a protected case.

The rule, once: on a protected case the youth's and the guardians' names, numbers and addresses never
go into a document, an invitation, an export or a list made of the case; the case code stands for them.
Who is family is a network member's organisation (``FAMILY_ORGANISATIONS``); everything they could be
recognised by (``secrets_of``) is taken out of any text that leaves (``redact``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# network members who are the youth or a guardian (store.models.Member.organisation), not professionals
FAMILY_ORGANISATIONS = frozenset({"youth", "guardian"})
HIDDEN = "***"  # what stands where a family name or number was, when no word is given


def is_family(organisation: str | None) -> bool:
    """Whether a network member of this organisation is the youth or a guardian."""
    return organisation in FAMILY_ORGANISATIONS


def secrets_of(members: Iterable[tuple[str | None, str | None, str | None, str | None]]) -> list[str]:
    """The names, numbers and addresses of the family among ``members`` ((organisation, name, phone,
    e-mail) each), longest first so a full name goes before a part of it."""
    found = {v.strip() for org, *values in members if is_family(org) for v in values if v and v.strip()}
    return sorted(found, key=len, reverse=True)


def redact(text: str | None, secrets: Iterable[str], mark: str = HIDDEN) -> str:
    """``text`` with every one of ``secrets`` (case-insensitive; a phone number also when spaced or
    dashed otherwise) replaced by ``mark``."""
    said = text or ""
    for secret in secrets:
        digits = re.sub(r"\D", "", secret)
        if len(digits) >= 6 and len(digits) >= len(secret.replace(" ", "")) - 2:  # a phone number
            pattern = r"[\s-]*".join(map(re.escape, digits))
        else:
            pattern = re.escape(secret)
        said = re.sub(pattern, mark, said, flags=re.IGNORECASE)
    return said
