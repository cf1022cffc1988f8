"""Failures a person can act on, told in one line that names the cause and the fix.

`main` asks `explain` about any exception a command lets out; what is known here is printed
as one line (status 1), anything else keeps its traceback, since that is a bug to report.
SQLAlchemy is only looked at when the exception comes from it, so that start-up stays light.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence

from socialdesk.core.scrub import scrub


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return scrub(text.splitlines()[0] if text else type(exc).__name__)[:240]


# The drivers a command may use without SQLAlchemy (socialdesk.store.reader).
DRIVERS = ("sqlite3", "psycopg")


def _database(exc: BaseException) -> str | None:
    from sqlalchemy import exc as sa

    cause = _first_line(exc)
    if isinstance(exc, sa.NoSuchModuleError | sa.ArgumentError):
        return (f"the database URL is not one socialdesk can use ({cause}); write "
                "sqlite:///PATH or postgresql+psycopg://USER@HOST/NAME in [database] url "
                "or SOCIALDESK_DATABASE_URL")
    if isinstance(exc, sa.OperationalError):
        return _unusable(cause)
    if isinstance(exc, sa.DBAPIError):
        return f"the database refused the request ({cause})"
    return None


def _driver(exc: BaseException) -> str | None:
    # DB-API names its error classes alike in every driver; they share no importable base.
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "OperationalError" in names:
        return _unusable(_first_line(exc))
    if "DatabaseError" in names:
        return f"the database refused the request ({_first_line(exc)})"
    return None


def _unusable(cause: str) -> str:
    lowered = cause.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return (f"the database is read-only ({cause}); give this user write access "
                "to the database file and its directory, or choose another [database] url")
    if "unable to open database file" in lowered:
        return (f"cannot open the database file ({cause}); check that its directory "
                "exists and is writable by this user")
    return (f"cannot reach the database ({cause}); check that it is running and that "
            "[database] url (or SOCIALDESK_DATABASE_URL) names it")


def explain(exc: BaseException) -> str | None:
    """One line for a failure with a known cause and fix, or None."""
    module = type(exc).__module__
    if module.startswith("sqlalchemy"):
        return _database(exc)
    if module.split(".")[0] in DRIVERS:  # a read through the driver (store.reader)
        return _driver(exc)
    if isinstance(exc, RecursionError):
        return ("the input nests too deeply to read (a JSON value inside thousands of "
                "others); fix or drop that line")
    if isinstance(exc, UnicodeDecodeError):
        return (f"the input is not UTF-8 text ({exc.reason} at byte {exc.start}); save it "
                "as UTF-8")
    if isinstance(exc, PermissionError):
        where = f" {exc.filename}" if exc.filename else ""
        return (f"permission denied:{where}; choose a directory this user can write to, "
                "or change its permissions")
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return ("the port is already in use (another socialdesk, or another program); "
                "choose another with --metrics-port or --port, or stop the other one")
    if isinstance(exc, OSError) and exc.filename:
        # A file or directory the command was pointed at (--dir, --jsonl, a path setting).
        return (f"{exc.strerror or 'cannot use'}: {exc.filename}; check the path and that "
                "this user may read and write there")
    return None


def move_config(argv: Sequence[str]) -> list[str]:
    """`--config FILE` (or `--config=FILE`) given after the command, moved before it, where
    the top-level parser reads it: `socialdesk queue --config x.toml` works too."""
    words = list(argv)
    if "--" in words:
        return words
    for index, word in enumerate(words):
        if index == 0:
            continue
        if word == "--config" and index + 1 < len(words):
            value = words[index + 1]
            return ["--config", value, *words[:index], *words[index + 2:]]
        if word.startswith("--config="):
            return [word, *words[:index], *words[index + 1:]]
    return words
