"""Escalation tickets: numbers, opening with the catalog's due time, status, history."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from socialdesk.core.catalog import Catalog
from socialdesk.core.clock import WorkingCalendar
from socialdesk.store.db import upsert
from socialdesk.store.models import Message, Ticket, TicketCounter, TicketEvent

TICKET_NUMBER = re.compile(r"\bHAI[-\s]?(20\d\d)[-\s]?(\d{1,6})\b", re.IGNORECASE)
STATE_WORDS = {
    "open": "diteruskan ke unit terkait",
    "in_progress": "sedang diproses",
    "resolved": "selesai",
    "closed": "ditutup",
}


def format_number(year: int, serial: int) -> str:
    return f"HAI-{year}-{serial:06d}"


def find_ticket_numbers(text: str) -> list[str]:
    """Ticket numbers quoted in a message, in our canonical form (HAI-2026-000123)."""
    return [format_number(int(y), int(n)) for y, n in TICKET_NUMBER.findall(text)]


def allocate_numbers(session: Session, year: int, count: int) -> list[str]:
    """Allocate the next `count` numbers of `year` as one block; safe with concurrent
    writers on both databases (the counter row's update serialises them)."""
    if count < 1:
        return []
    session.execute(upsert(session, TicketCounter).values(year=year, last=0)
                    .on_conflict_do_nothing(index_elements=["year"]))
    last = session.execute(
        update(TicketCounter).where(TicketCounter.year == year)
        .values(last=TicketCounter.last + count).returning(TicketCounter.last)
    ).scalar_one()
    return [format_number(year, serial) for serial in range(last - count + 1, last + 1)]


def next_number(session: Session, year: int) -> str:
    """Allocate the next number of `year`; safe with concurrent writers on both databases."""
    return allocate_numbers(session, year, 1)[0]


@dataclass(frozen=True, slots=True)
class TicketRequest:
    """A ticket to open for a message, with what the requester is known by."""

    message_id: int
    service_id: str
    item_id: str | None
    summary: str
    requester_platform: str | None = None
    requester_id: str | None = None
    requester_handle: str | None = None


@dataclass(frozen=True, slots=True)
class OpenedTicket:
    id: int
    number: str
    message_id: int
    owner_unit: str
    due_at: datetime


TICKETS = cast(Table, Ticket.__table__)
TICKET_EVENTS = cast(Table, TicketEvent.__table__)


def open_tickets(
    session: Session, requests: Sequence[TicketRequest], *, catalog: Catalog,
    calendar: WorkingCalendar, now: datetime, actor: str = "bot",
) -> list[OpenedTicket]:
    """Open many tickets in a few statements (numbers as one block), in request order."""
    if not requests:
        return []
    numbers = allocate_numbers(session, now.astimezone(calendar.tz).year, len(requests))
    opened: list[OpenedTicket] = []
    rows = []
    hours_of = []
    for request, number in zip(requests, numbers, strict=True):
        hours = catalog.hours_for(request.service_id, request.item_id)
        hours_of.append(hours)
        owner = catalog.owner_for(request.service_id, request.item_id)
        due = calendar.add(now, hours)
        rows.append(dict(
            number=number, message_id=request.message_id,
            requester_platform=request.requester_platform,
            requester_id=request.requester_id, requester_handle=request.requester_handle,
            service_id=request.service_id, item_id=request.item_id, owner_unit=owner,
            summary=request.summary[:500], state="open", opened_at=now, due_at=due,
            resolved_at=None))
        opened.append(OpenedTicket(0, number, request.message_id, owner, due))
    ids = session.execute(insert(TICKETS).returning(TICKETS.c.id, sort_by_parameter_order=True),
                          rows).scalars().all()
    opened = [OpenedTicket(int(i), t.number, t.message_id, t.owner_unit, t.due_at)
              for i, t in zip(ids, opened, strict=True)]
    session.execute(insert(TICKET_EVENTS), [
        dict(ticket_id=t.id, at=now, actor=actor, kind="opened",
             detail={"service": r.service_id, "item": r.item_id, "hours": hours,
                     "owner_unit": t.owner_unit})
        for t, r, hours in zip(opened, requests, hours_of, strict=True)])
    return opened


def open_ticket(
    session: Session, *, message: Message, service_id: str, item_id: str | None,
    catalog: Catalog, calendar: WorkingCalendar, now: datetime, actor: str = "bot",
) -> Ticket:
    """Open a ticket to the item's owner unit, due after the item's working hours."""
    hours = catalog.hours_for(service_id, item_id)
    local_now = now.astimezone(calendar.tz)
    ticket = Ticket(
        number=next_number(session, local_now.year),
        message_id=message.id,
        requester_platform=message.platform,
        requester_id=message.author_id,
        requester_handle=message.author_handle,
        service_id=service_id,
        item_id=item_id,
        owner_unit=catalog.owner_for(service_id, item_id),
        summary=message.text[:500],
        state="open",
        opened_at=now,
        due_at=calendar.add(now, hours),
    )
    session.add(ticket)
    session.flush()
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind="opened",
                            detail={"service": service_id, "item": item_id, "hours": hours,
                                    "owner_unit": ticket.owner_unit}))
    return ticket


def change_state(session: Session, ticket: Ticket, state: str, *, actor: str,
                 now: datetime, note: str = "") -> None:
    if state not in STATE_WORDS:
        raise ValueError(f"unknown ticket state {state!r} (one of {', '.join(STATE_WORDS)})")
    previous = ticket.state
    ticket.state = state
    if state in ("resolved", "closed") and ticket.resolved_at is None:
        ticket.resolved_at = now
    elif state not in ("resolved", "closed"):
        ticket.resolved_at = None  # reopened: the earlier resolution no longer stands
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind=state,
                            detail={"from": previous, "note": note}))


def by_number(session: Session, number: str) -> Ticket | None:
    found = find_ticket_numbers(number)
    canonical = found[0] if found else number.strip().upper()
    return session.scalars(select(Ticket).where(Ticket.number == canonical)).one_or_none()
