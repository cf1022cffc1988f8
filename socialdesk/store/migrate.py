"""Schema creation and upgrades through Alembic, driven from code (no alembic.ini needed).

Alembic (with Mako and Pygments) takes longer to import than an agent's command takes to
run, so it is imported only to change or inspect the schema. `require_current`, which every
command that reads the database calls, compares the stored revision with the migration
files' own head first and asks Alembic only when they differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from socialdesk.store.revisions import CURRENT_MESSAGE, file_heads

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic's package-resource form: found wherever the package is installed.
MIGRATIONS = "socialdesk.store:migrations"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.set_main_option("sqlalchemy.url",
                        engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


class SchemaNotCurrent(ValueError):
    """The database is empty or behind the code; the message says what to run."""


def _stored_revisions(engine: Engine) -> set[str]:
    try:
        with engine.connect() as connection:
            return {str(r) for r in connection.execute(
                text("SELECT version_num FROM alembic_version")).scalars()}
    except SQLAlchemyError:  # no version table yet: Alembic gives the answer
        return set()


def require_current(engine: Engine) -> None:
    stored = _stored_revisions(engine)
    if stored and stored == file_heads():
        return
    if current_revision(engine) != head_revision(engine):
        raise SchemaNotCurrent(CURRENT_MESSAGE)
