"""The planner's statistics are brought up to date after a schema upgrade and by the daemon
each day, so that the queue is read from the partial indexes on the open states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine

from socialdesk.cli import main
from socialdesk.store.db import is_postgres, refresh_statistics, session_factory, transaction
from socialdesk.store.models import Account, Message

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def _messages(engine: Engine, closed: int, still_open: int) -> None:
    with transaction(session_factory(engine)) as s:
        account = Account(name="x-main", platform="x", handle="haiDJPb")
        s.add(account)
        s.flush()
        for n in range(closed + still_open):
            s.add(Message(
                account_id=account.id, platform="x", stream="mentions", platform_id=f"p{n}",
                kind="mention", author_id="u1", author_handle="@budi", text="min tolong",
                platform_created_at=NOW, received_at=NOW, response_due_at=NOW + timedelta(hours=1),
                state="closed" if n < closed else "open", rules=[], pii=[],
                first_response_at=NOW if n < closed else None))


def _analysed(engine: Engine) -> set[str]:
    """The tables and indexes the planner has statistics for."""
    with engine.connect() as conn:
        if is_postgres(engine):
            return {str(name) for (name,) in conn.exec_driver_sql(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")}
        has = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
        if has is None:
            return set()
        return {str(name) for row in conn.exec_driver_sql("SELECT tbl, idx FROM sqlite_stat1")
                for name in row if name}


def test_refreshing_gives_the_planner_the_open_states_indexes(engine: Engine) -> None:
    _messages(engine, closed=60, still_open=3)
    refresh_statistics(engine)
    analysed = _analysed(engine)
    assert "messages" in analysed
    if not is_postgres(engine):  # SQLite keeps a line per index, the partial ones too
        assert "ix_messages_unanswered_due" in analysed


def test_upgrading_the_schema_leaves_statistics(tmp_path: Path) -> None:
    config = tmp_path / "socialdesk.toml"
    database = tmp_path / "desk.db"
    config.write_text(f'[database]\nurl = "sqlite:///{database}"\n', encoding="utf-8")
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first() is not None
    finally:
        engine.dispose()

