"""Schema creation and upgrades through Alembic, driven from code (no alembic.ini needed)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

# Alembic's package-resource form: found wherever the package is installed.
MIGRATIONS = "socialdesk.store:migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.set_main_option("sqlalchemy.url",
                        engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


class SchemaNotCurrent(ValueError):
    """The database is empty or behind the code; the message says what to run."""


def require_current(engine: Engine) -> None:
    if current_revision(engine) != head_revision(engine):
        raise SchemaNotCurrent(
            "the database schema is not current: run `socialdesk db upgrade`")
