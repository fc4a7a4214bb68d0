"""``insats --lang sv|en`` (or ``INSATS_LANG``): a refusal on the terminal is said by its code from the same
catalogue as the pages (#21 item 6), Swedish unless English is asked for; the code stays in brackets.

The CLI reaches the catalogue through ``catalogue/``, never through ``forms/`` (checked on the source).
"""

from __future__ import annotations

import pytest

import cli
from catalogue import STRINGS
from store import make_engine, transaction
from store.users import actor_for

from .app_helpers import ROOT
from .test_layering import imported_roots
from .test_translations import ENGLISH, RAW_CODE


@pytest.fixture
def case_code(tmp_path, monkeypatch, capsys) -> str:
    """An admin, a coordinator in the default team and one open case of that team."""
    url = f"sqlite:///{tmp_path / 'insats.sqlite'}"
    monkeypatch.setenv("INSATS_DATABASE_URL", url)
    monkeypatch.delenv("INSATS_USER", raising=False)
    monkeypatch.delenv("INSATS_LANG", raising=False)
    assert cli.main(["users", "add", "ada", "--name", "Ada", "--role", "admin"]) == 0
    assert cli.main(["--as", "ada", "teams", "add", "SIG Öst"]) == 0
    assert cli.main(["--as", "ada", "users", "add", "sam", "--name", "Sam", "--role", "coordinator", "--role",
                     "intake", "--team", "Standard"]) == 0
    engine = make_engine(url)
    with transaction(engine) as s:
        from store import cases

        code = cases.create_subject(s, actor_for(s, "sam")).case_code
    engine.dispose()
    capsys.readouterr()
    return code


# a refused command, the code it is refused with: by the access table, the store's case rules, the users
REFUSED = [
    (["--as", "sam", "users", "add", "eve", "--name", "Eve", "--role", "admin"], "access.role"),
    (["--as", "sam", "cases", "reopen", "{case}", "--reason", "ny händelse"], "path.not_closed"),
    (["--as", "nobody", "users", "list"], "user.unknown"),
]


def _said(code: str, language: str) -> str:
    """The catalogue's sentence for ``code`` up to its first value (the part the user reads first)."""
    return STRINGS[f"err_{code}"][language].split("{")[0].strip()


@pytest.mark.parametrize(("argv", "code"), REFUSED, ids=[c for _, c in REFUSED])
def test_a_refusal_is_said_in_swedish_with_lang_sv(case_code, capsys, argv, code):
    argv = [a.format(case=case_code) for a in argv]
    assert cli.main(["--lang", "sv", *argv]) == 2
    err = capsys.readouterr().err
    assert f"insats: nekad ({code}): {_said(code, 'sv')}" in err, err
    assert "Inget har" in err  # every refusal says nothing was changed
    assert not ENGLISH.search(err) and not RAW_CODE.search(err.replace(f"({code})", "")), err
    assert "Traceback" not in err


@pytest.mark.parametrize(("argv", "code"), REFUSED, ids=[c for _, c in REFUSED])
def test_the_same_refusal_in_english_with_lang_en_or_insats_lang(case_code, capsys, monkeypatch, argv, code):
    argv = [a.format(case=case_code) for a in argv]
    assert cli.main(["--lang", "en", *argv]) == 2
    english = capsys.readouterr().err
    assert f"insats: refused ({code}): {_said(code, 'en')}" in english, english
    monkeypatch.setenv("INSATS_LANG", "en")
    assert cli.main(argv) == 2
    assert capsys.readouterr().err == english
    monkeypatch.setenv("INSATS_LANG", "sv")
    assert cli.main(argv) == 2
    assert f"nekad ({code})" in capsys.readouterr().err


def test_an_access_refusal_says_it_is_logged(case_code, capsys):
    assert cli.main(["--lang", "sv", *REFUSED[0][0]]) == 2
    assert "Nekandet är loggat." in capsys.readouterr().err


def test_the_cli_reaches_the_catalogue_not_the_pages():
    """The words come from ``catalogue/``: the CLI's refusal path and the matching it prints import no
    ``forms`` for them (the CLI's other ``forms`` imports are #21 item 7's)."""
    assert "catalogue" in imported_roots(ROOT / "cli" / "__init__.py")
    assert "catalogue" in imported_roots(ROOT / "cli" / "score.py")
    assert "forms" not in imported_roots(ROOT / "cli" / "score.py") | imported_roots(ROOT / "cli" / "_io.py")
