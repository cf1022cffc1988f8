"""`socialdesk digest --date DAY [--to ADDR] [--dry-run --out FILE.html]`: the supervisors'
daily digest of any past day, sent or written to a file. `--resend DAY`: a supervisor sends
again a digest that was cut off while sending (or failed) and did not arrive."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialdesk.cli.common import UsageError, acting_user, add_actor_option, open_desk

if TYPE_CHECKING:
    from socialdesk.app import digest_send


def register(sub: Any) -> None:
    cmd = sub.add_parser("digest", help="the supervisors' daily digest of a past day: send it "
                                        "or write it to a file")
    which = cmd.add_mutually_exclusive_group(required=True)
    which.add_argument("--date", metavar="YYYY-MM-DD",
                       help="the digest day (it covers the days since the previous working day)")
    which.add_argument("--resend", metavar="YYYY-MM-DD",
                       help="send that day's digest again to the supervisors: only when it was "
                            "cut off while sending or failed, and you found it did not arrive")
    cmd.add_argument("--to", action="append", default=[], metavar="ADDR",
                     help="send a copy to this address instead of the configured supervisors "
                          "(repeatable; not recorded as the day's digest)")
    cmd.add_argument("--dry-run", action="store_true", help="write the digest, send nothing")
    cmd.add_argument("--out", metavar="FILE.html", help="where --dry-run writes the HTML "
                                                        "(the plain text goes beside it)")
    add_actor_option(cmd)
    cmd.set_defaults(func=cmd_digest)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"not a date: {text!r} (e.g. 2026-11-25)") from None


def cmd_digest(args: argparse.Namespace) -> int:
    from socialdesk.app import digest_send

    if args.resend:
        if args.to or args.dry_run or args.out:
            raise UsageError("--resend goes to the configured supervisors only")
        day = _day(args.resend)
        with open_desk(args) as desk:
            outcome = digest_send.resend_day(desk, day, actor=acting_user(args))
        return _report(day, outcome)
    day = _day(args.date)
    if args.out and not args.dry_run:
        raise UsageError("--out goes with --dry-run")
    with open_desk(args) as desk:
        if args.dry_run:
            out = Path(args.out or f"digest-{day.isoformat()}.html")
            written = digest_send.write_day(desk, day, out)
            print(f"digest of {day} written to {written} (and {written.with_suffix('.txt')})")
            return 0
        outcome = digest_send.send_day(desk, day, to=tuple(args.to))
    return _report(day, outcome)


def _report(day: date, outcome: digest_send.DigestOutcome) -> int:
    if outcome.state == "sent":
        print(f"digest of {day} sent to {outcome.detail}")
        return 0
    if outcome.state == "skipped":
        print(f"digest of {day} not sent: {outcome.detail}")
        return 1
    print(f"digest of {day} NOT sent: {outcome.detail}")
    return 1
