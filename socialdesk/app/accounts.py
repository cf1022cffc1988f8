"""Accounts as supervisors see them: state, last error, and today's spend and quota."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from socialdesk.connectors.http import PACIFIC
from socialdesk.connectors.ledger import COST_PREFIX, META_USAGE_KEY, QUOTA_KEY
from socialdesk.desk.context import Desk
from socialdesk.desk.usage import DbUsage
from socialdesk.store.db import transaction
from socialdesk.store.models import Account

DEFAULT_YOUTUBE_QUOTA = 10_000


@dataclass(frozen=True, slots=True)
class AccountStatus:
    name: str
    platform: str
    handle: str
    enabled: bool
    disabled_reason: str | None
    last_error: str | None
    # Today in the platform's own day: X's bill in US dollars, YouTube's units left, Meta's
    # highest usage percentage; None where the platform has no such figure.
    spent_usd: float | None
    quota_left: int | None
    quota_limit: int | None
    usage_peak_pct: float | None


def account_statuses(desk: Desk) -> list[AccountStatus]:
    usage = DbUsage(desk.sessions, desk.now)
    now = desk.now()
    configured = {a.name: a for a in desk.settings.accounts}
    with transaction(desk.sessions) as session:
        rows = list(session.scalars(select(Account).order_by(Account.name)))
    out = []
    for row in rows:
        config = configured.get(row.name)
        platform = str(config.options.get("as_platform", row.platform)) if config else row.platform
        spent = left = limit = peak = None
        if platform == "x":
            totals = usage.totals(row.name, now.date())
            spent = round(sum(v[0] for k, v in totals.items() if k.startswith(COST_PREFIX)), 4)
        elif platform == "youtube":
            totals = usage.totals(row.name, now.astimezone(PACIFIC).date())
            limit = int(config.options.get("daily_quota", DEFAULT_YOUTUBE_QUOTA)
                        if config else DEFAULT_YOUTUBE_QUOTA)
            left = max(0, limit - int(totals.get(QUOTA_KEY, (0.0, 0))[0]))
        elif platform in ("facebook", "instagram"):
            totals = usage.totals(row.name, now.date())
            peak = totals.get(META_USAGE_KEY, (0.0, 0))[0]
        out.append(AccountStatus(
            name=row.name, platform=row.platform, handle=row.handle, enabled=row.enabled,
            disabled_reason=row.disabled_reason, last_error=row.last_error, spent_usd=spent,
            quota_left=left, quota_limit=limit, usage_peak_pct=peak))
    return out
