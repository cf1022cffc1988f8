"""`socialdesk export|forget|purge`: a person's data on request, and the retention purge."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from socialdesk.cli.common import UsageError, acting_user, add_actor_option, open_desk


def _person(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--author", required=True, metavar="HANDLE",
                        help="the person's handle on the platform (with or without @)")
    parser.add_argument("--platform", required=True,
                        help="x (or twitter), instagram, facebook or youtube")
    add_actor_option(parser)


def register(sub: Any) -> None:
    exp = sub.add_parser("export", help="what the desk holds about a person (access request)")
    _person(exp)
    exp.add_argument("--out", metavar="FILE", required=True,
                     help="JSON file to write (created readable by this user only)")
    exp.set_defaults(func=cmd_export)
    fgt = sub.add_parser("forget", help="erase a person's data everywhere (erasure request)")
    _person(fgt)
    fgt.add_argument("--yes", action="store_true", help="erase without asking again")
    fgt.set_defaults(func=cmd_forget)
    pur = sub.add_parser("purge", help="apply the retention policy now (the daemon does it "
                                       "daily)")
    pur.set_defaults(func=cmd_purge)


def write_private(path: Path, text: str) -> None:
    """Write a new file only this user can read (0600), whatever the umask; never over an
    existing one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{path} exists: choose a new file name") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def cmd_export(args: argparse.Namespace) -> int:
    from socialdesk.app import privacy

    with open_desk(args) as desk:
        data = privacy.export(desk, platform=args.platform, handle=args.author,
                              actor=acting_user(args))
    write_private(Path(args.out), json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {args.out}: {len(data['messages'])} messages, {len(data['tickets'])} "
          f"tickets, {len(data['replies'])} replies")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from socialdesk.app import privacy

    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("erasure cannot be undone: add --yes to confirm")
        answer = input(f"erase everything about {args.author} on {args.platform}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing erased")
            return 1
    with open_desk(args) as desk:
        done = privacy.forget(desk, platform=args.platform, handle=args.author,
                              actor=acting_user(args))
    print(f"erased on {done.platform}: {done.messages} messages, {done.conversations} "
          f"conversations, {done.tickets} tickets, {done.replies} replies")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from socialdesk.desk.retention import purge

    with open_desk(args) as desk:
        days = desk.settings.retention.message_days
        done = purge(desk)
    print(f"retention {days} days: {done.messages} messages and {done.tickets} tickets "
          "purged" if days else "retention is off (retention.message_days = 0)")
    return 0
