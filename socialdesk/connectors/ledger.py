"""What calls cost: X's pay-per-use credits and YouTube's daily quota units.

The figures must outlive the process and be shared by every worker (a restart must not spend
a day's YouTube quota twice), so the ledgers keep nothing themselves: they write through a
`UsageStore`, a small port the desk fills with a database-backed store. `MemoryUsage` serves
tests and one-off commands. Days are the platform's own: UTC for X's bill, Pacific time for
YouTube's quota, which resets at Pacific midnight.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Protocol

from socialdesk.connectors.http import PACIFIC, next_pacific_midnight

# Keys under which the ledgers record; `accounts list` reads them back.
COST_PREFIX = "usd:"
QUOTA_KEY = "quota_units"
META_USAGE_KEY = "meta_usage_pct"


class UsageStore(Protocol):
    """Per account and day: amounts that add up, and peaks that only rise."""

    def add(self, account: str, day: date, key: str, amount: float, calls: int = 1) -> None: ...

    def peak(self, account: str, day: date, key: str, value: float) -> None: ...

    def totals(self, account: str, day: date) -> Mapping[str, tuple[float, int]]: ...


class MemoryUsage:
    """A UsageStore in a dict: for tests and commands that do not touch a database."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, date, str], tuple[float, int]] = {}

    def add(self, account: str, day: date, key: str, amount: float, calls: int = 1) -> None:
        old, count = self.rows.get((account, day, key), (0.0, 0))
        self.rows[(account, day, key)] = (old + amount, count + calls)

    def peak(self, account: str, day: date, key: str, value: float) -> None:
        old, count = self.rows.get((account, day, key), (0.0, 0))
        self.rows[(account, day, key)] = (max(old, value), count + 1)

    def totals(self, account: str, day: date) -> Mapping[str, tuple[float, int]]:
        return {k: v for (a, d, k), v in self.rows.items() if a == account and d == day}


class CostLedger:
    """Money spent per operation today (UTC), in the platform's billing currency."""

    def __init__(self, account: str, now: Callable[[], datetime],
                 store: UsageStore | None = None) -> None:
        self.account = account
        self.now = now
        self.store: UsageStore = store or MemoryUsage()

    def charge(self, operation: str, amount: float, count: int = 1) -> None:
        self.store.add(self.account, self.now().date(), COST_PREFIX + operation,
                       amount * count, count)

    @property
    def spent(self) -> dict[str, float]:
        rows = self.store.totals(self.account, self.now().date())
        return {k.removeprefix(COST_PREFIX): v[0] for k, v in rows.items()
                if k.startswith(COST_PREFIX)}

    @property
    def total(self) -> float:
        return round(sum(self.spent.values()), 6)


class QuotaLedger:
    """YouTube Data API units for the current Pacific day, with a reserve kept for replies.

    Polling stops spending once only `reserve` units remain, so that replies and hides
    (50 units each) can still go out late in the day.
    """

    def __init__(self, now: Callable[[], datetime], daily_limit: int = 10_000,
                 reserve: int = 1_500, *, account: str = "", store: UsageStore | None = None,
                 ) -> None:
        self.now = now
        self.daily_limit = daily_limit
        self.reserve = reserve
        self.account = account
        self.store: UsageStore = store or MemoryUsage()

    @property
    def day(self) -> date:
        return self.now().astimezone(PACIFIC).date()

    @property
    def used(self) -> int:
        return int(self.store.totals(self.account, self.day).get(QUOTA_KEY, (0.0, 0))[0])

    @property
    def remaining(self) -> int:
        return max(0, self.daily_limit - self.used)

    def charge(self, units: int) -> None:
        self.store.add(self.account, self.day, QUOTA_KEY, units)

    def can_read(self, units: int = 1) -> bool:
        return self.remaining - units >= self.reserve

    def can_write(self, units: int) -> bool:
        return self.remaining >= units

    def resets_at(self) -> datetime:
        return next_pacific_midnight(self.now())

    def poll_delay_hint(self, units_per_poll: int, interval: float) -> float:
        """Extra seconds to wait beyond `interval` so the read budget lasts until reset."""
        now = self.now()
        left = self.remaining - self.reserve
        until_reset = (self.resets_at() - now).total_seconds()
        if left < units_per_poll:
            return until_reset
        polls_affordable = left // max(1, units_per_poll)
        spacing = until_reset / polls_affordable
        return max(0.0, spacing - interval)


class UsageMeter:
    """Meta's usage headers: the day's highest percentage, recorded as a peak.

    Every Graph response carries the headers, so only a reading above the highest this
    process already recorded today is written: one write per rise, not one per call.
    """

    def __init__(self, account: str, now: Callable[[], datetime],
                 store: UsageStore | None = None) -> None:
        self.account = account
        self.now = now
        self.store: UsageStore = store or MemoryUsage()
        self._recorded: tuple[date, float] | None = None

    def note(self, percent: float) -> None:
        day = self.now().date()
        if self._recorded is not None and self._recorded[0] == day \
                and percent <= self._recorded[1]:
            return
        self.store.peak(self.account, day, META_USAGE_KEY, percent)
        self._recorded = (day, percent)


Ledger = CostLedger | QuotaLedger | UsageMeter
