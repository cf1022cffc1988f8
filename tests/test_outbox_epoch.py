"""The outbox's restart marker (migration 0010). On PostgreSQL a send's outcome is committed
without waiting for the disk, so a crash of the database server can lose the outcomes of
several sends of one claim. Crash recovery empties the UNLOGGED outbox_epoch table, so the
claim's stored token is no longer current, and reconciliation must take every row of that
claim for possibly sent: looked for in the thread, never sent a second time. A worker that
dies while the server runs on still leaves only its first unrecorded send in doubt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, inspect, select, text, update

from socialdesk.desk import outbox, triage
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import current_revision, upgrade
from socialdesk.store.models import Message, OutboxEpoch, Reply
from tests.conftest import PG_ENV, _pg_url, pg_schema
from tests.desk_helpers import START, Rig, make_rig, send_thanks

NOON = START + timedelta(hours=4, minutes=30)


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    return make_rig(engine, tmp_path)


def _lose_outcomes(rig: Rig, reply_ids: list[int]) -> None:
    """Put the replies back in `sending` under one claim, as a lost commit leaves them (the
    epoch the claim stored stays)."""
    claimed_at = rig.clock() - timedelta(seconds=1)
    with rig.session() as s, s.begin():
        for reply_id in reply_ids:
            reply = s.get(Reply, reply_id)
            assert reply is not None
            s.execute(update(Reply).where(Reply.id == reply_id).values(
                state="sending", claimed_by=rig.desk.worker_id, claimed_at=claimed_at,
                platform_id=None, sent_at=None, reason=None, attempts=Reply.attempts - 1))
            s.execute(update(Message).where(Message.id == reply.message_id)
                      .values(first_response_at=None))


def _server_crash(rig: Rig) -> None:
    """What PostgreSQL's crash recovery does to the UNLOGGED table: it is emptied."""
    with rig.session() as s, s.begin():
        s.execute(delete(OutboxEpoch))


def _reconcile(rig: Rig) -> list[tuple[int, str]]:
    rig.clock.advance(outbox.STALE_AFTER + timedelta(minutes=1))
    return [(o.reply_id, o.detail) for o in outbox.reconcile_stale(rig.desk)]


@pytest.mark.postgres
def test_after_a_crash_of_the_database_server_every_row_of_the_claim_is_looked_for(
        pg_rig: Rig) -> None:
    ids = send_thanks(pg_rig, 3)
    _lose_outcomes(pg_rig, ids[1:])
    _server_crash(pg_rig)
    assert _reconcile(pg_rig) == [(ids[1], "reconcile: uncertain"),
                                  (ids[2], "reconcile: uncertain")]
    assert sorted((o.reply_id, o.state) for o in outbox.run_once(pg_rig.desk)) == [
        (ids[1], "sent"), (ids[2], "sent")]
    assert len(pg_rig.network.replies("sb-x")) == 3, "a reply was sent again"


def test_a_dead_worker_leaves_only_its_first_unrecorded_send_in_doubt(rig: Rig) -> None:
    ids = send_thanks(rig, 3)
    _lose_outcomes(rig, ids[1:])
    assert _reconcile(rig) == [(ids[1], "reconcile: uncertain"),
                               (ids[2], "reconcile: not tried")]


@pytest.mark.postgres
def test_a_claim_after_a_crash_writes_a_new_token_and_stores_it(pg_rig: Rig) -> None:
    for n in range(3):
        pg_rig.say("sb-x", f"@haiDJPb terima kasih min #{n}", at=timedelta(hours=4, minutes=n),
                   author=f"warga_{n}")
    pg_rig.clock.set(NOON)
    pg_rig.poll_all()
    triage.run_once(pg_rig.desk)
    before = outbox.claim_jobs(pg_rig.desk, limit=1)
    _server_crash(pg_rig)
    after = outbox.claim_jobs(pg_rig.desk, limit=1)
    again = outbox.claim_jobs(pg_rig.desk, limit=1)
    with pg_rig.session() as s:
        token = s.scalar(select(OutboxEpoch.token))
    assert token is not None and before[0].epoch is not None
    assert [after[0].epoch, again[0].epoch] == [token, token]
    assert before[0].epoch != token, "the claim from before the crash must not look current"


@pytest.mark.postgres
def test_an_outcome_that_did_not_wait_leaves_its_pooled_connection_waiting_again(
        pg_rig: Rig) -> None:
    send_thanks(pg_rig, 2)
    engine = pg_rig.desk.engine
    held = [engine.connect() for _ in range(max(1, engine.pool.checkedin()))]
    try:
        assert {c.execute(text("SHOW synchronous_commit")).scalar() for c in held} == {"on"}
    finally:
        for conn in held:
            conn.close()


@pytest.fixture
def pg_rig(engine: Engine, tmp_path: Path) -> Rig:
    if engine.dialect.name != "postgresql":
        pytest.skip("the restart marker guards PostgreSQL's commits that do not wait")
    return make_rig(engine, tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def bare_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of its own (the shared test schema stays at head)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
        yield engine
        engine.dispose()
        return
    url = _pg_url()
    if url is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    with pg_schema(url, "sd_mig") as engine:
        yield engine


def _downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    from socialdesk.store.migrate import alembic_config

    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def test_migration_0010_adds_the_marker_and_takes_it_away_again(bare_engine: Engine) -> None:
    upgrade(bare_engine, "0010")
    schema = inspect(bare_engine)
    assert "claim_epoch" in {c["name"] for c in schema.get_columns("replies")}
    assert "outbox_epoch" in schema.get_table_names()
    if bare_engine.dialect.name == "postgresql":
        with bare_engine.connect() as conn:
            persistence = conn.execute(text(
                "SELECT relpersistence FROM pg_class WHERE relname = 'outbox_epoch' "
                "AND relnamespace = current_schema()::regnamespace")).scalar()
        assert persistence == "u", "crash recovery must empty the table: UNLOGGED"
    _downgrade(bare_engine, "0009")
    schema = inspect(bare_engine)
    assert current_revision(bare_engine) == "0009"
    assert "claim_epoch" not in {c["name"] for c in schema.get_columns("replies")}
    assert "outbox_epoch" not in schema.get_table_names()
    upgrade(bare_engine)
    assert "claim_epoch" in {c["name"] for c in inspect(bare_engine).get_columns("replies")}
