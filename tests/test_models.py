from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from socialdesk.store.db import transaction
from socialdesk.store.migrate import current_revision, head_revision, upgrade
from socialdesk.store.models import Account, Base, Message, Reply, Ticket, TicketEvent

WIB = timezone(timedelta(hours=7))


def _account(session: Session) -> Account:
    account = Account(name="x-main", platform="x", handle="haiDJPb")
    session.add(account)
    session.flush()
    return account


def _message(account: Account, platform_id: str = "1") -> Message:
    return Message(account_id=account.id, platform="x", stream="mentions",
                   platform_id=platform_id, kind="mention", text="halo min",
                   platform_created_at=datetime(2026, 3, 17, 9, 0, tzinfo=WIB))


def test_it_migrates_to_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert current_revision(engine) == head_revision(engine)


def test_it_upgrades_an_up_to_date_database_without_change(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)


def test_it_stores_a_message_once_per_account_and_platform_id(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as s:
        account = _account(s)
        s.add(_message(account))
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.add(_message(s.scalars(select(Account)).one()))
    with sessions() as s:
        assert s.scalar(select(text("count(*)")).select_from(Message)) == 1


def test_it_returns_times_as_aware_utc(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        s.add(_message(_account(s)))
    with sessions() as s:
        stored = s.scalars(select(Message)).one().platform_created_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 3, 17, 2, 0, tzinfo=UTC)


def test_it_refuses_naive_times(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(Exception, match="naive datetime"), transaction(sessions) as s:
        message = _message(_account(s))
        message.platform_created_at = datetime(2026, 3, 17, 9, 0)
        s.add(message)


def test_it_rejects_unknown_states_in_the_database(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        message = _message(_account(s))
        message.state = "limbo"
        s.add(message)


def test_it_keeps_one_idempotency_key_per_reply(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        account = _account(s)
        s.add(Reply(account_id=account.id, text="a", idempotency_key="k1"))
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.add(Reply(account_id=s.scalars(select(Account)).one().id, text="b",
                    idempotency_key="k1"))


def test_it_keeps_ticket_history_in_order(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
    with transaction(sessions) as s:
        ticket = Ticket(number="HAI-2026-000001", service_id="8", item_id="8.1.b",
                        owner_unit="SITP", opened_at=now, due_at=now + timedelta(days=3))
        s.add(ticket)
        s.flush()
        for kind in ("opened", "assigned", "resolved"):
            s.add(TicketEvent(ticket_id=ticket.id, actor="bot", kind=kind))
    with sessions() as s:
        stored = s.scalars(select(Ticket)).one()
        assert [e.kind for e in stored.events] == ["opened", "assigned", "resolved"]
        assert stored.events[0].detail == {}


def test_it_enforces_foreign_keys(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.add(Reply(account_id=424242, text="orphan", idempotency_key="k2"))
