"""The wheel carries the catalogues and definitions, and builds without a packaging warning (#19 item 19)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_builds_without_a_warning_and_carries_its_data(tmp_path):
    source = tmp_path / "src"  # a copy: setuptools writes build/ into the tree it builds
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "artifacts",
                                                                 "__pycache__", ".*_cache", ".hypothesis"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(source)],
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert built.returncode == 0, built.stderr[-2000:]
    assert "absent from the `packages` configuration" not in built.stdout + built.stderr
    names = zipfile.ZipFile(next(tmp_path.glob("insats-*.whl"))).namelist()
    for needed in ("forms/locale/sv/LC_MESSAGES/insats.po", "forms/locale/en/LC_MESSAGES/insats.po",
                   "instruments/definitions/savry-like.yaml", "store/migrations/script.py.mako", "app.py",
                   "catalogue/__init__.py"):  # the words for pages and CLI, read from forms/locale
        assert f"insats/{needed}" in names, needed  # nested: no generic top-level names (build_backend/)
    assert not any(n.startswith(("tests/", "benchmarks/", "build_backend/", "insats/tests/", "insats/benchmarks/",
                                 "insats/build_backend/")) for n in names)
