"""What calls cost: X's pay-per-use credits and YouTube's daily quota units.

Both are pure bookkeeping over an injected clock, so the scheduler can read them and tests
can move time without sleeping.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from socialdesk.connectors.http import PACIFIC, next_pacific_midnight


@dataclass
class CostLedger:
    """Money spent per operation, in the platform's billing currency (X: US dollars)."""

    spent: dict[str, float] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)

    def charge(self, operation: str, amount: float, count: int = 1) -> None:
        self.spent[operation] = self.spent.get(operation, 0.0) + amount * count
        self.calls[operation] += count

    @property
    def total(self) -> float:
        return round(sum(self.spent.values()), 6)


@dataclass
class QuotaLedger:
    """YouTube Data API units for the current Pacific day, with a reserve kept for replies.

    Polling stops spending once only `reserve` units remain, so that replies and hides
    (50 units each) can still go out late in the day.
    """

    now: Callable[[], datetime]
    daily_limit: int = 10_000
    reserve: int = 1_500
    used: int = 0
    day: date | None = None

    def _roll(self) -> None:
        today = self.now().astimezone(PACIFIC).date()
        if self.day != today:
            self.day, self.used = today, 0

    @property
    def remaining(self) -> int:
        self._roll()
        return max(0, self.daily_limit - self.used)

    def charge(self, units: int) -> None:
        self._roll()
        self.used += units

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
