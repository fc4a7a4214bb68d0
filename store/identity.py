"""Personal identity numbers (personnummer): validated, encrypted at rest, found by keyed hash.

The number is never stored in clear text. It is encrypted with a key derived from
``INSATS_SECRET_KEY`` (Fernet: AES-128-CBC + HMAC-SHA256), and a separate keyed hash (HMAC-SHA256)
lets an authorised user find a case by number without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from datetime import date

import numpy as np
from cryptography.fernet import Fernet

import config

_PNR = re.compile(
    r"^(?P<century>\d{2})?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})(?P<sep>[-+]?)(?P<serial>\d{3})(?P<check>\d)$"
)
_CASE_ALPHABET = "ACDEFHJKLMNPQRTUVWXY3479"  # no look-alikes (0/O, 1/I, 5/S, 8/B, 2/Z, 6/G)


class IdentityError(ValueError):
    """A personal identity number is malformed, has an impossible date or a wrong check digit (or the
    key to store one is missing). ``code`` and ``params`` let a page say it in its language."""

    def __init__(self, message: str, code: str = "pnr.format", **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(message)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def normalise_pnr(text: str, today: date | None = None) -> str:
    """'YYMMDD-XXXX', 'YYYYMMDDXXXX', ... -> 'YYYYMMDDXXXX'. Raises IdentityError with the reason."""
    match = _PNR.match(text.strip().replace(" ", ""))
    if not match:
        raise IdentityError("expected YYYYMMDD-XXXX or YYMMDD-XXXX")
    today = today or config.today()
    yy, mm, dd = int(match["yy"]), int(match["mm"]), int(match["dd"])
    if match["century"]:
        year = int(match["century"] + match["yy"])
    else:
        year = (today.year // 100) * 100 + yy
        if year > today.year:
            year -= 100
        if match["sep"] == "+":  # 100 years or older
            year -= 100
    day = dd - 60 if dd > 60 else dd  # samordningsnummer: day + 60
    try:
        date(year, mm, day)
    except ValueError:
        raise IdentityError(f"{year:04d}-{mm:02d}-{day:02d} is not a date", "pnr.date",
                            date=f"{year:04d}-{mm:02d}-{day:02d}") from None
    if not luhn_ok(f"{match['yy']}{match['mm']}{match['dd']}{match['serial']}{match['check']}"):
        raise IdentityError("wrong check digit", "pnr.check")
    return f"{year:04d}{mm:02d}{dd:02d}{match['serial']}{match['check']}"


# a personnummer or samordningsnummer anywhere in a text: 6 or 8 date digits, an optional - or +, four
# digits, not part of a longer run of digits (the date is checked below, the check digit is not)
_PNR_LIKE = re.compile(r"(?<![0-9])(?P<century>[0-9]{2})?(?P<yy>[0-9]{2})(?P<mm>[0-9]{2})(?P<dd>[0-9]{2})[-+]?[0-9]{4}"
                       r"(?![0-9])")
_PNR_SHAPE = r"(?:^|[^0-9])(?:[0-9]{6}|[0-9]{8})[-+]?[0-9]{4}(?:[^0-9]|$)"  # the same, for Arrow's RE2: no look-around


def _plausible_birth_date(century: str | None, yy: str, mm: str, dd: str) -> bool:
    day = int(dd) - 60 if int(dd) > 60 else int(dd)  # samordningsnummer: day + 60
    years = [int(century + yy)] if century else [1900 + int(yy), 2000 + int(yy)]
    for year in years:
        try:
            date(year, int(mm), day)
            return True
        except ValueError:
            continue
    return False


def looks_like_pnr(text: str) -> bool:
    """Whether ``text`` holds what could be a personnummer or samordningsnummer (10 or 12 digits, with
    or without - or +, a possible birth date, any check digit). A case code must never: the code is
    stored and shown in clear, so a number in it would be personal data outside the encryption.
    The check digit is not asked for, because a mistyped number is still someone's birth date."""
    return any(_plausible_birth_date(m["century"], m["yy"], m["mm"], m["dd"]) for m in _PNR_LIKE.finditer(text))


def pnr_like(texts) -> np.ndarray:
    """``looks_like_pnr`` for a whole column (a pandas Series of text): only the values of that shape
    (10 or 12 digits) are looked at one by one, so a million plain codes cost one vectorised scan."""
    candidates = texts.str.contains(_PNR_SHAPE, regex=True, na=False).to_numpy(dtype=bool)
    found = np.zeros(len(texts), dtype=bool)
    for pos in np.flatnonzero(candidates):
        found[pos] = looks_like_pnr(texts.iloc[pos])
    return found


MIN_KEY_LENGTH = 32
MIN_KEY_DISTINCT = 12  # "aaaa...a" or "12341234..." is long but not a key


def key_problem(key: str | None, name: str = "INSATS_SECRET_KEY") -> str | None:
    """Why a key is too weak to protect personnummer (None when it is fine). Checked at start-up, so
    a weak key is found before the first number is stored under it, not after."""
    if key is None:
        return None
    if len(key) < MIN_KEY_LENGTH or len(set(key)) < MIN_KEY_DISTINCT:
        return (f"{name} is too weak: use at least {MIN_KEY_LENGTH} characters with at least "
                f"{MIN_KEY_DISTINCT} different ones (make one with `insats keys new`)")
    return None


def new_key() -> str:
    """A fresh instance key: 256 bits, URL-safe text (fits an environment variable or a secrets file)."""
    return secrets.token_urlsafe(32)


def instance_key() -> str:
    key = os.environ.get("INSATS_SECRET_KEY")
    if not key:
        raise IdentityError("INSATS_SECRET_KEY is not set: personal identity numbers cannot be stored", "pnr.no_key")
    problem = key_problem(key)
    if problem:
        raise IdentityError(problem, "pnr.weak_key")
    return key


def key_file(path) -> str:
    """The key kept in the file ``path``, made once when missing (``new_key``, readable by its owner only,
    never overwritten): the embedded default's audit key and a local trial's instance key."""
    from .paths import private_folder

    if not path.exists():
        private_folder(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key() + "\n")
    return path.read_text(encoding="utf-8").strip()


def key_id(key: str) -> str:
    """A short public name of a key (stored beside each personnummer): says which key a row needs
    without revealing anything about the key."""
    return "k" + hmac.new(key.encode("utf-8"), b"insats:key-id", hashlib.sha256).hexdigest()[:10]


def _derived(purpose: bytes, key: str | None = None) -> bytes:
    return hmac.new((key or instance_key()).encode("utf-8"), purpose, hashlib.sha256).digest()


def encrypt_pnr(pnr: str, key: str | None = None) -> bytes:
    return Fernet(base64.urlsafe_b64encode(_derived(b"insats:pnr:encryption", key))).encrypt(pnr.encode())


def decrypt_pnr(token: bytes, key: str | None = None) -> str:
    return Fernet(base64.urlsafe_b64encode(_derived(b"insats:pnr:encryption", key))).decrypt(token).decode()


def pnr_lookup_hash(pnr: str, key: str | None = None) -> str:
    return hmac.new(_derived(b"insats:pnr:lookup", key), pnr.encode(), hashlib.sha256).hexdigest()


def new_case_code() -> str:
    """A pseudonymous case code like 'SIG-K7QF3M': random, readable aloud, no look-alike letters."""
    return "SIG-" + "".join(secrets.choice(_CASE_ALPHABET) for _ in range(6))
