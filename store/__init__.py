"""Persistence of case records (SQLAlchemy): SQLite by default, PostgreSQL for many users.

Public API: ``make_engine``, ``upgrade``, ``transaction`` (store.db); ``Actor`` and the audit chain
(store.audit); case operations (store.cases); bulk imports (store.imports); backups (store.backup).
"""

from .audit import Actor
from .db import database_url, is_sqlite, make_engine, transaction, upgrade

__all__ = ["Actor", "database_url", "is_sqlite", "make_engine", "transaction", "upgrade"]
