"""When the supervisors' daily digest is due, what it covers, and its ledger.

A digest goes out on each working day after `send_at` (16:30 WIB by default); none on
weekends, public holidays or cuti bersama. It covers the days since the previous working
day's digest, so Monday's covers Saturday, Sunday and Monday.

The ledger (`digests_sent`) has one row per digest day, written in its own transaction before
the send: a second worker or a second run finds the row and does not send. A failed send is
recorded and retried, up to MAX_ATTEMPTS; a send cut off by a crash stays `sending` and is
reported rather than sent again (a digest twice is what the row exists to prevent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast

from sqlalchemy import Table, select, update

from socialdesk.core.clock import WorkingCalendar
from socialdesk.desk.context import Desk
from socialdesk.store.db import upsert
from socialdesk.store.models import DigestSent

DIGESTS = cast(Table, DigestSent.__table__)
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=10)
LOOK_BACK = 30  # days; no desk is closed longer than that


@dataclass(frozen=True, slots=True)
class Period:
    """A digest's days: `first` to `day`, both included, in the desk's zone."""

    first: date
    day: date

    def bounds(self, calendar: WorkingCalendar) -> tuple[datetime, datetime]:
        start = datetime.combine(self.first, time(0), tzinfo=calendar.tz)
        end = datetime.combine(self.day + timedelta(days=1), time(0), tzinfo=calendar.tz)
        return start, end


def is_digest_day(calendar: WorkingCalendar, day: date) -> bool:
    return calendar.open_hours(day) is not None


def period_for(calendar: WorkingCalendar, day: date) -> Period:
    """The days the digest of `day` covers: from the day after the previous working day."""
    previous = day - timedelta(days=1)
    for _ in range(LOOK_BACK):
        if is_digest_day(calendar, previous):
            break
        previous -= timedelta(days=1)
    return Period(previous + timedelta(days=1), day)


def due_day(calendar: WorkingCalendar, now: datetime, send_at: time) -> date | None:
    """Today (in the desk's zone) when it is a working day and `send_at` has passed."""
    local = now.astimezone(calendar.tz)
    if local.time() < send_at or not is_digest_day(calendar, local.date()):
        return None
    return local.date()


@dataclass(frozen=True, slots=True)
class Claim:
    day: date
    attempt: int


def claim(desk: Desk, period: Period, recipients: tuple[str, ...]) -> Claim | None:
    """Take the send of `period.day`, or None when it was sent, is being sent, or has used up
    its attempts or is waiting for its next one."""
    now = desk.now()
    with desk.engine.begin() as conn:
        inserted = conn.execute(
            upsert(conn, DIGESTS).values(
                day=period.day, covers_from=period.first, state="sending", attempts=1,
                recipients=list(recipients), claimed_at=now)
            .on_conflict_do_nothing(index_elements=["day"]).returning(DigestSent.day)).first()
        if inserted is not None:
            return Claim(period.day, 1)
        table = DIGESTS
        retried = conn.execute(
            update(table).where(table.c.day == period.day, table.c.state == "failed",
                                table.c.attempts < MAX_ATTEMPTS,
                                table.c.claimed_at <= now - RETRY_AFTER)
            .values(state="sending", attempts=table.c.attempts + 1, claimed_at=now,
                    recipients=list(recipients))
            .returning(table.c.attempts)).first()
    return Claim(period.day, int(retried[0])) if retried is not None else None


def record(desk: Desk, day: date, *, error: str | None) -> None:
    table = DIGESTS
    values: dict[str, object] = (
        {"state": "failed", "last_error": error} if error
        else {"state": "sent", "last_error": None, "sent_at": desk.now()})
    with desk.engine.begin() as conn:
        conn.execute(update(table).where(table.c.day == day, table.c.state == "sending")
                     .values(**values))


@dataclass(frozen=True, slots=True)
class LedgerRow:
    day: date
    covers_from: date
    state: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None


def ledger(desk: Desk, limit: int = 10) -> list[LedgerRow]:
    with desk.sessions() as session:
        rows = session.scalars(select(DigestSent).order_by(DigestSent.day.desc()).limit(limit))
        return [LedgerRow(r.day, r.covers_from, r.state, r.attempts, r.last_error, r.sent_at)
                for r in rows]
