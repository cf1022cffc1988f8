"""When the supervisors' daily digest is due, what it covers, and its ledger.

A digest goes out on each working day after `send_at` (16:30 WIB by default); none on
weekends, public holidays or cuti bersama. It covers the days since the previous working
day's digest, so Monday's covers Saturday, Sunday and Monday.

The ledger (`digests_sent`) has one row per digest day, written in its own transaction before
the send: a second worker or a second run finds the row and does not send. A failed send is
recorded and retried, up to MAX_ATTEMPTS. The message-id is written on the row before each
send; a send cut off by a crash stays `sending`, and once older than STALE_SENDING it is
"maybe sent": SMTP cannot be asked whether the message got through, so it is not sent again
until a supervisor, having looked for that message-id, says so (`socialdesk digest
--resend DAY`); until then it shows on /healthz and in the next digest.
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
# A send (connect, TLS, login, DATA) is over in well under this; a row `sending` longer was
# cut off by a crash, and nobody knows whether the server took the message.
STALE_SENDING = timedelta(minutes=15)
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


def reclaim(desk: Desk, day: date, recipients: tuple[str, ...]) -> Claim | None:
    """Take the day's row again for a resend a supervisor asked for: only a send cut off
    long enough ago (maybe sent) or a failed one, never one that was sent or is under way."""
    now = desk.now()
    table = DIGESTS
    with desk.engine.begin() as conn:
        taken = conn.execute(
            update(table).where(
                table.c.day == day,
                (table.c.state == "failed")
                | ((table.c.state == "sending") & (table.c.claimed_at <= now - STALE_SENDING)))
            .values(state="sending", attempts=table.c.attempts + 1, claimed_at=now,
                    recipients=list(recipients), message_id=None, last_error=None)
            .returning(table.c.attempts)).first()
    return Claim(day, int(taken[0])) if taken is not None else None


def note_message_id(desk: Desk, day: date, message_id: str) -> None:
    """Written (and committed) before the send: if the sender dies midway, this is the
    message to look for in the supervisors' mailboxes."""
    table = DIGESTS
    with desk.engine.begin() as conn:
        conn.execute(update(table).where(table.c.day == day, table.c.state == "sending")
                     .values(message_id=message_id))


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
    message_id: str | None = None
    claimed_at: datetime | None = None
    maybe_sent: bool = False
    """Cut off while sending, long enough ago that the sender is surely gone: it may or may
    not have reached the supervisors."""
    gave_up: bool = False
    """Failed on every attempt the scheduler makes."""


def _row(r: DigestSent, now: datetime) -> LedgerRow:
    return LedgerRow(r.day, r.covers_from, r.state, r.attempts, r.last_error, r.sent_at,
                     r.message_id, r.claimed_at,
                     maybe_sent=r.state == "sending" and r.claimed_at <= now - STALE_SENDING,
                     gave_up=r.state == "failed" and r.attempts >= MAX_ATTEMPTS)


def ledger(desk: Desk, limit: int = 10) -> list[LedgerRow]:
    now = desk.now()
    with desk.sessions() as session:
        rows = session.scalars(select(DigestSent).order_by(DigestSent.day.desc()).limit(limit))
        return [_row(r, now) for r in rows]


def row_of(desk: Desk, day: date) -> LedgerRow | None:
    with desk.sessions() as session:
        r = session.get(DigestSent, day)
        return _row(r, desk.now()) if r is not None else None


def undelivered(desk: Desk, before: date) -> list[LedgerRow]:
    """Digests before `before` (within LOOK_BACK days) that may not have reached the
    supervisors: cut off while sending long enough ago, or failed."""
    now = desk.now()
    with desk.sessions() as session:
        rows = session.scalars(select(DigestSent).where(
            DigestSent.day < before, DigestSent.day >= before - timedelta(days=LOOK_BACK),
            DigestSent.state.in_(("sending", "failed"))).order_by(DigestSent.day))
        found = [_row(r, now) for r in rows]
    # A failed day is retried only on that day: the days after, a person resends it.
    return [r for r in found if r.maybe_sent or r.state == "failed"]
