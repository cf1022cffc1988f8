"""SLA figures derived from the rows' own timestamps, never from the watcher's sweeps.

A message that needs an answer has an arrival, a due time and, once handled, the time of its
first response (or of its closing without one). It is on time when it was handled by its due
time; late when handled after it; overdue when unhandled and its due time has passed. So the
figures are the same whatever the sweep interval was, and the demo summary, the digest and
the `sla_events` rows agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from socialdesk.core.clock import WorkingCalendar
from socialdesk.store.models import Message, Ticket


@dataclass(frozen=True, slots=True)
class MessageClock:
    """One message's response clock, as its timestamps tell it."""

    message_id: int
    platform: str
    service_id: str | None
    arrived_at: datetime
    due_at: datetime
    handled_at: datetime | None
    worked: timedelta | None
    """Working time from arrival to the first response; None while unhandled."""

    def on_time(self) -> bool:
        return self.handled_at is not None and self.handled_at <= self.due_at

    def breached(self, now: datetime) -> bool:
        if self.handled_at is not None:
            return self.handled_at > self.due_at
        return self.due_at <= now


@dataclass(frozen=True, slots=True)
class ResponseFigures:
    needing: int
    handled: int
    on_time: int
    late: int
    overdue: int
    median: timedelta | None
    worst: timedelta | None

    @property
    def breaches(self) -> int:
        return self.late + self.overdue

    @property
    def share_on_time(self) -> float | None:
        return self.on_time / self.needing if self.needing else None


@dataclass(frozen=True, slots=True)
class TicketFigures:
    opened: int
    open_now: int
    overdue_now: int
    due_soon: int
    resolved_on_time: int
    resolved_late: int

    @property
    def breaches(self) -> int:
        """Tickets whose due time passed before they were resolved (or that are still open
        past it)."""
        return self.overdue_now + self.resolved_late


def _needs_answer() -> tuple[ColumnElement[bool], ...]:
    # Ignored messages (spam, the bot's own echoes) have no answer to wait for.
    return (Message.response_due_at.is_not(None), Message.state != "ignored",
            or_(Message.action.is_(None), Message.action != "ignore"))


def message_clocks(session: Session, calendar: WorkingCalendar, *, start: datetime,
                   end: datetime) -> list[MessageClock]:
    """The response clock of every message that arrived in [start, end) and needs an answer."""
    rows = session.execute(
        select(Message.id, Message.platform, Message.service_id, Message.received_at,
               Message.platform_created_at, Message.response_due_at,
               Message.first_response_at, Message.state, Message.closed_at)
        .where(*_needs_answer(), Message.received_at >= start, Message.received_at < end)
        .order_by(Message.id)).all()
    clocks = []
    for r in rows:
        arrived = min(r.received_at, r.platform_created_at)
        handled = r.first_response_at
        if handled is None and r.state == "closed" and r.closed_at is not None:
            handled = r.closed_at  # closed without a reply: the clock stopped there
        worked = calendar.between(arrived, handled) if handled is not None else None
        clocks.append(MessageClock(int(r.id), r.platform, r.service_id, arrived,
                                   r.response_due_at, handled, worked))
    return clocks


def response_figures(clocks: Iterable[MessageClock], now: datetime) -> ResponseFigures:
    items = list(clocks)
    worked = sorted(c.worked for c in items if c.worked is not None)
    on_time = sum(1 for c in items if c.on_time())
    late = sum(1 for c in items if c.handled_at is not None and not c.on_time())
    overdue = sum(1 for c in items if c.handled_at is None and c.due_at <= now)
    middle = _median(worked)
    return ResponseFigures(needing=len(items), handled=len(worked), on_time=on_time, late=late,
                           overdue=overdue, median=middle, worst=worked[-1] if worked else None)


def _median(values: list[timedelta]) -> timedelta | None:
    """Of a sorted list; the mean of the middle two when the count is even."""
    if not values:
        return None
    half = len(values) // 2
    return values[half] if len(values) % 2 else (values[half - 1] + values[half]) / 2


def by_platform(clocks: Iterable[MessageClock], now: datetime) -> dict[str, ResponseFigures]:
    groups: dict[str, list[MessageClock]] = {}
    for clock in clocks:
        groups.setdefault(clock.platform, []).append(clock)
    return {platform: response_figures(items, now) for platform, items in sorted(groups.items())}


def ticket_figures(session: Session, *, start: datetime, end: datetime, now: datetime,
                   soon: timedelta = timedelta(days=1)) -> TicketFigures:
    """Tickets opened in [start, end), and the state of every open ticket at `now`."""
    opened = session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.opened_at >= start, Ticket.opened_at < end)) or 0
    open_rows = session.execute(select(Ticket.due_at).where(
        Ticket.state.in_(("open", "in_progress")))).scalars().all()
    resolved = [(due, done) for due, done in session.execute(
        select(Ticket.due_at, Ticket.resolved_at).where(
            Ticket.resolved_at >= start, Ticket.resolved_at < end)).all()
        if done is not None]
    return TicketFigures(
        opened=int(opened), open_now=len(open_rows),
        overdue_now=sum(1 for due in open_rows if due <= now),
        due_soon=sum(1 for due in open_rows if now < due <= now + soon),
        resolved_on_time=sum(1 for due, done in resolved if done <= due),
        resolved_late=sum(1 for due, done in resolved if done > due))
