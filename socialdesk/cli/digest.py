"""`socialdesk digest --date DAY [--to ADDR] [--dry-run --out FILE.html]`: the supervisors'
daily digest of any past day, sent or written to a file."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from socialdesk.cli.agent import _desk
from socialdesk.cli.common import UsageError


def register(sub: Any) -> None:
    cmd = sub.add_parser("digest", help="the supervisors' daily digest of a past day: send it "
                                        "or write it to a file")
    cmd.add_argument("--date", required=True, metavar="YYYY-MM-DD",
                     help="the digest day (it covers the days since the previous working day)")
    cmd.add_argument("--to", action="append", default=[], metavar="ADDR",
                     help="send a copy to this address instead of the configured supervisors "
                          "(repeatable; not recorded as the day's digest)")
    cmd.add_argument("--dry-run", action="store_true", help="write the digest, send nothing")
    cmd.add_argument("--out", metavar="FILE.html", help="where --dry-run writes the HTML "
                                                        "(the plain text goes beside it)")
    cmd.set_defaults(func=cmd_digest)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"not a date: {text!r} (e.g. 2026-11-25)") from None


def cmd_digest(args: argparse.Namespace) -> int:
    from socialdesk.app import digest_send

    day = _day(args.date)
    if args.out and not args.dry_run:
        raise UsageError("--out goes with --dry-run")
    with _desk(args) as desk:
        if args.dry_run:
            out = Path(args.out or f"digest-{day.isoformat()}.html")
            written = digest_send.write_day(desk, day, out)
            print(f"digest of {day} written to {written} (and {written.with_suffix('.txt')})")
            return 0
        outcome = digest_send.send_day(desk, day, to=tuple(args.to))
    if outcome.state == "sent":
        print(f"digest of {day} sent to {outcome.detail}")
        return 0
    if outcome.state == "skipped":
        print(f"digest of {day} not sent: {outcome.detail}")
        return 1
    print(f"digest of {day} NOT sent: {outcome.detail}")
    return 1
