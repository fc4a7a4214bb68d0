"""Creating or migrating the schema, with a safety copy first."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from .backup import backup_before_upgrade, head_revision, schema_revision
from .db import migrate


def upgrade(engine: Engine, backup_first: bool = True) -> Path | None:
    """Create or migrate the schema to the newest revision (the same migrations for both engines).

    When an existing database is behind, it is first saved to ``<data dir>/backups`` (see
    ``store.backup.backup_before_upgrade``): a migration that goes wrong, or a version that turns out
    bad, can be undone with ``insats db restore``. Returns that backup's path, if one was taken."""
    if schema_revision(engine) == head_revision():
        return None  # nothing to migrate; alembic would load every migration script to find that out, at each start
    saved = backup_before_upgrade(engine) if backup_first else None
    migrate(engine)
    return saved
