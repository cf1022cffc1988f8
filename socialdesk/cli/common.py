"""Helpers shared by the CLI modules: settings, time parsing and printing."""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socialdesk.core.settings import Settings, load_settings

WIB = ZoneInfo("Asia/Jakarta")


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
