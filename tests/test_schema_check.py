"""The schema check every database command makes: right answers, and no Alembic import
when the database is current (Alembic takes longer to import than a command takes to run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from socialdesk.store.db import make_engine
from socialdesk.store.migrate import (
    SchemaNotCurrent,
    head_revision,
    require_current,
    upgrade,
)
from socialdesk.store.revisions import file_heads


def test_the_files_head_is_alembics_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    assert file_heads() == {head_revision(engine)}


def test_it_accepts_a_current_database_without_importing_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    upgrade(make_engine(url))
    probe = ("import sys\nfrom socialdesk.store.db import make_engine\n"
             "from socialdesk.store.migrate import require_current\n"
             f"require_current(make_engine({url!r}))\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_it_refuses_a_database_behind_the_code(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    upgrade(engine, "0001")
    with pytest.raises(SchemaNotCurrent):
        require_current(engine)


def test_it_refuses_an_empty_database(tmp_path: Path) -> None:
    with pytest.raises(SchemaNotCurrent):
        require_current(make_engine(f"sqlite:///{tmp_path / 'desk.db'}"))
