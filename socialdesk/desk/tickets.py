"""Escalation tickets: numbers, opening with the catalog's due time, status, history."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from socialdesk.catalog import Catalog
from socialdesk.clock import WorkingCalendar
from socialdesk.models import Message, Ticket, TicketCounter, TicketEvent

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


def next_number(session: Session, year: int) -> str:
    """Allocate the next number of `year`; safe with concurrent writers on both databases."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(TicketCounter).values(year=year, last=0)
                    .on_conflict_do_nothing(index_elements=["year"]))
    serial = session.execute(
        update(TicketCounter).where(TicketCounter.year == year)
        .values(last=TicketCounter.last + 1).returning(TicketCounter.last)
    ).scalar_one()
    return format_number(year, serial)


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
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind=state,
                            detail={"from": previous, "note": note}))


def by_number(session: Session, number: str) -> Ticket | None:
    found = find_ticket_numbers(number)
    canonical = found[0] if found else number.strip().upper()
    return session.scalars(select(Ticket).where(Ticket.number == canonical)).one_or_none()
