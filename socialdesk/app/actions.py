"""What an agent does from a console: reply, escalate, close, change a ticket's state (and,
re-exported from `views`, what an agent reads). The shell calls these today and a web
console can call the same functions later, so the rules live here and the callers only
parse input and print results.

Every function takes the Desk and plain arguments and returns frozen dataclasses that hold
no ORM objects. Errors: `NotFound` for an unknown id or number, `InvalidRequest` for input
that cannot be acted on, `ReplyRefused` when the content guard blocks a reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from socialdesk.app.views import (
    DEFAULT_STATES,
    InvalidRequest,
    MessageDetail,
    NotFound,
    QueueEntry,
    QueueFilter,
    TicketView,
    load_message,
    public_origin,
    queue,
    show,
    ticket_detail,
    ticket_row,
    ticket_view,
)
from socialdesk.core.catalog import Catalog
from socialdesk.core.vocab import PENDING_REPLY_STATES, channel_of
from socialdesk.desk.context import Desk
from socialdesk.desk.tickets import STATE_WORDS, change_state
from socialdesk.desk.tickets import open_ticket as open_ticket_row
from socialdesk.rules.types import PUBLIC_KINDS
from socialdesk.store.models import AuditLog, Message, Reply, Ticket, TicketEvent

# The outbox, the connectors (HTTP libraries) and the templates (Jinja2) are imported by the
# functions that write: `queue` and `show`, which the shell runs most, start without them.

OPEN_TICKET_STATES = ("open", "in_progress")
SETTABLE_TICKET_STATES = ("in_progress", "resolved", "closed")
ACTOR_MAX = 64
# Two agents answering one message at the same moment may pick the same reply number; the
# one who comes second takes the next number, up to this many times.
KEY_TRIES = 5


class ReplyRefused(Exception):
    """The content guard blocks the reply; nothing was queued."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__("the content guard refuses this reply: " + ", ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True, slots=True)
class ReplyQueued:
    message_id: int
    reply_id: int
    idempotency_key: str
    kind: str
    template: str | None
    text: str
    message_state: str


@dataclass(frozen=True, slots=True)
class Escalated:
    message_id: int
    ticket_number: str
    opened: bool  # False: a ticket was already open for the message and is kept
    service_id: str
    item_id: str | None
    owner_unit: str
    due_at: datetime
    reply_id: int | None


@dataclass(frozen=True, slots=True)
class Closed:
    message_id: int
    previous_state: str
    closed_at: datetime
    cancelled: tuple[int, ...] = ()  # replies still waiting to go out, stopped by the close


# -- the queue -------------------------------------------------------------------------------

def reply(
    desk: Desk, message_id: int, *, actor: str, template: str | None = None,
    text: str | None = None, variables: Mapping[str, str] | None = None,
    private: bool = False,
) -> ReplyQueued:
    """Queue an agent's reply in the outbox, after the guard has passed it.

    A template gets the message's open ticket (number, due time, status) and, outside
    working hours, the next opening as context; `variables` add to or override that.
    """
    actor = checked_actor(actor)
    if (template is None) == (text is None):
        raise InvalidRequest("give either a template or a text, not both or neither")
    with desk.sessions() as session, session.begin():
        return _reply_once(desk, session, message_id, actor=actor, template=template,
                           text=text, variables=variables or {}, private=private)


def _reply_once(desk: Desk, session: Session, message_id: int, *, actor: str,
                template: str | None, text: str | None, variables: Mapping[str, str],
                private: bool) -> ReplyQueued:
    now = desk.now()
    message = load_message(session, message_id)
    take_from_bot(message, now)
    channel = _channel(message)
    ticket = _open_ticket(session, message.id)
    if template is not None:
        body = _render(desk, template, channel, {**_context(desk, ticket, now), **variables})
    else:
        body = (text or "").strip()
        if not body:
            raise InvalidRequest("the reply text is empty")
        verdict = desk.guard.check_outbound(body, channel=channel)
        if not verdict.ok:
            raise ReplyRefused(verdict.reasons)
    kind = "private" if private and message.kind in PUBLIC_KINDS else "reply"
    from socialdesk.connectors import connector_class

    if kind == "private" and "private_reply" not in connector_class(message.platform).capabilities:
        # Refused now, not at send time when the agent has moved on.
        raise InvalidRequest(f"{message.platform} has no private replies: answer in public "
                             "(without --private)")
    queued = _queue_numbered(session, message, text=body, kind=kind, template=template,
                             actor=actor, now=now)
    key = queued.idempotency_key
    if ticket is not None:
        message.state = "waiting"
    else:
        message.state, message.closed_at = "closed", now
    audit(session, now, actor, "reply", "message", message.id,
           reply_id=queued.id, idempotency_key=key, template=template, kind=kind)
    return ReplyQueued(message.id, queued.id, key, kind, template, body, message.state)


def draft(desk: Desk, message_id: int, template: str) -> str:
    """A canned reply rendered for this message as `reply` would send it (its ticket, the
    next opening out of hours, its platform), for an agent to read and edit first."""
    with desk.sessions() as session:
        message = load_message(session, message_id)
        context = _context(desk, _open_ticket(session, message.id), desk.now())
        return _render(desk, template, _channel(message), context)


def _queue_numbered(session: Session, message: Message, *, text: str, kind: str,
                    template: str | None, actor: str, now: datetime) -> Reply:
    """Queue under `agent:{message id}:{n}`, n one past the agent replies already there."""
    from socialdesk.desk.outbox import queue_reply

    prefix = f"agent:{message.id}:"
    taken = int(session.scalar(select(func.count()).select_from(Reply).where(
        Reply.message_id == message.id, Reply.idempotency_key.like(prefix + "%"))) or 0)
    for n in range(taken + 1, taken + 1 + KEY_TRIES):
        try:
            with session.begin_nested():
                queued = queue_reply(
                    session, account_id=message.account_id, message_id=message.id, text=text,
                    idempotency_key=f"{prefix}{n}", kind=kind, template=template,
                    author=actor, now=now)
        except IntegrityError:
            continue  # inserted by another agent while we were at it
        # The outbox hands back whatever row already holds a key: unless it is this very
        # reply (a double submission), the number belongs to someone else.
        if (queued.message_id, queued.author, queued.text, queued.kind) == (
                message.id, actor, text, kind):
            return queued
    raise InvalidRequest(f"message {message.id} is being answered by others right now: "
                         "look at it again (`show`) before replying")


def escalate(
    desk: Desk, message_id: int, *, actor: str, service_id: str | None = None,
    item_id: str | None = None,
) -> Escalated:
    """Open a ticket to the catalog item's owner unit (unless one is open for the message),
    acknowledge it to the user with the ticket number, and leave the message waiting."""
    actor = checked_actor(actor)
    now = desk.now()
    with desk.sessions() as session, session.begin():
        message = load_message(session, message_id)
        asked_service, asked_item = service_id, item_id
        service_id, item_id = _target(desk.catalog, message, service_id, item_id)
        take_from_bot(message, now)
        ticket = _open_ticket(session, message.id)
        opened = ticket is None
        if ticket is not None and (service_id, item_id) != (ticket.service_id, ticket.item_id) \
                and (asked_service, asked_item) != (None, None):
            # The open ticket keeps its item (its owner unit and due time follow from it).
            raise InvalidRequest(
                f"message {message.id} already has ticket {ticket.number} for "
                f"{ticket.item_id or ticket.service_id}: change it there (`ticket set`) or "
                "escalate without --service/--item")
        reply_id = None
        if ticket is None:
            from socialdesk.desk.outbox import queue_reply

            ticket = open_ticket_row(
                session, message=message, service_id=service_id, item_id=item_id,
                catalog=desk.catalog, calendar=desk.calendar, now=now, actor=actor)
            body = _render(desk, "escalate", _channel(message), _context(desk, ticket, now))
            reply_id = queue_reply(
                session, account_id=message.account_id, message_id=message.id, text=body,
                idempotency_key=f"escalate:{ticket.number}", template="escalate",
                author=actor, now=now).id
            # The agent's choice of service is the better answer to "what is this about".
            message.service_id, message.item_id = service_id, item_id
        message.state, message.closed_at = "waiting", None
        audit(session, now, actor, "escalate", "message", message.id, ticket=ticket.number,
               opened=opened, service=ticket.service_id, item=ticket.item_id,
               owner_unit=ticket.owner_unit, reply_id=reply_id)
        return Escalated(message.id, ticket.number, opened, ticket.service_id, ticket.item_id,
                         ticket.owner_unit, ticket.due_at, reply_id)


def _target(catalog: Catalog, message: Message, service_id: str | None,
            item_id: str | None) -> tuple[str, str | None]:
    if item_id is not None:
        item = catalog.items.get(item_id)
        if item is None:
            raise InvalidRequest(f"unknown catalog item {item_id!r}")
        if service_id is not None and item.service_id != service_id:
            raise InvalidRequest(f"item {item_id} belongs to service {item.service_id}, "
                                 f"not {service_id}")
        return item.service_id, item.id
    if service_id is None:
        service_id = message.service_id
        if service_id is None:
            raise InvalidRequest(f"message {message.id} has no service yet: give --service "
                                 "(and --item)")
    if service_id not in catalog.services:
        raise InvalidRequest(f"unknown catalog service {service_id!r}")
    known = catalog.items.get(message.item_id) if message.item_id else None
    # The classified item still applies when the agent only confirms (or gives) its service.
    return service_id, known.id if known and known.service_id == service_id else None


def close(desk: Desk, message_id: int, *, actor: str, note: str = "") -> Closed:
    actor = checked_actor(actor)
    now = desk.now()
    with desk.sessions() as session, session.begin():
        message = load_message(session, message_id)
        take_from_bot(message, now)
        previous = message.state
        message.state = "closed"
        # Closing twice keeps the first time, which is the one the digest counts.
        if previous != "closed" or message.closed_at is None:
            message.closed_at = now
        # A closed message gets no reply afterwards: what still waits in the outbox stops.
        cancelled = tuple(int(i) for i in session.scalars(
            update(Reply).where(Reply.message_id == message.id,
                                Reply.state.in_(PENDING_REPLY_STATES))
            .values(state="cancelled", reason=f"message closed by {actor}")
            .returning(Reply.id)))
        audit(session, now, actor, "close", "message", message.id, previous=previous,
               note=note, cancelled=list(cancelled))
        return Closed(message.id, previous, message.closed_at, cancelled)


# -- tickets ---------------------------------------------------------------------------------

def set_ticket_state(desk: Desk, number: str, state: str, *, actor: str,
                     note: str = "") -> TicketView:
    actor = checked_actor(actor)
    if state not in SETTABLE_TICKET_STATES:
        raise InvalidRequest(f"a ticket can be set to {', '.join(SETTABLE_TICKET_STATES)}, "
                             f"not {state!r}")
    now = desk.now()
    with desk.sessions() as session, session.begin():
        ticket = ticket_row(session, number)
        if ticket.state == state:
            raise InvalidRequest(f"ticket {ticket.number} is already {state}")
        previous = ticket.state
        change_state(session, ticket, state, actor=actor, now=now, note=note)
        notified = _tell_requester(desk, session, ticket, actor=actor, now=now)
        audit(session, now, actor, "ticket_state", "ticket", ticket.number,
               previous=previous, state=state, note=note, reply_id=notified)
        session.flush()
        session.refresh(ticket, ["events"])
        return ticket_view(desk.catalog, ticket, public=public_origin(session, ticket))


def _tell_requester(desk: Desk, session: Session, ticket: Ticket, *, actor: str,
                    now: datetime) -> int | None:
    """Tell the user in their thread that the ticket's status changed: the canned status
    reply, rendered for the platform and passed by the guard, through the outbox. A reply
    the guard refuses is not sent, and the change stands (the audit shows no reply)."""
    message = session.get(Message, ticket.message_id) if ticket.message_id else None
    if message is None:
        return None
    session.flush()
    event = session.scalar(select(func.max(TicketEvent.id)).where(
        TicketEvent.ticket_id == ticket.id))
    try:
        body = _render(desk, "ticket_status_found", _channel(message),
                       _context(desk, ticket, now))
    except (ReplyRefused, InvalidRequest):
        return None
    from socialdesk.desk.outbox import queue_reply

    return queue_reply(
        session, account_id=message.account_id, message_id=message.id, text=body,
        idempotency_key=f"ticket-status:{ticket.number}:{event}",
        template="ticket_status_found", author=actor, now=now).id


# -- shared pieces ---------------------------------------------------------------------------

def take_from_bot(message: Message, now: datetime) -> None:
    """A person has acted on a message triage has not reached: triage claims a message by
    its empty `triaged_at`, so filling it keeps the bot from answering it a second time."""
    if message.triaged_at is None:
        message.triaged_at, message.action = now, "agent"


def _channel(message: Message) -> str:
    return channel_of(message.platform)


def _open_ticket(session: Session, message_id: int) -> Ticket | None:
    return session.scalars(
        select(Ticket).where(Ticket.message_id == message_id,
                             Ticket.state.in_(OPEN_TICKET_STATES))
        .order_by(Ticket.id.desc()).limit(1)).one_or_none()


def _context(desk: Desk, ticket: Ticket | None, now: datetime) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if ticket is not None:
        context.update(ticket=ticket.number, status=STATE_WORDS[ticket.state],
                       due=ticket.due_at, due_slot=desk.calendar.format_slot(ticket.due_at))
    if not desk.calendar.is_open(now):
        context["next_slot"] = desk.calendar.format_slot(desk.calendar.next_open(now))
    return context


def _render(desk: Desk, template: str, channel: str, context: Mapping[str, Any]) -> str:
    from socialdesk.rules.replies import ReplyBlocked, ReplyError

    try:
        return desk.replies.render(template, channel=channel, **context)
    except ReplyBlocked as exc:
        raise ReplyRefused(exc.reasons) from None
    except ReplyError as exc:
        raise InvalidRequest(str(exc)) from None


def checked_actor(actor: str) -> str:
    name = actor.strip()
    if not name or len(name) > ACTOR_MAX:
        raise InvalidRequest(f"the acting user must be 1 to {ACTOR_MAX} characters, "
                             f"got {actor!r}")
    return name


def audit(session: Session, now: datetime, actor: str, action: str, object_type: str,
           object_id: int | str, **detail: Any) -> None:
    session.add(AuditLog(at=now, actor=actor, action=action, object_type=object_type,
                         object_id=str(object_id), detail=detail))


__all__ = [
    "DEFAULT_STATES", "SETTABLE_TICKET_STATES", "Closed", "Escalated", "InvalidRequest",
    "MessageDetail", "NotFound", "QueueEntry", "QueueFilter", "ReplyQueued", "ReplyRefused",
    "TicketView", "close", "escalate", "queue", "reply", "set_ticket_state", "show",
    "ticket_detail",
]
