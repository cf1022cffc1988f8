"""`socialdesk queue|show|reply|escalate|close|ticket`: an agent's shift from the shell.

The work is done by socialdesk.app.actions; this module parses, prints and maps errors to
exit statuses (1: the guard refused a reply, 2: bad input or an unknown id).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from socialdesk.cli.common import (
    UsageError,
    acting_user,
    add_actor_option,
    add_tz_option,
    clock,
    format_time,
    open_desk,
    settings_from,
    zone,
)
from socialdesk.core.textsafe import json_escaped, visible
from socialdesk.core.vocab import MESSAGE_STATES, TICKET_STATES

# The database, the rules and the actions are imported by the command that runs, not to
# build the parser: `socialdesk --help` and the other groups' commands start without them.
if TYPE_CHECKING:
    from socialdesk.app import actions
    from socialdesk.app.queue_read import QueueEntry, QueueFilter
    from socialdesk.core.catalog import Catalog

PREVIEW = 60





def register(sub: Any) -> None:
    q = sub.add_parser("queue", help="messages to work on, oldest response-due first")
    q.add_argument("--state", action="append", choices=MESSAGE_STATES,
                   help="only this state (repeatable; default: new, open, waiting)")
    q.add_argument("--platform", action="append", help="only this platform (repeatable)")
    q.add_argument("--service", action="append",
                   help="only this catalog service or item id (repeatable)")
    q.add_argument("--at-risk", action="store_true",
                   help="only unanswered messages near or past their response time")
    q.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    q.add_argument("--json", action="store_true", help="one JSON object per line")
    add_tz_option(q)
    q.set_defaults(func=cmd_queue)

    show = sub.add_parser("show", help="one message: classification, thread, replies, ticket")
    show.add_argument("id", help="message id, e.g. 123 or #123")
    show.add_argument("--reveal", action="store_true",
                      help="also print the text unmasked (recorded in the audit log)")
    add_actor_option(show)
    add_tz_option(show)
    show.set_defaults(func=cmd_show)

    rep = sub.add_parser("reply", help="reply to a message (guarded, through the outbox)")
    rep.add_argument("id", help="id of the message to answer")
    body = rep.add_mutually_exclusive_group(required=True)
    body.add_argument("--template", metavar="NAME", help="a canned reply")
    body.add_argument("--text", help="your own text")
    rep.add_argument("--var", action="append", default=[], metavar="KEY=VALUE",
                     help="a value for the template (repeatable)")
    rep.add_argument("--private", action="store_true",
                     help="answer a public message privately (where the platform can)")
    add_actor_option(rep)
    rep.set_defaults(func=cmd_reply)

    esc = sub.add_parser("escalate", help="open a ticket to the owner unit and acknowledge it")
    esc.add_argument("id", help="id of the message to escalate")
    esc.add_argument("--service", help="catalog service id (default: the classified one)")
    esc.add_argument("--item", help="catalog item id (default: the classified one)")
    add_actor_option(esc)
    add_tz_option(esc)
    esc.set_defaults(func=cmd_escalate)

    close = sub.add_parser("close", help="close a message")
    close.add_argument("id", help="id of the message to close")
    close.add_argument("--note", default="", help="why, for the audit log")
    add_actor_option(close)
    close.set_defaults(func=cmd_close)

    ticket = sub.add_parser("ticket", help="escalation tickets")
    ticket_sub = ticket.add_subparsers(dest="ticket_command", metavar="ACTION", required=True)
    tshow = ticket_sub.add_parser("show", help="a ticket and its history")
    tshow.add_argument("number", help="e.g. HAI-2026-000123 (any case, dashes optional)")
    add_tz_option(tshow)
    tshow.set_defaults(func=cmd_ticket_show)
    tset = ticket_sub.add_parser("set", help="move a ticket to another state")
    tset.add_argument("number", help="e.g. HAI-2026-000123 (any case, dashes optional)")
    # app.actions.SETTABLE_TICKET_STATES, named without importing the actions.
    tset.add_argument("state", choices=[s for s in TICKET_STATES if s != "open"],
                      help="the new state")
    tset.add_argument("--note", default="", help="what was done, kept in the history")
    add_actor_option(tset)
    add_tz_option(tset)
    tset.set_defaults(func=cmd_ticket_set)








def _id(text: str) -> int:
    digits = text.strip().removeprefix("#")
    if not digits.isdigit():
        raise UsageError(f"not a message id: {text!r}")
    return int(digits)





# -- formatting ------------------------------------------------------------------------------




def _span(value: timedelta) -> str:
    """Compact, for a narrow column: 45m, 3h05m, 2d4h."""
    minutes = max(0, int(value.total_seconds()) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d{hours}h"
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


def _working(value: timedelta) -> str:
    minutes = max(0, int(value.total_seconds()) // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _due(entry: QueueEntry) -> str:
    if entry.late:
        return "LATE"
    if entry.answered:
        return "answered"
    return _working(entry.due_in) if entry.due_in is not None else "-"


def _due_words(entry: QueueEntry) -> str:
    due = _due(entry)
    return f"{due} left in working time" if entry.due_in is not None else due


def _catalog_ref(service: str | None, item: str | None) -> str:
    return item or service or "-"


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW else text[:PREVIEW - 1] + "…"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell; the last column is left as it is."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]])
            for row in rows]


def _json_value(value: Any, tz: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return value


# -- commands --------------------------------------------------------------------------------

def cmd_queue(args: argparse.Namespace) -> int:
    from socialdesk.app.queue_read import DEFAULT_STATES, QueueFilter

    tz = zone(args.tz)
    wanted = QueueFilter(
        states=tuple(args.state or DEFAULT_STATES), platforms=tuple(args.platform or ()),
        services=tuple(args.service or ()), at_risk=args.at_risk, limit=args.limit)
    entries = _read_queue(args, wanted)
    if args.json:
        for entry in entries:
            print(json_escaped(json.dumps(
                {k: _json_value(v, tz) for k, v in asdict(entry).items()}, ensure_ascii=False)))
        return 0
    if not entries:
        print("nothing in the queue")
        return 0
    header = ("ID", "ACCOUNT", "KIND", "AGE", "DUE", "STATE", "ACTION", "SERVICE", "AUTHOR",
              "TEXT")
    rows = [header] + [
        (str(e.id), f"{e.platform}/{e.account}", e.kind, _span(e.age), _due(e), e.state,
         e.action or "-", _catalog_ref(e.service_id, e.item_id),
         visible(e.author or "-", one_line=True), _preview(visible(e.text, one_line=True)))
        for e in entries]
    print("\n".join(_table(rows)))
    return 0


def _read_queue(args: argparse.Namespace, wanted: QueueFilter) -> list[QueueEntry]:
    """The queue through the database's own driver when it is one the reader knows: an
    agent's most frequent command then starts without importing SQLAlchemy."""
    from socialdesk.app.queue_read import read_queue
    from socialdesk.core.clock import WorkingCalendar
    from socialdesk.store.reader import open_reader

    settings = settings_from(args)
    reader = open_reader(settings.database_url)
    if reader is None:
        from socialdesk.app import actions

        with open_desk(args) as desk:
            return actions.queue(desk, wanted)
    try:
        reader.require_current()

        def catalog() -> Catalog:
            from socialdesk.core.catalog import load_catalog

            return load_catalog(settings.catalog_path)

        return read_queue(reader.rows, reader.dialect,
                          WorkingCalendar.from_settings(settings.working_hours), catalog,
                          clock()(), wanted, warn_minutes=settings.sla.warn_before_minutes)
    finally:
        reader.close()


def cmd_show(args: argparse.Namespace) -> int:
    from socialdesk.app import actions

    tz = zone(args.tz)
    with open_desk(args) as desk:
        detail = actions.show(desk, _id(args.id))
        revealed = None
        if args.reveal:
            from socialdesk.app.reveal import reveal

            revealed = reveal(desk, detail.entry.id, actor=acting_user(args))
    # Line by line: a platform's newline stays a new line, nothing else moves the terminal.
    print("\n".join(visible(line, one_line=True) for line in _message_lines(detail, tz)))
    if revealed is not None:
        print("unmasked (audited):")
        print("\n".join("  " + visible(line, one_line=True) for line in revealed.splitlines()))
    return 0


def _message_lines(d: actions.MessageDetail, tz: ZoneInfo) -> list[str]:
    e = d.entry
    lines = [
        f"message {e.id}  {e.platform}/{e.account}  {e.kind}  state {e.state}"
        + ("  (hidden on the platform)" if d.hidden else ""),
        f"from      {e.author or '-'}",
        f"received  {format_time(e.received_at, tz)}   "
        f"(written {format_time(d.platform_created_at, tz)})",
        f"due       {format_time(e.response_due_at, tz)}   ({_due_words(e)})",
        f"answered  {format_time(d.first_response_at, tz)}",
    ]
    if d.closed_at is not None:
        lines.append(f"closed    {format_time(d.closed_at, tz)}")
    lines += ["", *("  " + line for line in d.text.splitlines() or [""]), ""]
    c = d.classification
    if c is None:
        lines.append("classification: not triaged yet")
    else:
        lines += [
            f"classification ({format_time(c.triaged_at, tz)})",
            f"  service     {c.service_id or '-'}  {c.service_name or ''}".rstrip(),
            f"  item        {c.item_id or '-'}  {c.item_name or ''}".rstrip(),
            f"  intent      {c.intent or '-'}   action {c.action or '-'}   confidence "
            + (f"{c.confidence:.2f}" if c.confidence is not None else "-"),
            f"  why         {', '.join(c.rules) or '-'}",
            f"  personal    {', '.join(c.pii) or 'none found'}",
        ]
    lines += ["", f"thread ({len(d.thread)} other message{'s' * (len(d.thread) != 1)})"]
    lines += [f"  #{t.id}  {format_time(t.received_at, tz)}  {t.kind}  {t.state}  "
              f"{t.author or '-'}: {_preview(' '.join(t.text.split()))}" for t in d.thread]
    lines += ["", f"replies ({len(d.replies)})"]
    for r in d.replies:
        sent = f"  sent {format_time(r.sent_at, tz)}" if r.sent_at else ""
        lines.append(f"  #{r.id}  {r.state}  {r.kind}  by {r.author}  "
                     f"{r.template or 'own text'}  [{r.idempotency_key}]  "
                     f"queued {format_time(r.created_at, tz)}{sent}")
        if r.reason:
            lines.append(f"      reason: {r.reason}")
        lines.append(f"      {' '.join(r.text.split())}")
    lines.append("")
    lines += _ticket_lines(d.ticket, tz) if d.ticket else ["ticket: none"]
    return lines


def _ticket_lines(t: actions.TicketView, tz: ZoneInfo) -> list[str]:
    lines = [
        f"ticket {t.number}  {t.state}",
        f"  service     {t.service_id}  {t.service_name or ''}".rstrip(),
        f"  item        {t.item_id or '-'}  {t.item_name or ''}".rstrip(),
        f"  owner unit  {t.owner_unit}",
        f"  requester   {t.requester or '-'}   message {t.message_id or '-'}",
        f"  opened      {format_time(t.opened_at, tz)}",
        f"  due         {format_time(t.due_at, tz)}",
    ]
    if t.resolved_at is not None:
        lines.append(f"  resolved    {format_time(t.resolved_at, tz)}")
    lines.append(f"  summary     {_preview(' '.join(t.summary.split()))}")
    lines.append("  history")
    for ev in t.events:
        note = ev.detail.get("note")
        lines.append(f"    {format_time(ev.at, tz)}  {ev.kind:<11}  by {ev.actor}"
                     + (f"  ({note})" if note else ""))
    return lines


def cmd_reply(args: argparse.Namespace) -> int:
    from socialdesk.app import actions

    variables = {}
    for pair in args.var:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--var takes KEY=VALUE, got {pair!r}")
        variables[key.strip()] = value
    if variables and args.template is None:
        raise UsageError("--var goes with --template")
    actor = acting_user(args)
    with open_desk(args) as desk:
        try:
            done = actions.reply(desk, _id(args.id), actor=actor, template=args.template,
                                 text=args.text, variables=variables, private=args.private)
        except actions.ReplyRefused as exc:
            print(f"socialdesk: {exc}", file=sys.stderr)
            return 1
    print(f"queued {done.kind} #{done.reply_id} to message {done.message_id} "
          f"[{done.idempotency_key}]; message is now {done.message_state}")
    print(f"  {done.text}")
    return 0


def cmd_escalate(args: argparse.Namespace) -> int:
    from socialdesk.app import actions

    tz = zone(args.tz)
    actor = acting_user(args)
    with open_desk(args) as desk:
        try:
            done = actions.escalate(desk, _id(args.id), actor=actor, service_id=args.service,
                                    item_id=args.item)
        except actions.ReplyRefused as exc:
            print(f"socialdesk: {exc}", file=sys.stderr)
            return 1
    where = f"{done.item_id or done.service_id} -> {done.owner_unit}"
    if done.opened:
        print(f"opened ticket {done.ticket_number} ({where}), due {format_time(done.due_at, tz)}; "
              f"acknowledgement queued as reply #{done.reply_id}")
    else:
        print(f"ticket {done.ticket_number} is already open for message {done.message_id} "
              f"({where}), due {format_time(done.due_at, tz)}")
    print(f"message {done.message_id} is now waiting")
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    from socialdesk.app import actions

    actor = acting_user(args)
    with open_desk(args) as desk:
        done = actions.close(desk, _id(args.id), actor=actor, note=args.note)
    print(f"closed message {done.message_id} (was {done.previous_state})")
    if done.cancelled:
        print(f"cancelled {len(done.cancelled)} repl{'ies' if len(done.cancelled) > 1 else 'y'} "
              f"not yet sent: {', '.join(f'#{i}' for i in done.cancelled)}")
    return 0


def cmd_ticket_show(args: argparse.Namespace) -> int:
    from socialdesk.app import actions

    tz = zone(args.tz)
    with open_desk(args) as desk:
        ticket = actions.ticket_detail(desk, args.number)
    print("\n".join(_ticket_lines(ticket, tz)))
    return 0


def cmd_ticket_set(args: argparse.Namespace) -> int:
    from socialdesk.app import actions

    tz = zone(args.tz)
    actor = acting_user(args)
    with open_desk(args) as desk:
        ticket = actions.set_ticket_state(desk, args.number, args.state, actor=actor,
                                          note=args.note)
    print("\n".join(_ticket_lines(ticket, tz)))
    return 0
