"""The files that hold the caseload are private, a failed backup leaves nothing, and a backup changed
after it was taken is refused even when its checksum was recomputed (#20 item 7)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

import cli
from store import cases, make_engine, transaction, upgrade
from store.backup import BackupError, backup, restore, sidecar_of
from store.db import database_url
from store.demo import seed_demo
from store.models import AuditEntry

from .actors import ADMIN, SETUP


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def loose_umask():
    """The usual 022: what made insats.sqlite and backups world-readable."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def data_home(tmp_path, monkeypatch, loose_umask):
    home = tmp_path / "fresh" / "insats"
    monkeypatch.setenv("INSATS_DATA_DIR", str(home))
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    engine = make_engine(database_url())
    upgrade(engine)
    with transaction(engine) as s:
        seed_demo(s, SETUP, n_subjects=6, seed=3, users=False)
    yield home, engine
    engine.dispose()


def test_the_data_folder_and_the_database_files_are_private(data_home):
    home, engine = data_home
    with transaction(engine) as s:  # a write: the WAL and its index exist now
        cases.create_subject(s, SETUP)
    assert mode(home) == 0o700
    files = [home / "insats.sqlite", home / "insats.sqlite-wal", home / "insats.sqlite-shm"]
    assert all(f.exists() for f in files)
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}


def test_an_old_world_readable_database_is_narrowed(tmp_path, loose_umask):
    shared = tmp_path / "srv"
    shared.mkdir(mode=0o755)
    path = shared / "old.sqlite"
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    assert mode(path) == 0o600
    assert mode(shared) == 0o755  # a folder the operator chose is left as it was


def test_backups_and_sidecars_are_private_in_a_private_folder(data_home, tmp_path):
    _, engine = data_home
    target = tmp_path / "new-folder" / "b.sqlite"
    backup(engine, ADMIN, target)
    assert mode(target.parent) == 0o700
    assert mode(target) == 0o600 and mode(sidecar_of(target)) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.sqlite", "b.sqlite.json"]


def test_encrypt_without_the_key_leaves_nothing_and_logs_nothing(data_home, tmp_path, monkeypatch, capsys):
    _, engine = data_home
    with transaction(engine) as s:
        from store.users import add_user

        add_user(s, SETUP, "ada", display_name="Ada", roles=["admin"])
    with transaction(engine) as s:  # counted after the commit that writes add_user's audit row
        before = s.scalar(select(func.count()).select_from(AuditEntry))
    monkeypatch.delenv("INSATS_SECRET_KEY")
    target = tmp_path / "x.sqlite"
    assert cli.main(["--as", "ada", "db", "backup", str(target), "--encrypt"]) == 2
    assert "INSATS_SECRET_KEY is not set" in capsys.readouterr().err
    assert list(tmp_path.glob("x.sqlite*")) == []
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_a_backup_that_fails_half_way_leaves_nothing(data_home, tmp_path, monkeypatch):
    _, engine = data_home
    import store.backup as module

    def broken(path):  # after the dump is on disk, before the sidecar
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module, "_sha256", broken)
    with pytest.raises(OSError):
        backup(engine, ADMIN, tmp_path / "y.sqlite")
    assert list(tmp_path.glob("y.sqlite*")) == []


def test_an_encrypted_backup_never_lies_unencrypted_beside_its_target(data_home, tmp_path, monkeypatch):
    _, engine = data_home
    import store.backup as module

    seen = []
    real = module._dump

    def watching(eng, into):
        seen.append(into)
        real(eng, into)
        assert mode(into.parent) == 0o700 and mode(into) == 0o600
        assert not list(tmp_path.glob("e.sqlite*"))  # the plain dump is in a private temporary folder

    monkeypatch.setattr(module, "_dump", watching)
    backup(engine, ADMIN, tmp_path / "e.sqlite", encrypt=True)
    assert seen and seen[0].parent != tmp_path and not seen[0].parent.exists()  # and removed at once
    assert mode(tmp_path / "e.sqlite") == 0o600


def _recompute_sidecar(file: Path) -> None:
    side = json.loads(sidecar_of(file).read_text())
    side["sha256"] = hashlib.sha256(file.read_bytes()).hexdigest()
    sidecar_of(file).write_text(json.dumps(side))


def _judgments(engine) -> list:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT judgment FROM assessments ORDER BY id"))]


def _tamper(file: Path) -> None:
    """What an attacker with the file does: change a judgment, then recompute the checksum."""
    db = sqlite3.connect(file)
    triggers = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    for name in triggers:
        db.execute(f"DROP TRIGGER {name}")
    changed = db.execute("UPDATE assessments SET judgment = CASE judgment WHEN 'low' THEN 'high' ELSE 'low' END "
                         "WHERE id = (SELECT min(id) FROM assessments)").rowcount
    db.commit()
    db.close()
    assert changed == 1
    _recompute_sidecar(file)


def test_a_tampered_backup_with_a_recomputed_checksum_is_refused(data_home, tmp_path):
    _, engine = data_home
    file = tmp_path / "b.sqlite"
    backup(engine, ADMIN, file)
    before = _judgments(engine)
    _tamper(file)
    with pytest.raises(BackupError, match=r"signature does not match.*Do not restore it"):
        restore(engine, ADMIN, file)
    assert _judgments(engine) == before


def test_a_forged_sidecar_cannot_drop_the_signature(data_home, tmp_path):
    _, engine = data_home
    file = tmp_path / "b.sqlite"
    backup(engine, ADMIN, file)
    _tamper(file)
    side = json.loads(sidecar_of(file).read_text())
    del side["signature"]
    sidecar_of(file).write_text(json.dumps(side))
    with pytest.raises(BackupError, match=r"not signed.*--allow-unsigned"):
        restore(engine, ADMIN, file)
    # an operator who knows the unsigned backup is theirs may accept it: the restored log says so
    restore(engine, ADMIN, file, allow_unsigned=True)
    with engine.connect() as conn:
        detail = conn.execute(text("SELECT detail FROM audit_log WHERE action = 'restore'")).scalar()
    assert "UNSIGNED" in detail


def test_a_backup_signed_under_another_audit_key_says_which(data_home, tmp_path, monkeypatch):
    _, engine = data_home
    file = tmp_path / "b.sqlite"
    backup(engine, ADMIN, file)
    monkeypatch.setenv("INSATS_AUDIT_KEY", "another-audit-key-0123456789-abcdefghijklmnopqrstuv")
    with pytest.raises(BackupError, match=r"signed with audit key k[0-9a-f]+, but the audit key in use"):
        restore(engine, ADMIN, file)


def test_the_default_data_folder_of_an_older_version_is_narrowed(tmp_path, monkeypatch, loose_umask):
    monkeypatch.delenv("INSATS_DATA_DIR", raising=False)
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # where platformdirs puts user data on Linux
    old = tmp_path / "xdg" / "insats"
    old.mkdir(parents=True, mode=0o755)
    sqlite3.connect(old / "insats.sqlite").close()
    os.chmod(old / "insats.sqlite", 0o644)
    engine = make_engine(database_url())
    engine.dispose()
    assert mode(old) == 0o700 and mode(old / "insats.sqlite") == 0o600
