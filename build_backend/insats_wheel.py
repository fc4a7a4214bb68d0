"""The build backend: setuptools, with one change to the wheel it builds.

The source tree keeps the folders its users know (``store/``, ``forms/``, ``cli/``, ``app.py`` ...) and the
code imports them by those plain names. Installed unqualified, those generic names would land at the top of
site-packages, where another distribution's ``store`` or ``config`` overwrites them or is overwritten. So
the wheel carries them one level down, in a single ``insats/`` folder, and its ``insats`` command puts that
folder on the path of its own process only (``insats/__init__.py`` below). Nothing in the code base is
renamed, and an editable install (``make run``, ``make test``) is setuptools' own, unchanged.
``tests/test_wheel.py`` installs the result into a clean environment and runs it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 (every other hook is setuptools' own)

HOME = "insats"
LAUNCHER = '''"""Insats, installed from its wheel. Its packages (store, forms, cli, ...) live in this folder, not at
the top of site-packages, so they cannot clash with another distribution's files; the ``insats`` command
puts this folder first on the path of its own process (and of the app server it starts) only."""

import sys
from pathlib import Path

HOME = str(Path(__file__).resolve().parent)


def main() -> int:
    if HOME not in sys.path:
        sys.path.insert(0, HOME)
    from cli import main as run

    return run()
'''
MAIN = '''"""python -m insats: the same as the insats command."""

import sys

from insats import main

sys.exit(main())
'''


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """setuptools' wheel, with everything but its .dist-info moved under ``insats/``."""
    name = _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
    nest(Path(wheel_directory) / name)
    return name


def nest(wheel: Path) -> None:
    """Rewrite ``wheel`` in place: files under ``insats/``, the launcher added, the command pointed at it,
    top_level.txt and RECORD made to match."""
    with zipfile.ZipFile(wheel) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    dist_info = next(info.filename.split("/")[0] for info, _ in entries
                     if info.filename.split("/")[0].endswith(".dist-info"))
    code: dict[str, bytes] = {}
    meta: dict[str, bytes] = {}
    for info, data in entries:
        if info.filename.startswith(f"{dist_info}/"):
            meta[info.filename] = data
        elif info.filename.split("/")[0] == HOME:
            raise RuntimeError(f"the source tree has its own top-level {HOME!r}: the wheel cannot nest it")
        else:
            code[f"{HOME}/{info.filename}"] = data
    code[f"{HOME}/__init__.py"] = LAUNCHER.encode()
    code[f"{HOME}/__main__.py"] = MAIN.encode()
    points = meta[f"{dist_info}/entry_points.txt"].decode()
    if "= cli:main" not in points:
        raise RuntimeError(f"the insats command is no longer cli:main ({points!r}): point the wheel's launcher at it")
    meta[f"{dist_info}/entry_points.txt"] = points.replace("= cli:main", f"= {HOME}:main").encode()
    meta[f"{dist_info}/top_level.txt"] = f"{HOME}\n".encode()
    files = code | meta
    record = f"{dist_info}/RECORD"
    files.pop(record, None)
    lines = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in files.items()] + [f"{record},,"]
    files[record] = ("\n".join(lines) + "\n").encode()
    partial = wheel.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as target:
        for path, data in files.items():
            entry = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = 0o644 << 16  # rw-r--r--, as setuptools writes them
            target.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    os.replace(partial, wheel)


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
