"""Helpers shared by the CLI modules: settings, time parsing and printing."""

from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socialdesk.core.clock_format import zone_label
from socialdesk.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from socialdesk.desk.context import Desk

WIB = ZoneInfo("Asia/Jakarta")
USER_ENV = "SOCIALDESK_USER"
# Set by tests to run the shell on a simulated clock; None: the wall clock.
CLOCK: Callable[[], datetime] | None = None


class UsageError(Exception):
    """Bad input on the command line: shown as one line, exit status 2."""


def settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None))


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with an offset; a naive time is refused rather than guessed."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"not an ISO 8601 time: {text!r} (e.g. 2026-03-17T09:00+07:00)") from None
    if value.tzinfo is None:
        raise UsageError(f"time {text!r} has no UTC offset (add +07:00 for WIB)")
    return value


def zone(name: str | None) -> ZoneInfo:
    if not name:
        return WIB
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r} (e.g. Asia/Jakarta, UTC)") from None


def add_tz_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tz", metavar="ZONE", help="show times in this zone (default: WIB)")


# -- shared by the agent-facing commands ------------------------------------------------

def clock() -> Callable[[], datetime]:
    """The clock the desk runs on; tests give the shell a simulated one through CLOCK."""
    from socialdesk.core.clock import wall_clock

    return CLOCK or wall_clock


def add_actor_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="actor", metavar="USER",
                        help=f"acting user (default: ${USER_ENV} or your login name)")


def acting_user(args: argparse.Namespace) -> str:
    if args.actor:
        return str(args.actor)
    if os.environ.get(USER_ENV):
        return os.environ[USER_ENV]
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        raise UsageError(f"cannot tell who you are: give --as USER or set {USER_ENV}") from None


@contextmanager
def open_desk(args: argparse.Namespace) -> Iterator[Desk]:
    from socialdesk.desk.context import Desk
    from socialdesk.store.migrate import require_current

    desk = Desk.from_settings(settings_from(args), now=clock())
    try:
        require_current(desk.engine)
        yield desk
    finally:
        desk.close()


def format_time(value: datetime | None, tz: ZoneInfo) -> str:
    if value is None:
        return "-"
    local = value.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {zone_label(tz.key, local)}"
