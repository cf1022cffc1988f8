"""Issue 13, point 2: a send that outlives its claim is recognised by the claim's fencing
token, and its success is recorded (or held as a duplicate), never silently dropped."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from socialdesk.desk import outbox
from socialdesk.desk.context import Desk
from socialdesk.store.db import transaction
from socialdesk.store.models import Message, Reply
from tests.desk_helpers import Rig, make_rig

TEXT = "Terima kasih, pertanyaan Anda sedang kami periksa."


def _queued_reply(rig: Rig) -> int:
    rig.say("sb-x", "min sp2d saya belum cair", at=timedelta(minutes=-5))
    rig.poll_all()
    with transaction(rig.desk.sessions) as s:
        message = s.scalars(select(Message)).one()
        reply = outbox.queue_reply(s, account_id=message.account_id, text=TEXT,
                                   idempotency_key="k-1", message_id=message.id,
                                   author="agent:ani", now=rig.desk.now())
        return reply.id


def _second_worker(rig: Rig) -> Desk:
    return Desk.from_settings(rig.settings, now=rig.clock, engine=rig.desk.engine,
                              worker_id="test:2")


def _claim(desk: Desk) -> list[outbox.Job]:
    """This worker's claim, as its sends see it."""
    ids = outbox.claim(desk)
    with desk.engine.connect() as conn:
        jobs = outbox._jobs(conn, ids)
    return [jobs[i] for i in ids]


def _reply(rig: Rig, reply_id: int) -> Reply:
    with rig.session() as s:
        reply = s.get(Reply, reply_id)
        assert reply is not None
        return reply


def test_it_records_a_late_success_that_arrives_before_any_resend(
        engine: Engine, tmp_path: Path) -> None:
    rig = make_rig(engine, tmp_path)
    reply_id = _queued_reply(rig)
    (job,) = _claim(rig.desk)
    rig.clock.advance(outbox.STALE_AFTER + timedelta(seconds=1))
    other = _second_worker(rig)
    assert [o.reply_id for o in outbox.reconcile_stale(other)] == [reply_id]
    # The first worker's slow send now lands: it is recorded, not dropped.
    outcome = outbox._send_job(rig.desk, job, reply_id)
    assert outcome.state == "sent"
    assert outbox.run_once(other) == []
    assert len(rig.network.replies("sb-x")) == 1
    stored = _reply(rig, reply_id)
    assert stored.state == "sent" and stored.platform_id == rig.network.replies()[0].platform_id
    assert stored.reason is not None and stored.reason.startswith("late success")


def test_it_holds_a_reply_whose_late_first_send_follows_a_resend(
        engine: Engine, tmp_path: Path) -> None:
    rig = make_rig(engine, tmp_path)
    reply_id = _queued_reply(rig)
    (job,) = _claim(rig.desk)
    rig.clock.advance(outbox.STALE_AFTER + timedelta(seconds=1))
    other = _second_worker(rig)
    outbox.reconcile_stale(other)
    (resent,) = outbox.run_once(other)
    assert resent.state == "sent"
    late = outbox._send_job(rig.desk, job, reply_id)
    sends = rig.network.replies("sb-x")
    assert len(sends) == 2  # the duplicate the platform now shows ...
    stored = _reply(rig, reply_id)
    # ... is named for a person, with both ids, instead of being dropped without a word.
    assert late.state == "held" and stored.state == "held"
    assert stored.reason is not None and "sent twice" in stored.reason
    assert all(s.platform_id in stored.reason for s in sends)


def test_it_fences_out_the_outcome_of_an_older_claim_by_the_same_worker(
        engine: Engine, tmp_path: Path) -> None:
    rig = make_rig(engine, tmp_path)
    reply_id = _queued_reply(rig)
    (old,) = _claim(rig.desk)
    rig.clock.advance(outbox.STALE_AFTER + timedelta(seconds=1))
    outbox.reconcile_stale(rig.desk)
    (new,) = _claim(rig.desk)
    assert new.fence == old.fence + 1
    outbox._send_job(rig.desk, old, reply_id)  # the old claim's send lands late
    # The new claim's own result is now the late one: it cannot settle the row as its own.
    assert outbox._send_job(rig.desk, new, reply_id).state == "held"
    assert "sent twice" in (_reply(rig, reply_id).reason or "")
