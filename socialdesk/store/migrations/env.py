"""Alembic environment: the URL and connection come from socialdesk.store.migrate."""

from __future__ import annotations

from alembic import context

from socialdesk.store.db import make_engine
from socialdesk.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = make_engine(str(config.get_main_option("sqlalchemy.url")))
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: object) -> None:
    # Batch mode lets later migrations alter SQLite tables, which lack ALTER COLUMN.
    context.configure(connection=connection, target_metadata=target_metadata,  # type: ignore[arg-type]
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
