"""Alembic environment: migrations run on the connection given by ``store.db.upgrade``."""

from __future__ import annotations

from alembic import context

from store.db import database_url, make_engine
from store.models import Base

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # plain `alembic` command line use
        with make_engine(database_url()).connect() as fresh:
            _migrate(fresh)
            fresh.commit()
    else:
        _migrate(connection)


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
