"""The connectors' usage ledgers kept in the database (the `UsageStore` port).

Each charge is one INSERT ... ON CONFLICT DO UPDATE that adds to the day's row, so workers in
several processes add to the same figures without reading first, and a restart starts from
what was already spent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session, sessionmaker

from socialdesk.store.db import transaction, upsert
from socialdesk.store.models import UsageLedger


class DbUsage:
    def __init__(self, sessions: sessionmaker[Session],
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sessions = sessions
        self.now = now

    def add(self, account: str, day: date, key: str, amount: float, calls: int = 1) -> None:
        self._write(account, day, key, amount, calls, peak=False)

    def peak(self, account: str, day: date, key: str, value: float) -> None:
        self._write(account, day, key, value, 1, peak=True)

    def totals(self, account: str, day: date) -> Mapping[str, tuple[float, int]]:
        with transaction(self.sessions) as session:
            rows = session.execute(
                select(UsageLedger.key, UsageLedger.amount, UsageLedger.calls)
                .where(UsageLedger.account == account, UsageLedger.day == day))
            return {r.key: (float(r.amount), int(r.calls)) for r in rows}

    def _write(self, account: str, day: date, key: str, amount: float, calls: int, *,
               peak: bool) -> None:
        with transaction(self.sessions) as session:
            insert = upsert(session, UsageLedger).values(
                account=account, day=day, key=key, amount=amount, calls=calls,
                updated_at=self.now())
            excluded = insert.excluded
            merged = (case((excluded.amount > UsageLedger.amount, excluded.amount),
                           else_=UsageLedger.amount) if peak
                      else UsageLedger.amount + excluded.amount)
            session.execute(insert.on_conflict_do_update(
                index_elements=["account", "day", "key"],
                set_={"amount": merged, "calls": UsageLedger.calls + excluded.calls,
                      "updated_at": excluded.updated_at}))
