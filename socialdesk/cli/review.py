"""`socialdesk held|release|mark-sent|cancel`: a supervisor's review of held replies."""

from __future__ import annotations

import argparse
from typing import Any

from socialdesk.cli.common import (
    UsageError,
    acting_user,
    add_actor_option,
    add_tz_option,
    format_time,
    open_desk,
    zone,
)


def register(sub: Any) -> None:
    lst = sub.add_parser("held", help="replies the outbox held back, with the reason")
    lst.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    add_tz_option(lst)
    lst.set_defaults(func=cmd_held)
    rel = sub.add_parser("release", help="send a held reply again (after checking the thread)")
    rel.add_argument("reply_id", help="id of the held reply (from `held`)")
    add_actor_option(rel)
    rel.set_defaults(func=cmd_release)
    sent = sub.add_parser("mark-sent", help="record a held reply as sent (found in the thread)")
    sent.add_argument("reply_id", help="id of the held reply (from `held`)")
    sent.add_argument("platform_id", help="the id the platform gave the reply")
    add_actor_option(sent)
    sent.set_defaults(func=cmd_mark_sent)
    can = sub.add_parser("cancel", help="drop a held reply; its message goes back to agents")
    can.add_argument("reply_id", help="id of the held reply (from `held`)")
    can.add_argument("--note", default="", help="why, for the audit log")
    add_actor_option(can)
    can.set_defaults(func=cmd_cancel)


def _reply_id(text: str) -> int:
    if not text.strip().isdigit():
        raise UsageError(f"not a reply id: {text!r}")
    return int(text)


def cmd_held(args: argparse.Namespace) -> int:
    from socialdesk.app import review

    tz = zone(args.tz)
    with open_desk(args) as desk:
        rows = review.held(desk, args.limit)
    for row in rows:
        print(f"reply {row.id}  message {row.message_id or '-'}  {row.account}  {row.kind}  "
              f"by {row.author}  {format_time(row.created_at, tz)}")
        print(f"  reason: {row.reason}")
        print(f"  text:   {' '.join(row.text.split())[:200]}")
    print(f"{len(rows)} held")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from socialdesk.app import review

    with open_desk(args) as desk:
        done = review.release(desk, _reply_id(args.reply_id), actor=acting_user(args))
    print(f"reply {done.reply_id} queued again")
    return 0


def cmd_mark_sent(args: argparse.Namespace) -> int:
    from socialdesk.app import review

    with open_desk(args) as desk:
        done = review.mark_sent(desk, _reply_id(args.reply_id), actor=acting_user(args),
                                platform_id=args.platform_id)
    print(f"reply {done.reply_id} recorded as sent")
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    from socialdesk.app import review

    with open_desk(args) as desk:
        done = review.cancel(desk, _reply_id(args.reply_id), actor=acting_user(args),
                             note=args.note)
    print(f"reply {done.reply_id} cancelled")
    return 0
