"""Where Insats keeps its files, and how they are made private: the data folder (0700) and the files in it
(0600). Below everything else in the store, so that the database, the audit key and the backups all
make their files the same way without importing each other."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """``INSATS_DATA_DIR``, else the platform's user data folder: never the working directory, so
    running ``insats`` from another folder cannot silently start an empty database."""
    configured = os.environ.get("INSATS_DATA_DIR")
    if configured:
        return Path(configured)
    return default_data_dir()


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("insats", appauthor=False))


def private_folder(path: Path) -> Path:
    """The folder, created readable by its owner only (0700) when missing. An existing folder is left
    as it is (it may be one the operator chose and shares, ``INSATS_DATA_DIR=/srv/...``), except
    Insats's own default folder, which an older version made 0755 and which is narrowed."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode passes through the umask; say it exactly
    elif path.resolve() == default_data_dir().resolve() and path.stat().st_uid == os.geteuid():
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> None:
    """A database file readable by its owner only (0600): created empty with that mode before SQLite
    opens it (SQLite gives its -wal and -shm files the database's mode), and an existing one of ours
    narrowed to it, so a caseload is never world-readable whatever the umask was."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600))
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            st = each.lstat()
        except FileNotFoundError:
            continue
        if st.st_uid == os.geteuid() and st.st_mode & 0o077 and each.is_file() and not each.is_symlink():
            os.chmod(each, 0o600)
