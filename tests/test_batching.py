"""Batch work in the pipeline: triage claims and writes a batch at once, the outbox claims a
few replies per statement, intake stores a page with a few statements. Each keeps the
safety of the one-at-a-time version: one owner per message and reply, no reply sent twice,
one message's failure does not lose the others."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text, update

from socialdesk.desk import outbox, triage
from socialdesk.desk.context import Desk
from socialdesk.desk.poll import poll_stream
from socialdesk.desk.tickets import allocate_numbers, next_number
from socialdesk.rules.assess import Triage
from socialdesk.store.db import make_engine
from socialdesk.store.models import Message, Reply, Ticket
from tests.desk_helpers import START, Rig, make_rig

NOON = START + timedelta(hours=4, minutes=30)
SAKTI = "@haiDJPb min sy tdk bisa login SAKTI, user terkunci trs gmn ya #{n}"


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    return make_rig(engine, tmp_path)


def _say_many(rig: Rig, texts: list[str], account: str = "sb-x") -> None:
    for n, body in enumerate(texts):
        rig.say(account, body, at=timedelta(hours=4, minutes=n % 20), author=f"warga_{n}")
    rig.clock.set(NOON)
    rig.poll_all()


def _first_replies(rig: Rig) -> dict[int, list[str]]:
    with rig.session() as s:
        rows = s.execute(select(Reply.message_id, Reply.text)
                         .where(Reply.idempotency_key.like("message:%:first"))).all()
    out: dict[int, list[str]] = {}
    for message_id, body in rows:
        assert message_id is not None
        out.setdefault(message_id, []).append(body)
    return out


def test_it_triages_a_batch_with_ticket_numbers_allocated_as_one_block(rig: Rig) -> None:
    _say_many(rig, [SAKTI.format(n=1), "@haiDJPb halo min", SAKTI.format(n=2),
                    "@haiDJPb terima kasih min"])
    outcomes = triage.run_once(rig.desk)
    assert len(outcomes) == 4
    assert sorted(o.ticket for o in outcomes if o.ticket) == ["HAI-2026-000001",
                                                             "HAI-2026-000002"]
    replies = _first_replies(rig)
    assert len(replies) == 4 and all(len(texts) == 1 for texts in replies.values())
    with rig.session() as s:
        tickets = list(s.scalars(select(Ticket)))
        assert next_number(s, 2026) == "HAI-2026-000003"
    for ticket in tickets:
        assert ticket.message_id is not None
        assert ticket.number in replies[ticket.message_id][0]
    assert triage.run_once(rig.desk) == []


def test_it_hands_only_the_message_whose_rules_fail_to_an_agent(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Triage.run

    def flaky(self: Triage, body: str, *, channel: str, kind: str) -> Any:
        if "meledak" in body:
            raise RuntimeError("a rule blew up")
        return real(self, body, channel=channel, kind=kind)

    monkeypatch.setattr(Triage, "run", flaky)
    _say_many(rig, ["@haiDJPb halo min", "@haiDJPb ini pesan yang meledak",
                    "@haiDJPb terima kasih min"])
    outcomes = {o.message_id: o for o in triage.run_once(rig.desk)}
    assert len(outcomes) == 3
    with rig.session() as s:
        broken = s.scalars(select(Message).where(Message.text.like("%meledak%"))).one()
    assert outcomes[broken.id].held == "triage_error"
    assert (broken.action, broken.state, broken.rules) == ("agent", "open", ["triage_error"])
    assert broken.triaged_at is not None
    assert broken.id not in _first_replies(rig)
    assert len(_first_replies(rig)) == 2


def test_it_triages_one_by_one_when_the_batch_write_fails(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    real = outbox.queue_many
    calls = []

    def fails_for_a_batch(session: Any, replies: Any, *, now: Any) -> None:
        calls.append(len(replies))
        if len(replies) > 1:
            raise RuntimeError("the bulk insert failed")
        real(session, replies, now=now)

    monkeypatch.setattr("socialdesk.desk.triage.queue_many", fails_for_a_batch)
    _say_many(rig, ["@haiDJPb halo min", "@haiDJPb selamat pagi", "@haiDJPb terima kasih min"])
    outcomes = triage.run_once(rig.desk)
    assert calls[0] == 3 and calls[1:] == [1, 1, 1]
    assert len(outcomes) == 3
    assert len(_first_replies(rig)) == 3
    with rig.session() as s:
        assert s.scalar(select(func.count()).select_from(Message)
                        .where(Message.triaged_at.is_(None))) == 0


def test_it_lets_only_one_of_two_overlapping_workers_act_on_a_message(
        rig: Rig, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _say_many(rig, [f"@haiDJPb halo min #{n}" for n in range(6)])
    other = Desk.from_settings(rig.settings, now=rig.clock, engine=engine, worker_id="test:2")
    real = triage._decide_all
    others: list[triage.TriageOutcome] = []

    def interleaved(desk: Desk, session: Any, batch: Any, now: Any) -> Any:
        if desk is rig.desk and not others:
            # The other worker runs while this one is between its read and its write.
            others.extend(triage.run_once(other) or [triage.TriageOutcome(0, "", None)])
        return real(desk, session, batch, now)

    monkeypatch.setattr(triage, "_decide_all", interleaved)
    mine = triage.run_once(rig.desk)
    theirs = [o for o in others if o.message_id]
    assert sorted(o.message_id for o in mine + theirs) == sorted(
        {o.message_id for o in mine + theirs})
    assert len(mine) + len(theirs) == 6
    replies = _first_replies(rig)
    assert len(replies) == 6 and all(len(texts) == 1 for texts in replies.values())


def _queued_thanks(rig: Rig, count: int) -> list[int]:
    _say_many(rig, [f"@haiDJPb terima kasih min #{n}" for n in range(count)])
    triage.run_once(rig.desk)
    with rig.session() as s:
        return sorted(s.scalars(select(Reply.id).where(Reply.state == "queued")))


def test_it_claims_several_replies_at_once_and_counts_only_real_attempts(rig: Rig) -> None:
    ids = _queued_thanks(rig, 4)
    claimed = outbox.claim(rig.desk, 3)
    assert claimed == ids[:3]
    with rig.session() as s:
        states = dict(s.execute(select(Reply.id, Reply.state)).all())
        attempts = set(s.scalars(select(Reply.attempts)))
    assert [states[i] for i in ids] == ["sending", "sending", "sending", "queued"]
    assert attempts == {0}, "a claim is not an attempt"
    assert outbox.claim(rig.desk, 3) == ids[3:]
    rig.network.inject("sb-x", "rate_limit", stream="send", retry_after=60)
    outcome = outbox.send_claimed(rig.desk, ids[0])
    assert outcome.state == "queued"
    with rig.session() as s:
        assert s.get(Reply, ids[0]).attempts == 1  # type: ignore[union-attr]


def test_it_puts_back_a_dead_claims_untried_replies_without_doubt(rig: Rig) -> None:
    ids = _queued_thanks(rig, 3)
    claimed = outbox.claim(rig.desk, 3)
    assert claimed == ids
    # The worker handed the first reply to the platform and died before recording it.
    with rig.session() as s:
        first = s.get(Reply, ids[0])
        assert first is not None
        target = s.get(Message, first.message_id)
        assert target is not None
        rig.network.record_send("sb-x", "reply", target.platform_id, first.text,
                                first.idempotency_key, rig.clock())
    rig.clock.advance(timedelta(minutes=5))
    settled = {o.reply_id: o.detail for o in outbox.reconcile_stale(rig.desk)}
    assert settled == {ids[0]: "reconcile: uncertain", ids[1]: "reconcile: not tried",
                       ids[2]: "reconcile: not tried"}
    with rig.session() as s:
        reasons = dict(s.execute(select(Reply.id, Reply.reason)).all())
    assert reasons[ids[0]] == outbox.STOPPED
    assert reasons[ids[1]] is None and reasons[ids[2]] is None
    assert sorted(o.state for o in outbox.run_once(rig.desk)) == ["sent"] * 3
    sent_to = [s.target_id for s in rig.network.replies("sb-x")]
    assert len(sent_to) == 3 and len(set(sent_to)) == 3


def test_it_returns_the_rest_of_a_claim_when_recording_an_outcome_fails(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _queued_thanks(rig, 3)

    def broken_record(*_args: Any, **_kwargs: Any) -> outbox.Outcome:
        raise RuntimeError("database went away")

    monkeypatch.setattr(outbox, "_finish", broken_record)
    with pytest.raises(RuntimeError):
        outbox.run_once(rig.desk)
    with rig.session() as s:
        states = dict(s.execute(select(Reply.id, Reply.state)).all())
    # The first one's send may have happened: it waits for reconciliation.
    assert [states[i] for i in ids] == ["sending", "queued", "queued"]


def test_it_gives_a_reply_queued_without_a_due_time_one_at_reconciliation(rig: Rig) -> None:
    ids = _queued_thanks(rig, 1)
    with rig.session() as s, s.begin():
        s.execute(update(Reply).values(next_attempt_at=None))
    assert outbox.claim(rig.desk) == []
    outbox.reconcile_stale(rig.desk)
    assert outbox.claim(rig.desk) == ids


def test_it_stores_a_page_with_the_same_few_statements_whatever_its_size(
        rig: Rig, engine: Engine) -> None:
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    counts = []
    for size, account in ((2, "sb-ig"), (20, "sb-fb")):  # one page each (the sandbox's 20)
        for n in range(size):
            rig.say(account, f"kak mau tanya revisi DIPA #{n}", at=timedelta(minutes=1 + n % 9),
                    author=f"warga_{n % 4}")
        rig.clock.set(START + timedelta(minutes=20))
        statements.clear()
        event.listen(engine, "before_cursor_execute", note)
        try:
            result = poll_stream(rig.desk, account, "comments")
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert result.stored == size
        counts.append(sum(1 for s in statements if "messages" in s or "conversations" in s))
    assert counts[0] == counts[1] <= 4


def test_it_allocates_ticket_numbers_as_a_block(rig: Rig) -> None:
    with rig.session() as s, s.begin():
        assert allocate_numbers(s, 2026, 0) == []
        assert allocate_numbers(s, 2026, 3) == [f"HAI-2026-00000{n}" for n in (1, 2, 3)]
        assert next_number(s, 2026) == "HAI-2026-000004"
        assert allocate_numbers(s, 2027, 2) == ["HAI-2027-000001", "HAI-2027-000002"]


@pytest.mark.postgres
def test_it_replaces_a_pooled_connection_the_server_closed(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("socialdesk.store.db.PING_AFTER_IDLE", 0.0)
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    admin = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        with engine.connect() as conn:
            second = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first
    finally:
        engine.dispose()
        admin.dispose()
