"""A send the platform took but whose recorded outcome the database lost (a crash of the
database server after the send): the reply is back in `sending` under its old claim, as if
its worker had died mid-send. Reconciliation must take it for a reply that may have been
sent: looked for in the thread and found, or held for a person, never sent a second time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from socialdesk.connectors.sandbox import SandboxConnector
from socialdesk.desk import outbox
from socialdesk.store.models import Message, Reply
from tests.desk_helpers import Rig, make_rig, send_thanks


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    return make_rig(engine, tmp_path)


def _lose_settlement(rig: Rig, reply_id: int) -> str:
    """Put the reply back as its claim left it before the outcome was recorded; returns
    the platform id the network gave the send."""
    claimed_at = rig.clock() - timedelta(seconds=1)
    with rig.session() as s, s.begin():
        reply = s.get(Reply, reply_id)
        assert reply is not None and reply.platform_id
        platform_id = reply.platform_id
        s.execute(update(Reply).where(Reply.id == reply_id).values(
            state="sending", claimed_by=rig.desk.worker_id, claimed_at=claimed_at,
            platform_id=None, sent_at=None, reason=None, attempts=Reply.attempts - 1))
        s.execute(update(Message).where(Message.id == reply.message_id)
                  .values(first_response_at=None))
    return platform_id


def test_a_send_whose_outcome_the_database_lost_is_found_in_the_thread_not_sent_again(
        rig: Rig) -> None:
    ids = send_thanks(rig, 3)
    platform_id = _lose_settlement(rig, ids[-1])
    rig.clock.advance(outbox.STALE_AFTER + timedelta(minutes=1))
    assert [(o.reply_id, o.detail) for o in outbox.reconcile_stale(rig.desk)] == [
        (ids[-1], "reconcile: uncertain")]
    assert [(o.reply_id, o.state) for o in outbox.run_once(rig.desk)] == [(ids[-1], "sent")]
    assert len(rig.network.replies("sb-x")) == 3, "the reply was sent again"
    with rig.session() as s:
        reply = s.get(Reply, ids[-1])
        assert reply is not None and reply.platform_id == platform_id
        answered = s.scalar(select(Message.first_response_at)
                            .where(Message.id == reply.message_id))
    assert answered is not None, "the message counts as answered again"


def test_a_send_whose_outcome_the_database_lost_is_held_where_the_thread_cannot_be_searched(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = send_thanks(rig, 2)
    _lose_settlement(rig, ids[-1])
    monkeypatch.setattr(SandboxConnector, "can_find_reply", lambda self, target: False)
    monkeypatch.setattr(SandboxConnector, "find_reply", lambda self, target, text: None)
    rig.clock.advance(outbox.STALE_AFTER + timedelta(minutes=1))
    outbox.reconcile_stale(rig.desk)
    assert [(o.reply_id, o.state) for o in outbox.run_once(rig.desk)] == [(ids[-1], "held")]
    assert len(rig.network.replies("sb-x")) == 2, "the reply was sent again"
    with rig.session() as s:
        reason = s.scalar(select(Reply.reason).where(Reply.id == ids[-1]))
    assert reason is not None and "may have reached the platform" in reason
