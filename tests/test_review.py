"""A supervisor's review of held replies: release after checking, record as sent, cancel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from socialdesk.app import review
from socialdesk.app.views import InvalidRequest
from socialdesk.desk import outbox, triage
from socialdesk.desk.outbox import queue_reply
from socialdesk.store.models import AuditLog, Message, Reply
from tests.desk_helpers import START, Rig, make_rig

NOON = timedelta(hours=4, minutes=30)


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    return make_rig(engine, tmp_path)


def _hold_uncertain_send(rig: Rig) -> int:
    """A reply whose send may have reached the platform: the send raised after it arrived,
    and the platform cannot be searched, so the outbox holds it."""
    rig.say("sb-x", "@haiDJPb terima kasih min", at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.poll_all()
    triage.run_once(rig.desk)
    with rig.session() as s, s.begin():
        reply = s.scalars(select(Reply)).one()
        reply.state, reply.reason = "held", "uncertain: the sender stopped; check the thread"
        return reply.id


def test_it_lists_held_replies_with_their_reason(rig: Rig) -> None:
    reply_id = _hold_uncertain_send(rig)
    rows = review.held(rig.desk)
    assert [r.id for r in rows] == [reply_id]
    assert rows[0].reason.startswith("uncertain") and rows[0].account == "sb-x"


def test_it_sends_a_released_reply_once(rig: Rig) -> None:
    reply_id = _hold_uncertain_send(rig)
    assert review.release(rig.desk, reply_id, actor="supervisor1").state == "queued"
    assert [o.state for o in outbox.run_once(rig.desk)] == ["sent"]
    assert len(rig.network.replies("sb-x")) == 1
    with rig.session() as s:
        audit = s.scalars(select(AuditLog)).one()
        assert (audit.actor, audit.action) == ("supervisor1", "reply_release")


def test_it_records_a_reply_found_in_the_thread_as_sent(rig: Rig) -> None:
    reply_id = _hold_uncertain_send(rig)
    review.mark_sent(rig.desk, reply_id, actor="supervisor1", platform_id="found-123")
    assert outbox.run_once(rig.desk) == []
    assert rig.network.replies("sb-x") == []
    with rig.session() as s:
        reply = s.get(Reply, reply_id)
        assert reply is not None and (reply.state, reply.platform_id) == ("sent", "found-123")
        message = s.get(Message, reply.message_id)
        assert message is not None and message.first_response_at is not None


def test_it_never_releases_a_reply_the_guard_blocked(rig: Rig) -> None:
    rig.say("sb-fb", "min mau tanya soal revisi DIPA", at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.poll_all()
    with rig.session() as s, s.begin():
        message = s.scalars(select(Message)).one()
        message.triaged_at = rig.clock()
        queue_reply(s, account_id=message.account_id, message_id=message.id,
                    text="NIK Bapak 3201011203900004 sudah kami catat", now=rig.clock(),
                    idempotency_key="agent:x:1", author="agent1")
    held = [o for o in outbox.run_once(rig.desk) if o.state == "held"]
    assert held
    with pytest.raises(InvalidRequest, match="cancel it"):
        review.release(rig.desk, held[0].reply_id, actor="supervisor1")
    assert review.cancel(rig.desk, held[0].reply_id, actor="supervisor1").state == "cancelled"
    assert rig.network.replies("sb-fb") == []
    with rig.session() as s:
        assert s.scalars(select(Message)).one().state == "open"


def test_it_refuses_to_review_a_reply_that_is_not_held(rig: Rig) -> None:
    reply_id = _hold_uncertain_send(rig)
    review.cancel(rig.desk, reply_id, actor="supervisor1")
    with pytest.raises(InvalidRequest, match="not held"):
        review.release(rig.desk, reply_id, actor="supervisor1")
