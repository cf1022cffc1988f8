"""What an agent reads: the queue, one message in full, a ticket. Frozen dataclasses that
hold no ORM objects, so a caller (the shell today, a web console later) never touches a
closed session. Personal data is masked in every message; app.reveal shows it, audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from socialdesk.core.catalog import Catalog
from socialdesk.core.vocab import MESSAGE_STATES, PLATFORMS, platform_of
from socialdesk.desk.context import Desk
from socialdesk.desk.sla import at_risk_filter
from socialdesk.desk.tickets import by_number, find_ticket_numbers
from socialdesk.rules.pii import mask
from socialdesk.rules.types import PUBLIC_KINDS
from socialdesk.store.models import Account, Message, Reply, Ticket, User

DEFAULT_STATES = ("new", "open", "waiting")


class NotFound(LookupError):
    """No message with that id, or no ticket with that number."""


class InvalidRequest(ValueError):
    """The request names something unknown or asks for what cannot be done."""


@dataclass(frozen=True, slots=True)
class QueueFilter:
    states: tuple[str, ...] = DEFAULT_STATES
    platforms: tuple[str, ...] = ()
    services: tuple[str, ...] = ()  # service or item ids of the catalog
    at_risk: bool = False
    limit: int = 50
    claimed_by: int | None = None  # a user id: "mine" in the console
    late: bool = False  # only messages past their response time


@dataclass(frozen=True, slots=True)
class QueueEntry:
    id: int
    platform: str
    account: str
    kind: str
    received_at: datetime
    age: timedelta
    response_due_at: datetime | None
    due_in: timedelta | None  # working time left to respond; None once answered or late
    late: bool
    answered: bool
    state: str
    action: str | None
    service_id: str | None
    item_id: str | None
    author: str | None
    text: str  # one line, personal data masked
    claimed_by: str | None = None  # user name of the agent working on it


@dataclass(frozen=True, slots=True)
class ClassificationView:
    service_id: str | None
    service_name: str | None
    item_id: str | None
    item_name: str | None
    intent: str | None
    action: str | None
    confidence: float | None
    rules: tuple[str, ...]
    pii: tuple[str, ...]
    triaged_at: datetime


@dataclass(frozen=True, slots=True)
class ThreadEntry:
    id: int
    kind: str
    author: str | None
    received_at: datetime
    state: str
    text: str


@dataclass(frozen=True, slots=True)
class ReplyView:
    id: int
    kind: str
    state: str
    author: str
    template: str | None
    text: str
    reason: str | None
    idempotency_key: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class TicketEventView:
    at: datetime
    actor: str
    kind: str
    detail: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TicketView:
    number: str
    state: str
    message_id: int | None
    requester: str | None
    service_id: str
    service_name: str | None
    item_id: str | None
    item_name: str | None
    owner_unit: str
    summary: str
    opened_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    events: tuple[TicketEventView, ...]


@dataclass(frozen=True, slots=True)
class MessageDetail:
    entry: QueueEntry
    text: str  # personal data masked, line breaks kept
    platform_created_at: datetime
    first_response_at: datetime | None
    closed_at: datetime | None
    hidden: bool
    classification: ClassificationView | None
    thread: tuple[ThreadEntry, ...]
    replies: tuple[ReplyView, ...]
    ticket: TicketView | None


def queue(desk: Desk, wanted: QueueFilter | None = None) -> list[QueueEntry]:
    """Messages to work on, the one whose response is due first at the top."""
    wanted = wanted or QueueFilter()
    states, platforms, services, items = _checked_filter(desk.catalog, wanted)
    now = desk.now()
    with desk.sessions() as session:
        query = (select(Message, Account.name, User.username)
                 .join(Account, Account.id == Message.account_id)
                 .outerjoin(User, User.id == Message.claimed_by_id)
                 # The states as literals: SQLite uses a partial index only when the query
                 # names its condition word for word (and PostgreSQL plans the same).
                 .where(Message.state.in_(bindparam("b_states", states, expanding=True,
                                                    literal_execute=True))))
        if platforms:
            query = query.where(Message.platform.in_(platforms))
        if services or items:
            query = query.where(Message.service_id.in_(services) | Message.item_id.in_(items))
        if wanted.at_risk:
            query = query.where(at_risk_filter(desk))
        if wanted.claimed_by is not None:
            query = query.where(Message.claimed_by_id == wanted.claimed_by)
        if wanted.late:
            query = query.where(Message.first_response_at.is_(None),
                                Message.response_due_at <= now)
        # Unanswered messages first, the one due first at the top; answered ones (waiting on
        # a ticket) after them. Each part is read in the order of its partial index (on the
        # states worked on), so the top of a large queue is never sorted from a scan.
        in_order = (Message.response_due_at.asc().nulls_last(), Message.id)
        rows = list(session.execute(
            query.where(Message.first_response_at.is_(None)).order_by(*in_order)
            .limit(wanted.limit)).all())
        if len(rows) < wanted.limit and not (wanted.at_risk or wanted.late):
            rows += session.execute(
                query.where(Message.first_response_at.is_not(None)).order_by(*in_order)
                .limit(wanted.limit - len(rows))).all()
        return [_entry(desk, message, account, now, holder) for message, account, holder in rows]


def _platform(name: str) -> str:
    try:
        return platform_of(name)
    except ValueError:
        raise InvalidRequest(
            f"unknown platform {name!r} (one of {', '.join(PLATFORMS)})") from None


def _checked_filter(catalog: Catalog, wanted: QueueFilter) -> tuple[
        tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    unknown = [s for s in wanted.states if s not in MESSAGE_STATES]
    if unknown:
        raise InvalidRequest(f"unknown state {unknown[0]!r} (one of {', '.join(MESSAGE_STATES)})")
    platforms = tuple(_platform(p) for p in wanted.platforms)
    services = tuple(s for s in wanted.services if s in catalog.services)
    items = tuple(s for s in wanted.services if s in catalog.items)
    unknown = [s for s in wanted.services if s not in services and s not in items]
    if unknown:
        raise InvalidRequest(f"unknown service or item {unknown[0]!r} in the catalog")
    if wanted.limit < 1:
        raise InvalidRequest(f"limit must be at least 1, got {wanted.limit}")
    return tuple(wanted.states), platforms, services, items


def _author(message: Message) -> str | None:
    """The handle, else the platform's id of the writer: a Messenger push names only the
    sender's page-scoped id, and an agent still needs to tell two writers apart."""
    return message.author_handle or message.author_id or None


def _shown(message: Message, text: str) -> str:
    # Masked on every kind: a DM's NIK or account number is no less personal on a shared
    # screen. The full text is one audited reveal away (app.reveal).
    return mask(text)


def _entry(desk: Desk, message: Message, account: str, now: datetime,
           holder: str | None = None) -> QueueEntry:
    # An ignored message has no response clock (spam, the account's own words).
    due = message.response_due_at if message.state != "ignored" else None
    answered = message.first_response_at is not None
    late = not answered and due is not None and due <= now
    due_in = None
    if due is not None and not answered and not late:
        due_in = desk.calendar.between(now, due)
    return QueueEntry(
        id=message.id, platform=message.platform, account=account, kind=message.kind,
        # Never negative: a platform's clock (or a demo's) may run ahead of ours.
        received_at=message.received_at, age=max(timedelta(0), now - message.received_at),
        response_due_at=due, due_in=due_in, late=late, answered=answered,
        state=message.state, action=message.action, service_id=message.service_id,
        item_id=message.item_id, author=_author(message),
        text=" ".join(_shown(message, message.text).split()), claimed_by=holder,
    )


# -- one message in full ---------------------------------------------------------------------

def show(desk: Desk, message_id: int) -> MessageDetail:
    now = desk.now()
    with desk.sessions() as session:
        message = load_message(session, message_id)
        account = session.get(Account, message.account_id)
        holder = session.get(User, message.claimed_by_id) if message.claimed_by_id else None
        thread: tuple[ThreadEntry, ...] = ()
        if message.conversation_id is not None:
            others = session.scalars(
                select(Message).where(Message.conversation_id == message.conversation_id,
                                      Message.id != message.id)
                .order_by(Message.platform_created_at, Message.id)).all()
            thread = tuple(ThreadEntry(m.id, m.kind, _author(m), m.received_at, m.state,
                                       _shown(m, m.text)) for m in others)
        replies = session.scalars(
            select(Reply).where(Reply.message_id == message.id).order_by(Reply.id)).all()
        ticket = session.scalars(
            select(Ticket).where(Ticket.message_id == message.id)
            .order_by(Ticket.id.desc()).limit(1)).one_or_none()
        return MessageDetail(
            entry=_entry(desk, message, account.name if account else "?", now,
                         holder.username if holder else None),
            text=_shown(message, message.text),
            platform_created_at=message.platform_created_at,
            first_response_at=message.first_response_at, closed_at=message.closed_at,
            hidden=message.hidden, classification=_classification(desk.catalog, message),
            thread=thread, replies=tuple(_reply_view(r) for r in replies),
            ticket=ticket_view(desk.catalog, ticket, public=message.kind in PUBLIC_KINDS)
            if ticket is not None else None,
        )


def _classification(catalog: Catalog, message: Message) -> ClassificationView | None:
    if message.triaged_at is None:
        return None
    return ClassificationView(
        service_id=message.service_id, service_name=_service_name(catalog, message.service_id),
        item_id=message.item_id, item_name=_item_name(catalog, message.item_id),
        intent=message.intent, action=message.action, confidence=message.confidence,
        rules=tuple(str(r) for r in message.rules or ()),
        pii=tuple(str(p) for p in message.pii or ()), triaged_at=message.triaged_at,
    )


def _service_name(catalog: Catalog, service_id: str | None) -> str | None:
    service = catalog.services.get(service_id) if service_id else None
    return service.name if service else None


def _item_name(catalog: Catalog, item_id: str | None) -> str | None:
    item = catalog.items.get(item_id) if item_id else None
    return item.name if item else None


def _reply_view(reply: Reply) -> ReplyView:
    return ReplyView(reply.id, reply.kind, reply.state, reply.author, reply.template,
                     reply.text, reply.reason, reply.idempotency_key, reply.created_at,
                     reply.sent_at)


def ticket_view(catalog: Catalog, ticket: Ticket, *, public: bool) -> TicketView:
    return TicketView(
        number=ticket.number, state=ticket.state, message_id=ticket.message_id,
        requester=ticket.requester_handle, service_id=ticket.service_id,
        service_name=_service_name(catalog, ticket.service_id), item_id=ticket.item_id,
        item_name=_item_name(catalog, ticket.item_id), owner_unit=ticket.owner_unit,
        summary=mask(ticket.summary) if public else ticket.summary,
        opened_at=ticket.opened_at, due_at=ticket.due_at, resolved_at=ticket.resolved_at,
        events=tuple(TicketEventView(e.at, e.actor, e.kind, dict(e.detail or {}))
                     for e in ticket.events),
    )


# -- acting on a message ---------------------------------------------------------------------

def ticket_detail(desk: Desk, number: str) -> TicketView:
    with desk.sessions() as session:
        ticket = ticket_row(session, number)
        return ticket_view(desk.catalog, ticket, public=public_origin(session, ticket))


def ticket_row(session: Session, number: str) -> Ticket:
    if not find_ticket_numbers(number):
        raise InvalidRequest(f"not a ticket number: {number!r} (e.g. HAI-2026-000123)")
    ticket = by_number(session, number)
    if ticket is None:
        raise NotFound(f"no ticket {find_ticket_numbers(number)[0]}")
    return ticket


def public_origin(session: Session, ticket: Ticket) -> bool:
    message = session.get(Message, ticket.message_id) if ticket.message_id else None
    # A ticket whose message is gone may still quote a public post: mask to be safe.
    return message is None or message.kind in PUBLIC_KINDS


def load_message(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(f"no message {message_id}")
    return message
