"""`socialdesk calendar ...`: the working-hour clock from the command line."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from socialdesk.cli.common import UsageError, add_tz_option, parse_time, settings_from, zone

if TYPE_CHECKING:  # imported by the commands: the holiday tables take a while to load
    from socialdesk.core.clock import WorkingCalendar


def register(sub: Any) -> None:
    cal = sub.add_parser("calendar", help="working hours: due times, durations, holidays")
    cal_sub = cal.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)

    add = cal_sub.add_parser("add", help="the time HOURS working hours after START")
    add.add_argument("start", help="ISO 8601 time with offset, e.g. 2026-03-17T09:00+07:00")
    add.add_argument("hours", help="working hours to add, e.g. 24 or 0.25")
    add_tz_option(add)
    add.set_defaults(func=cmd_add)

    between = cal_sub.add_parser("between", help="working time from A to B")
    between.add_argument("a", help="from: ISO 8601 time with offset, e.g. 2026-03-17T09:00+07:00")
    between.add_argument("b", help="to: ISO 8601 time with offset, e.g. 2026-03-17T09:00+07:00")
    between.set_defaults(func=cmd_between)

    nxt = cal_sub.add_parser("next-open", help="T itself if the desk is open then, else the "
                                               "next opening moment")
    nxt.add_argument("t", help="ISO 8601 time with offset, e.g. 2026-03-17T09:00+07:00")
    add_tz_option(nxt)
    nxt.set_defaults(func=cmd_next_open)

    hol = cal_sub.add_parser("holidays", help="closed weekdays of YEAR (holidays, cuti bersama, "
                                              "closures from the settings)")
    hol.add_argument("year", type=_year, help="e.g. 2026")
    hol.set_defaults(func=cmd_holidays)


def _year(text: str) -> int:
    if not text.isdigit() or not 1970 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"not a year between 1970 and 2100: {text!r}")
    return int(text)


def calendar_from(args: argparse.Namespace) -> WorkingCalendar:
    from socialdesk.core.clock import WorkingCalendar

    return WorkingCalendar.from_settings(settings_from(args).working_hours)


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"not a number of hours: {text!r}") from None
    if not 0 <= value <= 100_000 or value != value:
        raise UsageError(f"hours must be between 0 and 100000, got {text!r}")
    return value


def format_duration(span: timedelta) -> str:
    """8:00:00 style, with days folded into hours (working time is counted in hours)."""
    seconds = int(span.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def cmd_add(args: argparse.Namespace) -> int:
    start, hours = parse_time(args.start), _hours(args.hours)
    due = calendar_from(args).add(start, hours)
    print(due.astimezone(zone(args.tz)).isoformat())
    return 0


def cmd_between(args: argparse.Namespace) -> int:
    a, b = parse_time(args.a), parse_time(args.b)
    print(format_duration(calendar_from(args).between(a, b)))
    return 0


def cmd_next_open(args: argparse.Namespace) -> int:
    t = parse_time(args.t)
    print(calendar_from(args).next_open(t).astimezone(zone(args.tz)).isoformat())
    return 0


def cmd_holidays(args: argparse.Namespace) -> int:
    days = calendar_from(args).holidays(args.year)
    for day, name in days:
        print(f"{day.isoformat()}  {day.strftime('%a')}  {name}")
    print(f"{len(days)} closed weekdays in {args.year}")
    return 0
