"""What an agent reads: the queue, one message in full, a ticket. Frozen dataclasses that
hold no ORM objects, so a caller (the shell today, a web console later) never touches a
closed session. Personal data is masked in every message; app.reveal shows it, audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

# The queue's types live with its query (app.queue_read, free of SQLAlchemy); callers keep
# naming them from here.
from socialdesk.app.queue_read import DEFAULT_STATES as DEFAULT_STATES
from socialdesk.app.queue_read import InvalidRequest as InvalidRequest
from socialdesk.app.queue_read import QueueEntry as QueueEntry
from socialdesk.app.queue_read import QueueFilter as QueueFilter
from socialdesk.app.queue_read import make_entry, read_queue
from socialdesk.core.catalog import Catalog
from socialdesk.desk.context import Desk
from socialdesk.desk.tickets import by_number, find_ticket_numbers
from socialdesk.rules.pii import mask
from socialdesk.rules.types import PUBLIC_KINDS
from socialdesk.store.models import Account, Message, Reply, Ticket, User


class NotFound(LookupError):
    """No message with that id, or no ticket with that number."""


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
    with desk.sessions() as session:
        def rows(sql: str, params: Mapping[str, Any]) -> list[Sequence[Any]]:
            return list(session.execute(text(sql), dict(params)).all())

        return read_queue(rows, desk.engine.dialect.name, desk.calendar, lambda: desk.catalog,
                          desk.now(), wanted or QueueFilter(),
                          warn_minutes=desk.settings.sla.warn_before_minutes)


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
    return make_entry(
        desk.calendar, now, id=message.id, platform=message.platform, account=account,
        kind=message.kind, received_at=message.received_at,
        response_due_at=message.response_due_at, first_response_at=message.first_response_at,
        state=message.state, action=message.action, service_id=message.service_id,
        item_id=message.item_id, author=_author(message), text=message.text,
        claimed_by=holder)


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
