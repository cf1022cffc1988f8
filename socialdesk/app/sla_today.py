"""Today's SLA figures for the supervisor's page: the same computation the digest sends
(app.sla_report), over the local working day so far."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from socialdesk.app.sla_report import (
    ResponseFigures,
    TicketFigures,
    by_platform,
    message_clocks,
    response_figures,
    ticket_figures,
)
from socialdesk.desk.context import Desk


@dataclass(frozen=True, slots=True)
class SlaToday:
    day: date
    responses: ResponseFigures
    platforms: dict[str, ResponseFigures]
    tickets: TicketFigures


def today(desk: Desk) -> SlaToday:
    now = desk.now()
    zone = ZoneInfo(desk.settings.working_hours.timezone)
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = start + timedelta(days=1)
    with desk.sessions() as session:
        clocks = message_clocks(session, desk.calendar, start=start, end=end)
        tickets = ticket_figures(session, start=start, end=end, now=now)
    return SlaToday(day, response_figures(clocks, now), by_platform(clocks, now), tickets)
