"""`socialdesk broadcast draft|approve|reject|list`: Layanan Broadcast from the shell."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from socialdesk.cli.common import (
    UsageError,
    acting_user,
    add_actor_option,
    add_tz_option,
    format_time,
    open_desk,
    parse_time,
    zone,
)

if TYPE_CHECKING:
    from socialdesk.app import broadcasts
    from socialdesk.app.broadcast_fit import Fit


def register(sub: Any) -> None:
    group = sub.add_parser("broadcast", help="announcements on several accounts (8 working "
                                             "hours from request to publication)")
    actions = group.add_subparsers(dest="broadcast_command", metavar="ACTION", required=True)
    draft = actions.add_parser("draft", help="request a broadcast; a supervisor approves it")
    draft.add_argument("--text", required=True, help="the text to publish")
    draft.add_argument("--accounts", required=True, metavar="A,B,C",
                       help="account names of the settings, comma-separated")
    draft.add_argument("--at", metavar="TIME", help="publish at (ISO 8601 with offset); "
                                                    "default: as soon as approved")
    draft.add_argument("--image", metavar="FILE", help="image to publish with (Instagram)")
    draft.add_argument("--title", default="", help="a short name shown in `broadcast list`")
    draft.add_argument("--check", action="store_true",
                       help="only show how the text fits each account")
    add_actor_option(draft)
    add_tz_option(draft)
    draft.set_defaults(func=cmd_draft)
    for name, helptext, func in (("approve", "approve (a supervisor, not the requester)",
                                  cmd_approve),
                                 ("reject", "reject (a supervisor)", cmd_reject)):
        cmd = actions.add_parser(name, help=helptext)
        cmd.add_argument("broadcast_id", help="id of the broadcast (from `broadcast list`)")
        if name == "reject":
            cmd.add_argument("--reason", default="", help="why, told to the requester")
        add_actor_option(cmd)
        add_tz_option(cmd)
        cmd.set_defaults(func=func)
    lst = actions.add_parser("list", help="broadcasts with state, due time and results")
    lst.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    add_tz_option(lst)
    lst.set_defaults(func=cmd_list)


def _broadcast_id(text: str) -> int:
    digits = text.strip().removeprefix("#")
    if not digits.isdigit():
        raise UsageError(f"not a broadcast id: {text!r}")
    return int(digits)


def _accounts(text: str) -> list[str]:
    names = [a.strip() for a in text.split(",") if a.strip()]
    if not names:
        raise UsageError("--accounts needs at least one account name")
    return names


def _fit_lines(fits: tuple[Fit, ...]) -> list[str]:
    lines = []
    for f in fits:
        verdict = "fits" if f.ok else "does not fit: " + "; ".join(f.problems)
        price = f"  {f.price}" if f.price else ""
        lines.append(f"  {f.account:<14} {f.platform:<10} {f.length}/{f.limit}  {verdict}{price}")
    return lines


def _view_lines(v: broadcasts.BroadcastView, args: argparse.Namespace) -> list[str]:
    tz = zone(args.tz)
    late = "  LATE" if v.late else ""
    lines = [f"broadcast {v.id}  {v.state}{late}  requested by {v.requested_by} "
             f"{format_time(v.requested_at, tz)}  due {format_time(v.due_at, tz)}",
             f"  {' '.join(v.text.split())[:200]}"]
    if v.scheduled_at:
        lines.append(f"  publish at {format_time(v.scheduled_at, tz)}")
    if v.approved_by:
        verb = "rejected" if v.state == "rejected" else "approved"
        lines.append(f"  {verb} by {v.approved_by}" + (f": {v.reason}" if v.reason else ""))
    for t in v.targets:
        result = t.platform_id or t.error or ""
        when = format_time(t.sent_at, tz) if t.sent_at else ""
        lines.append(f"  {t.account:<14} {t.state:<8} {when}"
                     f" {result}".rstrip())
    return lines


def cmd_draft(args: argparse.Namespace) -> int:
    from socialdesk.app import broadcasts

    accounts = _accounts(args.accounts)
    at = parse_time(args.at) if args.at else None
    with open_desk(args) as desk:
        if args.check:
            fits = broadcasts.check(desk, args.text, accounts, image=args.image)
            print("\n".join(_fit_lines(fits)))
            return 0 if all(f.ok for f in fits) else 1
        drafted = broadcasts.draft(desk, text=args.text, accounts=accounts, actor=acting_user(args),
                                   at=at, image=args.image, title=args.title)
    print("\n".join(_view_lines(drafted.broadcast, args)))
    print("\n".join(_fit_lines(drafted.fits)))
    print("waiting for a supervisor: socialdesk broadcast approve "
          f"{drafted.broadcast.id} (or reject)")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    from socialdesk.app import broadcasts

    with open_desk(args) as desk:
        view = broadcasts.get(desk, _broadcast_id(args.broadcast_id))
        accounts = [t.account for t in view.targets]
        # The per-platform fit, prices included, is shown before the approval is recorded.
        print("\n".join(_fit_lines(broadcasts.check(desk, view.text, accounts,
                                                     image=view.image))))
        done = broadcasts.approve(desk, view.id, actor=acting_user(args))
    print("\n".join(_view_lines(done, args)))
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    from socialdesk.app import broadcasts

    with open_desk(args) as desk:
        done = broadcasts.reject(desk, _broadcast_id(args.broadcast_id), actor=acting_user(args),
                                 reason=args.reason)
    print("\n".join(_view_lines(done, args)))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from socialdesk.app import broadcasts

    with open_desk(args) as desk:
        views = broadcasts.list_broadcasts(desk, limit=args.limit)
    for v in views:
        print("\n".join(_view_lines(v, args)))
    print(f"{len(views)} broadcasts ({sum(1 for v in views if v.late)} late)")
    return 0
