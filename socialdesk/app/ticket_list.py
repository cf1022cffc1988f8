"""Tickets as a list for the console: by owner unit and state, oldest first, with the time
left to their due time in working hours; and what each catalog choice would make due if a
message were escalated to it now."""

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


@dataclass(frozen=True, slots=True)
class Target:
    """A catalog choice for an escalation: a service as a whole (`item_id` None) or one of
    its items, with the owner unit and the due time a ticket opened now would get."""

    service_id: str
    item_id: str | None
    name: str
    owner_unit: str
    hours: int  # fulfilment working hours
    due_at: datetime


def targets(desk: Desk) -> list[Target]:
    """Every service, each followed by its items, in catalog order. The due times come from
    the working-hour calendar as the ticket's will; the catalog has few distinct hours, so
    each is counted once."""
    now, catalog = desk.now(), desk.catalog
    due: dict[int, datetime] = {}

    def due_after(hours: int) -> datetime:
        if hours not in due:
            due[hours] = desk.calendar.add(now, hours)
        return due[hours]

    out = []
    for service in sorted(catalog.services.values(), key=lambda s: _order(s.id)):
        out.append(Target(service.id, None, service.name, service.owner_unit, service.hours,
                          due_after(service.hours)))
        items = [i for i in catalog.items.values() if i.service_id == service.id]
        out.extend(Target(service.id, i.id, i.name, i.owner_unit, i.hours, due_after(i.hours))
                   for i in sorted(items, key=lambda i: _order(i.id)))
    return out


def _order(key: str) -> tuple[tuple[int, str], ...]:
    """Catalog ids in reading order: 2 before 10, 8.1.b before 8.1.c."""
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in key.split("."))


def working_time_left(desk: Desk, due_at: datetime) -> timedelta:
    """Working time from now to `due_at`; negative once it has passed."""
    return desk.calendar.between(desk.now(), due_at)
