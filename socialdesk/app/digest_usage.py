"""The digest's quota and cost lines, from the usage ledgers of the digest's days: X's bill in
US dollars, YouTube's quota units against the daily quota, Meta's highest usage percentage.
A day near a limit is also an account problem."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from socialdesk.app.accounts import DEFAULT_YOUTUBE_QUOTA
from socialdesk.connectors.ledger import COST_PREFIX, META_USAGE_KEY, QUOTA_KEY
from socialdesk.core.settings import AccountConfig

# A day at or above this share of a limit is worth a supervisor's look.
NEAR_LIMIT = 0.8


@dataclass(frozen=True, slots=True)
class UsageLine:
    account: str
    text: str
    warning: str = ""
    """Set when a day came near its limit: shown with the account problems."""


def usage_lines(rows: Iterable[tuple[str, date, str, float, int]],
                configs: Iterable[AccountConfig]) -> tuple[UsageLine, ...]:
    """`rows`: (account, day, key, amount, calls) of the usage ledger for the digest's days."""
    quota_of = {c.name: int(c.options.get("daily_quota", DEFAULT_YOUTUBE_QUOTA))
                for c in configs}
    spend: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    units: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    peak: dict[str, float] = defaultdict(float)
    for account, day, key, amount, count in rows:
        if key.startswith(COST_PREFIX):
            spend[account] += amount
            calls[account] += count
        elif key == QUOTA_KEY:
            units[account][day] += amount
        elif key == META_USAGE_KEY:
            peak[account] = max(peak[account], amount)  # a percentage: its highest, not a sum
    lines = []
    for account in sorted(set(spend) | set(units) | set(peak)):
        if account in spend:
            lines.append(UsageLine(account, f"biaya API X US${spend[account]:.3f} "
                                            f"({calls[account]} panggilan berbayar)"))
        if account in units:
            limit = quota_of.get(account, DEFAULT_YOUTUBE_QUOTA)
            top_day, top = max(units[account].items(), key=lambda kv: kv[1])
            used = sum(units[account].values())
            near = top >= NEAR_LIMIT * limit
            lines.append(UsageLine(
                account, f"kuota YouTube {used:,.0f} unit; hari terbanyak {top:,.0f} dari "
                         f"{limit:,} per hari ({top / limit:.0%})".replace(",", "."),
                f"kuota YouTube {top / limit:.0%} terpakai pada {top_day:%d/%m}" if near else ""))
        if account in peak:
            near = peak[account] >= NEAR_LIMIT * 100
            lines.append(UsageLine(
                account, f"pemakaian API Meta tertinggi {peak[account]:.0f}% dari batas",
                f"pemakaian API Meta mencapai {peak[account]:.0f}%" if near else ""))
    return tuple(lines)
