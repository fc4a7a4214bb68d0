"""Persistence of case records (SQLAlchemy): SQLite by default, PostgreSQL for many users.

Public API: ``make_engine``, ``upgrade``, ``transaction``, ``reading`` (store.db); ``Actor``, the policy and
``guard`` (store.access); users, teams, log-in and assignment (store.users); the audit chain
(store.audit); case operations by step (store.cases); read models (store.views); bulk imports
(store.imports); backups (store.backup).
"""

from .access import AccessDenied, Actor
from .db import database_url, is_sqlite, make_engine, reading, transaction
from .schema import upgrade

__all__ = ["AccessDenied", "Actor", "database_url", "is_sqlite", "make_engine", "reading", "transaction", "upgrade"]
