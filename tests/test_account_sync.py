"""Account sync is an idempotent upsert: processes starting together never collide."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, select

from socialdesk.core.settings import Settings, parse_settings
from socialdesk.desk.accounts import DISABLED_IN_SETTINGS, sync_accounts
from socialdesk.store.db import session_factory
from socialdesk.store.models import Account


def _settings(enabled: bool = True, handle: str = "haiDJPb") -> Settings:
    return parse_settings({"accounts": [
        {"name": f"acc-{n}", "platform": "x", "handle": handle, "enabled": enabled}
        for n in range(8)]}, "test", None, {})


def test_two_processes_syncing_at_once_store_each_account_once(engine: Engine) -> None:
    settings = _settings()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def sync() -> None:
        start.wait()
        try:
            for _ in range(5):
                sync_accounts(engine, settings)
        except BaseException as exc:  # the test reports any failure below
            errors.append(exc)

    threads = [threading.Thread(target=sync) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_factory(engine)() as session:
        names = list(session.scalars(select(Account.name).order_by(Account.name)))
    assert names == [f"acc-{n}" for n in range(8)]


def test_sync_reports_changes_once_and_keeps_a_revoked_account_off(engine: Engine) -> None:
    assert len(sync_accounts(engine, _settings())) == 8
    assert sync_accounts(engine, _settings()) == []
    notes = sync_accounts(engine, _settings(handle="hai2"))
    assert notes == [f"updated account acc-{n}" for n in range(8)]
    assert len(sync_accounts(engine, _settings(enabled=False, handle="hai2"))) == 8
    with session_factory(engine).begin() as session:
        row = session.scalars(select(Account).where(Account.name == "acc-0")).one()
        assert row.disabled_reason == DISABLED_IN_SETTINGS
        row.disabled_reason = "token revoked"
    notes = sync_accounts(engine, _settings(handle="hai2"))
    assert "enabled account acc-0" not in notes and "enabled account acc-1" in notes
