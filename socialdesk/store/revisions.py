"""The schema revision the code expects, read from the migration files without Alembic.

Alembic (with Mako and Pygments) and SQLAlchemy take longer to import than an agent's
command takes to run; every command that reads the database first compares the revision
stored in `alembic_version` with these heads and asks Alembic only when they differ.
"""

from __future__ import annotations

import re
from importlib.resources import files

_REVISION = re.compile(r"^revision\s*=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(.*)$", re.M)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")

CURRENT_MESSAGE = "the database schema is not current: run `socialdesk db upgrade`"


def file_heads() -> set[str]:
    """The revisions no migration file revises; empty when a file is not in a form this
    reader knows (then Alembic decides)."""
    revisions, revised = set(), set()
    for entry in files("socialdesk.store").joinpath("migrations", "versions").iterdir():
        if not entry.name.endswith(".py"):
            continue
        source = entry.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return set()
        revisions.add(revision[1])
        revised.update(_QUOTED.findall(down[1].split("#")[0]))
    return revisions - revised
