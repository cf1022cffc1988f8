"""The connectors' spend and quota ledgers live in the database: shared and kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import responses
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from socialdesk.connectors.ledger import CostLedger, QuotaLedger, UsageMeter
from socialdesk.core.settings import parse_settings
from socialdesk.desk.accounts import sync_accounts
from socialdesk.desk.context import Desk
from socialdesk.desk.usage import DbUsage
from socialdesk.store.models import UsageLedger

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 WIB; 19:00 the day before in Pacific


def test_quota_spent_by_one_worker_is_seen_by_another_and_after_a_restart(
        sessions: sessionmaker[Session]) -> None:
    first = QuotaLedger(lambda: NOW, account="yt", store=DbUsage(sessions, lambda: NOW))
    second = QuotaLedger(lambda: NOW, account="yt", store=DbUsage(sessions, lambda: NOW))
    first.charge(50)
    second.charge(1)
    assert first.used == second.used == 51
    restarted = QuotaLedger(lambda: NOW, account="yt", store=DbUsage(sessions, lambda: NOW))
    assert restarted.remaining == 10_000 - 51


def test_quota_starts_again_at_pacific_midnight(sessions: sessionmaker[Session]) -> None:
    clock = [NOW]
    ledger = QuotaLedger(lambda: clock[0], account="yt",
                         store=DbUsage(sessions, lambda: clock[0]))
    ledger.charge(9_000)
    assert not ledger.can_read()
    clock[0] = NOW + timedelta(hours=6)  # 01:00 Pacific, the next Pacific day
    assert ledger.remaining == 10_000


def test_x_spend_adds_up_per_operation_and_day(sessions: sessionmaker[Session]) -> None:
    store = DbUsage(sessions, lambda: NOW)
    CostLedger("x", lambda: NOW, store).charge("read", 0.005, 3)
    ledger = CostLedger("x", lambda: NOW, store)
    ledger.charge("with_link", 0.20)
    assert ledger.spent == {"read": 0.015, "with_link": 0.20}
    assert ledger.total == 0.215
    with sessions() as session:
        calls = {r.key: r.calls for r in session.scalars(select(UsageLedger))}
    assert calls == {"usd:read": 3, "usd:with_link": 1}


def test_meta_usage_keeps_the_days_peak(sessions: sessionmaker[Session]) -> None:
    store = DbUsage(sessions, lambda: NOW)
    meter = UsageMeter("fb", lambda: NOW, store)
    for percent in (12.0, 71.0, 40.0, 71.0):
        meter.note(percent)
    # The peak is kept; readings at or below it are not written again.
    assert store.totals("fb", NOW.date())["meta_usage_pct"] == (71.0, 2)
    # Another worker's lower peak does not lower the row.
    UsageMeter("fb", lambda: NOW, store).note(30.0)
    assert store.totals("fb", NOW.date())["meta_usage_pct"][0] == 71.0


@responses.activate
def test_the_desks_connectors_write_to_the_table(engine: Engine) -> None:
    settings = parse_settings({
        "database": {"url": str(engine.url)},
        "accounts": [{"name": "yt", "platform": "youtube", "handle": "HAI-DJPB",
                      "options": {"channel_id": "UC1"}}],
    }, "test", None, {})
    sync_accounts(engine, settings)
    desk = Desk.from_settings(settings, engine=engine, now=lambda: NOW)
    first = desk.connector("yt").ledgers()[0]
    assert isinstance(first, QuotaLedger)
    first.charge(50)
    again = Desk.from_settings(settings, engine=engine, now=lambda: NOW)
    quota = again.connector("yt").ledgers()[0]
    assert isinstance(quota, QuotaLedger)
    assert quota.used == 50
