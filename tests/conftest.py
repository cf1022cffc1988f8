"""Shared fixtures: a migrated database on SQLite always, and on PostgreSQL when
SOCIALDESK_TEST_DATABASE_URL is set (each test run gets a schema of its own); the triage as the
desk ships it, loaded once."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from socialdesk.core.resources import SECOND_OPINION, default_path
from socialdesk.rules.assess import Triage
from socialdesk.store.db import make_engine, session_factory
from socialdesk.store.migrate import upgrade
from socialdesk.store.models import Base

PG_ENV = "SOCIALDESK_TEST_DATABASE_URL"
REPO = Path(__file__).resolve().parent.parent


def _pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@contextmanager
def pg_schema(url: str, prefix: str = "sd_test") -> Iterator[Engine]:
    """An engine on a PostgreSQL schema of its own, empty, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_schema_engine() -> Iterator[Engine]:
    url = _pg_url()
    if url is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)")
    with pg_schema(url) as engine:
        upgrade(engine)
        yield engine


def _empty_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a fresh SQLite file, or the run's PostgreSQL schema."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("pg_schema_engine")
        _empty_tables(eng)
        yield eng


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A migrated schema of its own on the test PostgreSQL, as a URL a daemon subprocess
    can use (the search path travels in the URL)."""
    from tests.crash_rig import pg_schema

    base = _pg_url()
    if base is None:
        pytest.skip(f"needs {PG_ENV}")
    with pg_schema(base) as url:
        yield url


@pytest.fixture(scope="session")
def shipped_triage() -> Triage:
    """The packaged rules with the packaged second opinion, as the desk ships them."""
    return Triage.default(default_path(SECOND_OPINION))
