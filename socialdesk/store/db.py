"""Engines and sessions for SQLite (default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    ColumnElement,
    CursorResult,
    Engine,
    create_engine,
    event,
    func,
    literal_column,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def _normalise_url(url: str) -> str:
    """Plain postgresql:// URLs get the psycopg 3 driver, the one this project installs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the console read while the daemon writes; busy_timeout rides out short locks.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# A pooled connection idle for longer than this is tested before use. A ping on every
# checkout (pool_pre_ping) costs a round trip per unit of work, a share the batched
# pipeline notices; a connection in steady use was just shown to work.
PING_AFTER_IDLE = 10.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:
        # The pool drops this connection and checks out a fresh one.
        raise DisconnectionError(f"stale pooled connection: {exc}") from exc


def make_engine(url: str, **kwargs: Any) -> Engine:
    # Errors never quote a statement's values (author handles, message texts): an outage
    # would otherwise put personal data into every logged traceback.
    kwargs.setdefault("hide_parameters", True)
    url = _normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            # Messages hold personal data: a new database file is this user's alone (0600),
            # whatever the umask. SQLite creates its -wal and -shm files with the same mode.
            os.close(os.open(database, os.O_RDWR | os.O_CREAT, 0o600))
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    ping_each_checkout = kwargs.setdefault("pool_pre_ping", False)
    engine = create_engine(url, **kwargs)
    if not ping_each_checkout:
        event.listen(engine.pool, "checkin", _note_checkin)
        event.listen(engine.pool, "checkout", _ping_if_idle)
    return engine


# Rows SQLite's ANALYZE reads per index: enough for the planner to tell a partial index on
# the few open messages from a scan of all of them, and quick on a database of millions.
ANALYSIS_LIMIT = 1000


def refresh_statistics(engine: Engine) -> None:
    """Bring the planner's statistics up to date, so that it reads the queue from the partial
    indexes on the open states (migration 0006) rather than scanning every message.

    Run after a schema upgrade and once a day by the daemon, not on connect: on a large
    database it reads a sample of every index. SQLite plans without statistics until
    ANALYZE first runs, and its PRAGMA optimize (before 3.46) only revisits tables queried
    on its own connection, which a fresh one has not; so a bounded ANALYZE does both jobs.
    PostgreSQL's autovacuum analyses in time, but only once enough rows have changed.
    """
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def is_postgres(bind: Engine | Connection | Session) -> bool:
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return engine.dialect.name == "postgresql"


def upsert(bind: Engine | Connection | Session, table: Any) -> Any:
    """INSERT for `table` in the bind's dialect, with on_conflict_do_nothing/do_update.

    Both SQLite and PostgreSQL speak INSERT ... ON CONFLICT, but SQLAlchemy builds it from
    each dialect's own insert(); this is the one place that chooses.
    """
    insert = postgresql.insert if is_postgres(bind) else sqlite.insert
    return insert(table)


def likely(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """SQLite's likelihood(): tells its planner that `condition` is nearly always true, so
    that it finds rows by another term (an id) rather than by an index on this one."""
    return func.likelihood(condition, literal_column("0.9"), type_=Boolean)


def rows_changed(result: Any) -> int:
    """Rows an UPDATE or DELETE changed (a conditional UPDATE's claim succeeded if 1)."""
    return int(cast(CursorResult[Any], result).rowcount)
