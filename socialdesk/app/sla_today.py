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


def local_day(desk: Desk) -> date:
    """Today in the desk's working-hours zone."""
    return desk.now().astimezone(ZoneInfo(desk.settings.working_hours.timezone)).date()


def today(desk: Desk, day: date | None = None) -> SlaToday:
    """The figures of the local working day so far, or of an earlier `day` as it ended (a
    supervisor checking yesterday, or a day that ended after midnight)."""
    now = desk.now()
    zone = ZoneInfo(desk.settings.working_hours.timezone)
    day = min(day or local_day(desk), local_day(desk))
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = start + timedelta(days=1)
    now = min(now, end)
    with desk.sessions() as session:
        clocks = message_clocks(session, desk.calendar, start=start, end=end)
        tickets = ticket_figures(session, start=start, end=end, now=now)
    return SlaToday(day, response_figures(clocks, now), by_platform(clocks, now), tickets)
