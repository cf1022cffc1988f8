"""Throughput of the working-hour clock on random moments across 2026-2027.

Run: .venv/bin/python bench/bench_clock.py [--calls N] [--seed S]
Prints the cost of a first call on a fresh calendar (the very first in the process, which
also loads the holiday package's tables; one whose holiday list is rebuilt; one whose list
the process already holds), then calls per second with a warm cache.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from socialdesk.core.clock import WorkingCalendar
from socialdesk.core.clock_rules import public_holidays

START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 86400


def random_moments(rng: random.Random, n: int) -> list[datetime]:
    return [
        START + timedelta(seconds=rng.randrange(SPAN_SECONDS), microseconds=rng.randrange(10**6))
        for _ in range(n)
    ]


def rate(label: str, n: int, run: Callable[[], None]) -> None:
    began = time.perf_counter()
    run()
    spent = time.perf_counter() - began
    print(f"{label:<34} {n / spent:>12,.0f} calls/s   ({spent * 1e6 / n:.2f} µs/call)")


def warm(calendar: WorkingCalendar, moments: list[datetime]) -> None:
    month = timedelta(days=30)
    calendar.add(moments[0], 24 * 365 * 3)  # loads every year the runs below touch
    n = len(moments)

    def adds() -> None:
        for t in moments:
            calendar.add(t, 24)

    def betweens() -> None:
        for t in moments:
            calendar.between(t, t + month)

    def opens() -> None:
        for t in moments:
            calendar.is_open(t)

    def slots() -> None:
        for t in moments:
            calendar.format_slot(t)

    rate("add(t, 24)", n, adds)
    rate("between(t, t + 30 days)", n, betweens)
    rate("is_open(t)", n, opens)
    rate("format_slot(t)", n, slots)


def first_call(label: str, t: datetime, clear: bool) -> None:
    if clear:
        public_holidays.cache_clear()
    began = time.perf_counter()
    WorkingCalendar().add(t, 24)
    print(f"{label:<34} {(time.perf_counter() - began) * 1e3:>12.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    moments = random_moments(rng, args.calls)
    print("first call on a new calendar (construction + add(t, 24)):")
    first_call("first in the process", moments[1], clear=True)
    first_call("holidays list rebuilt", moments[1], clear=True)
    first_call("holidays list cached", moments[1], clear=False)
    print(f"{args.calls:,} random moments in 2026-2027, warm cache:")
    warm(WorkingCalendar(), moments)


if __name__ == "__main__":
    main()
