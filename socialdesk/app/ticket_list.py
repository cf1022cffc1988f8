"""Tickets as a list for the console: by owner unit and state, oldest first, with the time
left to their due time in working hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from socialdesk.app.views import InvalidRequest
from socialdesk.core.vocab import TICKET_STATES
from socialdesk.desk.context import Desk
from socialdesk.store.models import Ticket

OPEN = ("open", "in_progress")


@dataclass(frozen=True, slots=True)
class TicketRow:
    number: str
    state: str
    service_id: str
    item_id: str | None
    owner_unit: str
    opened_at: datetime
    age: timedelta
    due_at: datetime
    due_in: timedelta | None  # working time left; None once past due or resolved
    overdue: bool


def tickets(desk: Desk, *, unit: str = "", states: tuple[str, ...] = OPEN,
            limit: int = 200) -> list[TicketRow]:
    unknown = [s for s in states if s not in TICKET_STATES]
    if unknown:
        raise InvalidRequest(f"unknown ticket state {unknown[0]!r}")
    now = desk.now()
    with desk.sessions() as session:
        query = select(Ticket).where(Ticket.state.in_(states))
        if unit:
            query = query.where(Ticket.owner_unit == unit)
        rows = session.scalars(query.order_by(Ticket.opened_at, Ticket.id).limit(limit)).all()
        out = []
        for t in rows:
            live = t.state in OPEN
            overdue = live and t.due_at <= now
            due_in = desk.calendar.between(now, t.due_at) if live and not overdue else None
            out.append(TicketRow(t.number, t.state, t.service_id, t.item_id, t.owner_unit,
                                 t.opened_at, now - t.opened_at, t.due_at, due_in, overdue))
        return out


def units(desk: Desk) -> list[str]:
    with desk.sessions() as session:
        return sorted(u for u in session.scalars(select(Ticket.owner_unit).distinct()) if u)
