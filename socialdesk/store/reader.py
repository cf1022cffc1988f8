"""A read-only connection through the database's own driver, for shell commands that must
start at once.

SQLAlchemy and the models take about a quarter of a second to import, longer than an
agent's `queue` takes to run; a command that only reads a few rows opens this instead. It
knows the two databases the desk runs on (SQLite files, PostgreSQL through psycopg 3) and
returns None for any other URL, so that the caller takes the SQLAlchemy way. The SQL given
to `rows` uses named parameters (`:name`); times are bound and read as aware UTC datetimes,
stored the way the models store them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from socialdesk.store.revisions import CURRENT_MESSAGE, file_heads

Dialect = Literal["sqlite", "postgresql"]
# SQLAlchemy's SQLite DateTime writes naive UTC in this form; text comparison of stored
# values against a bound time is right only when both have it.
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


class SchemaNotCurrentError(ValueError):
    """The stored schema revision is not the code's: run `socialdesk db upgrade`."""


def bind_time(dialect: str, value: datetime) -> Any:
    """`value` as the database compares it with stored times."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: give it a zone")
    if dialect == "sqlite":
        return value.astimezone(UTC).strftime(SQLITE_TIME)
    return value


def read_time(value: Any) -> datetime | None:
    """A stored time (SQLite text or a driver's datetime) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"not a time: {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass
class Reader:
    dialect: Dialect
    connection: Any

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[Sequence[Any]]:
        if self.dialect == "postgresql":
            sql = _NAMED.sub(r"%(\1)s", sql)
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, dict(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def require_current(self) -> None:
        """Refuses a database whose schema is not the code's (or has none)."""
        try:
            stored = {str(r[0]) for r in self.rows("SELECT version_num FROM alembic_version", {})}
        except Exception as exc:  # the drivers' errors share no base class importable here
            raise SchemaNotCurrentError(CURRENT_MESSAGE) from exc
        if not stored or stored != file_heads():
            raise SchemaNotCurrentError(CURRENT_MESSAGE)

    def close(self) -> None:
        self.connection.close()


def open_reader(url: str) -> Reader | None:
    """A reader for `url`, or None when this module does not know its form."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("sqlite", "sqlite+pysqlite"):
        return _sqlite(parts.path, parts.query)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return _postgresql(parts.username, parts.password, parts.hostname, parts.port,
                           parts.path, parts.query)
    return None


def _sqlite(path: str, query: str) -> Reader | None:
    import sqlite3

    # sqlite:///relative.db has the path "/relative.db"; sqlite:////abs.db "//abs.db".
    if query or path in ("", "/", "/:memory:"):
        return None  # options or an in-memory database: only SQLAlchemy's way knows them
    file = unquote(path[1:])
    if not os.path.exists(file) and os.path.isdir(os.path.dirname(file) or "."):
        # What SQLAlchemy's way says of the empty database it would create.
        raise SchemaNotCurrentError(CURRENT_MESSAGE)
    # Read-only: a shell command never writes through this, and a missing file is an error
    # rather than a new empty database.
    connection = sqlite3.connect(f"file:{_uri_path(file)}?mode=ro", uri=True, timeout=10)
    return Reader("sqlite", connection)


def _uri_path(file: str) -> str:
    return file.replace("%", "%25").replace("?", "%3f").replace("#", "%23")


def _postgresql(user: str | None, password: str | None, host: str | None, port: int | None,
                path: str, query: str) -> Reader:
    import psycopg

    options: dict[str, Any] = dict(parse_qsl(query))
    options.update({k: unquote(v) for k, v in (("user", user), ("password", password),
                                               ("host", host)) if v})
    if port:
        options["port"] = port
    if path.strip("/"):
        options["dbname"] = unquote(path.strip("/"))
    connection = psycopg.connect(**options)
    connection.read_only = True
    return Reader("postgresql", connection)
