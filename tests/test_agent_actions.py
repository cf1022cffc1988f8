"""The agent operations of socialdesk.app.actions, on SQLite and (when configured) PostgreSQL,
with a simulated clock: Tuesday 10 March 2026, 09:30 WIB, an ordinary working day."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session

from socialdesk.app import actions
from socialdesk.app.queue_read import read_queue
from socialdesk.core.catalog import Catalog, load_catalog
from socialdesk.core.clock import WorkingCalendar
from socialdesk.core.settings import parse_settings
from socialdesk.desk import triage as triage_worker
from socialdesk.desk.context import Desk
from socialdesk.desk.tickets import STATE_WORDS
from socialdesk.rules.assess import Triage
from socialdesk.rules.guard import Guard
from socialdesk.rules.replies import Replies
from socialdesk.store.db import is_postgres, session_factory, transaction
from socialdesk.store.models import Account, AuditLog, Conversation, Message, Reply, Ticket
from socialdesk.store.reader import open_reader

WIB = timezone(timedelta(hours=7))
NOW = datetime(2026, 3, 10, 9, 30, tzinfo=WIB)
REPO = Path(__file__).resolve().parent.parent
NIK = "3171234567890001"


@dataclass
class SimClock:
    at: datetime = NOW

    def __call__(self) -> datetime:
        return self.at


@cache
def _parts() -> tuple[Catalog, Triage, Guard, Replies]:
    guard = Guard.default()
    return load_catalog(), Triage.default(), guard, Replies.load(None, guard)


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
def desk(engine: Engine, clock: SimClock) -> Desk:
    catalog, triage, guard, replies = _parts()
    settings = parse_settings({}, "test", None, {})
    return Desk(settings=settings, engine=engine, sessions=session_factory(engine),
                calendar=WorkingCalendar(), catalog=catalog, _triage=triage, guard=guard,
                replies=replies, now=clock, worker_id="test")


def _account(session: Session, name: str = "x-main", platform: str = "x") -> int:
    account = Account(name=name, platform=platform, handle="haiDJPb")
    session.add(account)
    session.flush()
    return account.id


def _message(
    session: Session, account_id: int, *, text: str = "min tolong dibantu", kind: str = "mention",
    platform: str = "x", received: datetime = NOW - timedelta(minutes=10),
    due: datetime | None = None, state: str = "open", service: str | None = None,
    item: str | None = None, conversation_id: int | None = None,
    answered: datetime | None = None, triaged: bool = True,
) -> int:
    message = Message(
        account_id=account_id, platform=platform, stream="mentions",
        platform_id=f"p{session.scalar(select(func.count()).select_from(Message))}",
        kind=kind, author_id="u1", author_handle="@budi", text=text,
        platform_created_at=received, received_at=received, conversation_id=conversation_id,
        state=state, response_due_at=due or received + timedelta(hours=1),
        first_response_at=answered, triaged_at=received if triaged else None,
        service_id=service, item_id=item, intent="question" if triaged else None,
        action="agent" if triaged else None, confidence=0.8 if triaged else None,
        rules=["svc:sakti", "kw:reset"] if triaged else [], pii=[],
    )
    session.add(message)
    session.flush()
    return message.id


def _count(desk: Desk, model: type[Reply] | type[AuditLog] | type[Ticket]) -> int:
    with desk.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


# The console reads the queue through its SQLAlchemy session, the `queue` command through the
# database's own driver (store.reader, without importing SQLAlchemy): both must agree.
QueueReader = Callable[..., list[actions.QueueEntry]]


@pytest.fixture(params=["session", "driver"])
def via(request: pytest.FixtureRequest, desk: Desk) -> Iterator[QueueReader]:
    if request.param == "session":
        yield actions.queue
        return
    url = desk.engine.url.render_as_string(hide_password=False)
    if is_postgres(desk.engine):  # the run's own schema, as a libpq option in the URL
        with desk.engine.connect() as conn:
            schema = conn.scalar(text("SHOW search_path"))
        url += f"?options={quote(f'-csearch_path={schema}')}"
    reader = open_reader(url)
    assert reader is not None

    def through_driver(on: Desk, wanted: actions.QueueFilter | None = None
                       ) -> list[actions.QueueEntry]:
        return read_queue(reader.rows, reader.dialect, on.calendar, lambda: on.catalog,
                          on.now(), wanted or actions.QueueFilter(),
                          warn_minutes=on.settings.sla.warn_before_minutes)

    try:
        yield through_driver
    finally:
        reader.close()


# -- queue -----------------------------------------------------------------------------------

def test_it_lists_the_queue_oldest_response_due_first(desk: Desk, via: QueueReader) -> None:
    with transaction(desk.sessions) as s:
        acc = _account(s)
        later = _message(s, acc, due=NOW + timedelta(minutes=50))
        first = _message(s, acc, due=NOW - timedelta(minutes=5))
        middle = _message(s, acc, due=NOW + timedelta(minutes=20), state="waiting")
        _message(s, acc, due=NOW - timedelta(hours=2), state="closed")
        _message(s, acc, due=NOW - timedelta(hours=3), state="ignored")
        new = _message(s, acc, due=NOW + timedelta(minutes=55), state="new", triaged=False)
    entries = via(desk)
    assert [e.id for e in entries] == [first, middle, later, new]
    assert entries[0].late and entries[0].due_in is None
    assert entries[1].due_in == timedelta(minutes=20) and not entries[1].late
    assert entries[0].age == timedelta(minutes=10)
    assert entries[0].account == "x-main" and entries[0].author == "@budi"
    assert [e.id for e in via(desk, actions.QueueFilter(limit=2))] == [first, middle]


def test_it_counts_the_time_left_in_working_hours(desk: Desk, via: QueueReader,
                                                  clock: SimClock) -> None:
    friday = datetime(2026, 3, 13, 15, 45, tzinfo=WIB)
    with transaction(desk.sessions) as s:
        acc = _account(s)
        # Arrived 15 minutes before closing: 45 minutes of the hour are left for Monday.
        _message(s, acc, received=friday, due=desk.calendar.add(friday, 1))
    clock.at = datetime(2026, 3, 14, 11, 0, tzinfo=WIB)  # Saturday: the clock stands still
    (entry,) = via(desk)
    assert entry.response_due_at == datetime(2026, 3, 16, 8, 45, tzinfo=WIB)
    assert entry.due_in == timedelta(minutes=45)
    assert entry.age == timedelta(hours=19, minutes=15)


def test_it_filters_the_queue_by_state_platform_service_and_risk(desk: Desk,
                                                                via: QueueReader) -> None:
    with transaction(desk.sessions) as s:
        x, ig = _account(s), _account(s, "ig-main", "instagram")
        soon = _message(s, x, due=NOW + timedelta(minutes=10), service="8", item="8.1.b")
        calm = _message(s, ig, platform="instagram", kind="comment",
                        due=NOW + timedelta(minutes=50), service="8", item="8.2.a")
        answered = _message(s, x, due=NOW - timedelta(minutes=5), service="3",
                            answered=NOW - timedelta(minutes=30), state="waiting")
        late = _message(s, ig, platform="instagram", due=NOW - timedelta(minutes=1))
        done = _message(s, x, state="closed", service="8")

    def ids(wanted: actions.QueueFilter) -> list[int]:
        return [e.id for e in via(desk, wanted)]

    q = actions.QueueFilter
    # An answered message (waiting on its ticket) comes after every unanswered one.
    assert ids(q(platforms=("twitter",))) == [soon, answered]
    assert ids(q(platforms=("instagram",))) == [late, calm]
    assert ids(q(services=("8",))) == [soon, calm]
    assert ids(q(services=("8.1.b",))) == [soon]
    assert ids(q(services=("3", "8.2.a"))) == [calm, answered]
    # Warned 15 working minutes ahead; a message already answered is no longer at risk.
    assert ids(q(at_risk=True)) == [late, soon]
    assert ids(q(states=("closed",))) == [done]
    assert ids(q(states=("waiting",), at_risk=True)) == []


def test_it_puts_answered_messages_below_every_unanswered_one(desk: Desk, via: QueueReader) -> None:
    with transaction(desk.sessions) as s:
        acc = _account(s)
        answered = _message(s, acc, due=NOW - timedelta(hours=1), state="waiting",
                            answered=NOW - timedelta(minutes=55))
        later = _message(s, acc, due=NOW + timedelta(minutes=50))
        sooner = _message(s, acc, due=NOW + timedelta(minutes=5), state="waiting")
    assert [e.id for e in via(desk)] == [sooner, later, answered]
    assert [e.id for e in via(desk, actions.QueueFilter(limit=2))] == [sooner, later]


def _queue_statements(desk: Desk, wanted: actions.QueueFilter) -> list[tuple[str, Any]]:
    """The statements (with their parameters) that read the queue's messages."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if "FROM messages" in statement:
            seen.append((statement, parameters))

    event.listen(desk.engine, "before_cursor_execute", note)
    try:
        actions.queue(desk, wanted)
    finally:
        event.remove(desk.engine, "before_cursor_execute", note)
    return seen


def test_it_reads_the_at_risk_queue_in_one_statement(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        acc = _account(s)
        for minutes in range(0, 40, 4):
            _message(s, acc, due=NOW + timedelta(minutes=minutes))
    assert len(_queue_statements(desk, actions.QueueFilter(at_risk=True))) == 1
    # Warned 15 working minutes ahead: due in 0, 4, 8 and 12 minutes.
    assert len(actions.queue(desk, actions.QueueFilter(at_risk=True))) == 4


def test_it_reads_the_top_of_the_queue_from_its_partial_index(desk: Desk) -> None:
    if is_postgres(desk.engine):
        pytest.skip("PostgreSQL plans a table this small with a scan; bench/bench_queue.py "
                    "shows the index in use at a million rows")
    with transaction(desk.sessions) as s:
        acc = _account(s)
        for _ in range(200):  # most of a year's messages are done with
            _message(s, acc, state="closed", answered=NOW - timedelta(days=1))
        for _ in range(5):
            _message(s, acc)
    with desk.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")  # plans follow the statistics of a real database
    for wanted in (actions.QueueFilter(), actions.QueueFilter(at_risk=True)):
        statement, parameters = _queue_statements(desk, wanted)[0]
        with desk.engine.connect() as conn:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters))
        assert "ix_messages_unanswered_due" in plan, plan


def test_it_rejects_unknown_queue_filters(desk: Desk) -> None:
    for wanted, named in [(actions.QueueFilter(states=("pending",)), "pending"),
                          (actions.QueueFilter(platforms=("tiktok",)), "tiktok"),
                          (actions.QueueFilter(services=("99",)), "99"),
                          (actions.QueueFilter(limit=0), "limit")]:
        with pytest.raises(actions.InvalidRequest, match=named):
            actions.queue(desk, wanted)


def test_it_masks_personal_data_of_every_message_until_revealed(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        acc = _account(s)
        public = _message(s, acc, text=f"NIK saya {NIK}\nmohon dicek", kind="comment")
        private = _message(s, acc, text=f"NIK saya {NIK}", kind="dm")
    by_id = {e.id: e for e in actions.queue(desk)}
    assert NIK not in by_id[public].text and "[NIK]" in by_id[public].text
    assert by_id[public].text == "NIK saya [NIK] mohon dicek"
    assert NIK not in by_id[private].text
    assert NIK not in actions.show(desk, public).text
    assert NIK not in actions.show(desk, private).text
    from socialdesk.app.reveal import reveal

    assert NIK in reveal(desk, private, actor="andi")
    with desk.sessions() as s:
        assert s.scalars(select(AuditLog.action).where(AuditLog.actor == "andi")).all() == [
            "reveal"]


# -- show ------------------------------------------------------------------------------------

def test_it_shows_a_message_with_why_thread_replies_and_ticket(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        acc = _account(s)
        conv = Conversation(account_id=acc, platform_thread_id="t1", author_handle="@budi")
        s.add(conv)
        s.flush()
        earlier = _message(s, acc, conversation_id=conv.id, text=f"halo min, NIK {NIK}",
                           received=NOW - timedelta(minutes=20), state="closed")
        target = _message(s, acc, conversation_id=conv.id, service="8", item="8.1.b",
                          text="reset password sakti dong")
        _message(s, acc, text="another thread")
    actions.escalate(desk, target, actor="sari")
    detail = actions.show(desk, target)
    assert detail.entry.id == target and detail.text == "reset password sakti dong"
    c = detail.classification
    assert c is not None
    assert (c.service_id, c.service_name) == ("8", "Layanan SAKTI")
    assert (c.item_id, c.item_name) == ("8.1.b", "Reset Password User SAKTI nonsatker")
    assert c.rules == ("svc:sakti", "kw:reset") and c.intent == "question"
    assert [t.id for t in detail.thread] == [earlier]
    assert NIK not in detail.thread[0].text
    assert [(r.template, r.author, r.state) for r in detail.replies] == [
        ("escalate", "sari", "queued")]
    assert detail.ticket is not None and detail.ticket.number == "HAI-2026-000001"
    assert [e.kind for e in detail.ticket.events] == ["opened"]


def test_it_shows_an_untriaged_message_without_classification(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s), state="new", triaged=False)
    detail = actions.show(desk, mid)
    assert detail.classification is None and detail.ticket is None
    assert detail.thread == () and detail.replies == ()


# -- reply -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "reason"), [
    ("Menurut PMK tersebut, Kakak wajib mengembalikan dana itu.", "interpretation"),
    (f"Baik Kak, NIK Kakak {NIK} sudah kami catat.", "pii:nik"),
])
def test_it_refuses_a_reply_the_guard_blocks(desk: Desk, text: str, reason: str) -> None:
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s))
    with pytest.raises(actions.ReplyRefused) as refused:
        actions.reply(desk, mid, actor="sari", text=text)
    assert reason in refused.value.reasons
    assert _count(desk, Reply) == 0 and _count(desk, AuditLog) == 0
    with desk.sessions() as s:
        message = s.get(Message, mid)
        assert message is not None and message.state == "open" and message.closed_at is None


def test_it_queues_an_agent_reply_with_a_numbered_key_and_an_audit_row(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        acc = _account(s)
        mid = _message(s, acc)
        other = _message(s, acc)
    one = actions.reply(desk, mid, actor="sari", text="Baik Kak, kami cek dulu ya.")
    two = actions.reply(desk, mid, actor="budi", text="Sudah kami cek, Kak.", private=True)
    three = actions.reply(desk, other, actor="sari", text="Halo Kak.")
    assert [one.idempotency_key, two.idempotency_key, three.idempotency_key] == [
        f"agent:{mid}:1", f"agent:{mid}:2", f"agent:{other}:1"]
    assert (one.kind, two.kind, one.message_state) == ("reply", "private", "closed")
    with desk.sessions() as s:
        reply = s.get(Reply, one.reply_id)
        assert reply is not None
        assert (reply.author, reply.state, reply.text, reply.message_id) == (
            "sari", "queued", "Baik Kak, kami cek dulu ya.", mid)
        message = s.get(Message, mid)
        assert message is not None and message.state == "closed" and message.closed_at == NOW
        audit = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        assert [(a.actor, a.action, a.object_type, a.object_id) for a in audit] == [
            ("sari", "reply", "message", str(mid)), ("budi", "reply", "message", str(mid)),
            ("sari", "reply", "message", str(other))]
        assert audit[0].detail["idempotency_key"] == f"agent:{mid}:1"
        assert audit[0].at == NOW


def test_it_takes_the_next_number_when_another_reply_holds_the_key(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        acc = _account(s)
        mid = _message(s, acc)
        # A reply queued by another agent in the same instant, not yet linked when counted.
        s.add(Reply(account_id=acc, message_id=None, idempotency_key=f"agent:{mid}:1",
                    text="Halo Kak dari budi.", author="budi"))
    done = actions.reply(desk, mid, actor="sari", text="Halo Kak, kami bantu ya.")
    assert done.idempotency_key == f"agent:{mid}:2"
    with desk.sessions() as s:
        texts = {key: text for key, text in s.execute(select(Reply.idempotency_key, Reply.text))}
        assert texts == {f"agent:{mid}:1": "Halo Kak dari budi.",
                         f"agent:{mid}:2": "Halo Kak, kami bantu ya."}


def test_it_renders_a_template_with_the_ticket_and_keeps_the_message_waiting(
    desk: Desk,
) -> None:
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s), service="8", item="8.1.b")
    ticket = actions.escalate(desk, mid, actor="sari").ticket_number
    done = actions.reply(desk, mid, actor="sari", template="ticket_status_found")
    assert ticket in done.text and STATE_WORDS["open"] in done.text
    assert "13 Maret 2026 pukul 09.30 WIB" in done.text
    assert done.message_state == "waiting" and done.template == "ticket_status_found"
    assert done.idempotency_key == f"agent:{mid}:1"


def test_it_names_the_next_opening_outside_working_hours(desk: Desk, clock: SimClock) -> None:
    clock.at = datetime(2026, 3, 14, 10, 0, tzinfo=WIB)
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s), received=clock.at)
    done = actions.reply(desk, mid, actor="sari", template="agent_holding")
    assert "Senin, 16 Maret 2026 pukul 08.00 WIB" in done.text
    clock.at = NOW
    again = actions.reply(desk, mid, actor="sari", template="agent_holding")
    assert "luar jam layanan" not in again.text


def test_it_takes_template_values_from_the_agent(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s))
    done = actions.reply(desk, mid, actor="sari", template="ticket_status_found",
                         variables={"ticket": "HAI-2026-000042", "status": "sedang diproses"})
    assert "HAI-2026-000042" in done.text and "sedang diproses" in done.text


def test_it_reports_a_template_it_cannot_fill(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s))
    with pytest.raises(actions.InvalidRequest, match="needs ticket"):
        actions.reply(desk, mid, actor="sari", template="escalate")
    with pytest.raises(actions.InvalidRequest, match="unknown reply template"):
        actions.reply(desk, mid, actor="sari", template="no_such_reply")
    with pytest.raises(actions.InvalidRequest, match="either"):
        actions.reply(desk, mid, actor="sari")
    with pytest.raises(actions.InvalidRequest, match="empty"):
        actions.reply(desk, mid, actor="sari", text="   ")
    with pytest.raises(actions.InvalidRequest, match="acting user"):
        actions.reply(desk, mid, actor=" ", text="Halo Kak")
    assert _count(desk, Reply) == 0


def test_it_keeps_the_bot_away_from_a_message_an_agent_has_handled(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        acc = _account(s)
        replied = _message(s, acc, state="new", triaged=False)
        closed = _message(s, acc, state="new", triaged=False)
        waiting = _message(s, acc, state="new", triaged=False)
    assert set(triage_worker.pending_ids(desk)) == {replied, closed, waiting}
    actions.reply(desk, replied, actor="sari", text="Halo Kak, kami bantu ya.")
    actions.close(desk, closed, actor="sari")
    actions.escalate(desk, waiting, actor="sari", service_id="8")
    assert triage_worker.pending_ids(desk) == []
    with desk.sessions() as s:
        message = s.get(Message, replied)
        assert message is not None and message.triaged_at == NOW and message.action == "agent"


# -- escalate --------------------------------------------------------------------------------

def test_it_escalates_with_the_item_hours_and_owner_unit(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s), service="8", item="8.1.b")
    done = actions.escalate(desk, mid, actor="sari")
    assert done.opened and done.ticket_number == "HAI-2026-000001"
    assert done.due_at == desk.calendar.add(NOW, timedelta(hours=24))
    assert done.due_at == datetime(2026, 3, 13, 9, 30, tzinfo=WIB)  # three working days
    assert done.owner_unit == desk.catalog.owner_for("8", "8.1.b")
    with desk.sessions() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert (ticket.message_id, ticket.service_id, ticket.item_id) == (mid, "8", "8.1.b")
        assert ticket.events[0].actor == "sari"
        ack = s.get(Reply, done.reply_id)
        assert ack is not None and ack.template == "escalate"
        assert done.ticket_number in ack.text
        assert "Jumat, 13 Maret 2026 pukul 09.30 WIB" in ack.text
        message = s.get(Message, mid)
        assert message is not None and message.state == "waiting"
        audit = s.scalars(select(AuditLog)).one()
        assert (audit.action, audit.detail["ticket"]) == ("escalate", done.ticket_number)


def test_it_escalates_to_the_service_the_agent_names(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s), service="8", item="8.1.b")
    done = actions.escalate(desk, mid, actor="sari", service_id="14")
    assert (done.service_id, done.item_id) == ("14", None)
    # Layanan Broadcast is fulfilled in 8 working hours, not 24.
    assert done.due_at == desk.calendar.add(NOW, timedelta(hours=8))
    assert done.owner_unit == desk.catalog.owner_for("14", None)
    with desk.sessions() as s:
        message = s.get(Message, mid)
        assert message is not None and (message.service_id, message.item_id) == ("14", None)


def test_it_keeps_an_open_ticket_instead_of_opening_another(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s), service="8", item="8.1.b")
    first = actions.escalate(desk, mid, actor="sari")
    again = actions.escalate(desk, mid, actor="budi")
    assert not again.opened and again.ticket_number == first.ticket_number
    assert again.reply_id is None
    assert _count(desk, Ticket) == 1 and _count(desk, Reply) == 1
    actions.set_ticket_state(desk, first.ticket_number, "resolved", actor="sari")
    third = actions.escalate(desk, mid, actor="sari")
    assert third.opened and third.ticket_number == "HAI-2026-000002"


def test_it_names_an_unknown_service_or_item(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        acc = _account(s)
        mid = _message(s, acc, service="8")
        bare = _message(s, acc)
    with pytest.raises(actions.InvalidRequest, match="'99'"):
        actions.escalate(desk, mid, actor="sari", service_id="99")
    with pytest.raises(actions.InvalidRequest, match=re.escape("'8.9.z'")):
        actions.escalate(desk, mid, actor="sari", item_id="8.9.z")
    with pytest.raises(actions.InvalidRequest, match="belongs to service 8"):
        actions.escalate(desk, mid, actor="sari", service_id="3", item_id="8.1.b")
    with pytest.raises(actions.InvalidRequest, match="no service"):
        actions.escalate(desk, bare, actor="sari")
    assert _count(desk, Ticket) == 0


# -- close -----------------------------------------------------------------------------------

def test_it_closes_a_message_with_an_audit_row(desk: Desk, clock: SimClock) -> None:
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s))
    done = actions.close(desk, mid, actor="sari", note="duplicate of 41")
    assert (done.previous_state, done.closed_at) == ("open", NOW)
    clock.at = NOW + timedelta(hours=1)
    again = actions.close(desk, mid, actor="sari")
    assert (again.previous_state, again.closed_at) == ("closed", NOW)
    with desk.sessions() as s:
        audit = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        assert [a.detail["note"] for a in audit] == ["duplicate of 41", ""]
        assert all(a.action == "close" and a.object_id == str(mid) for a in audit)
    assert actions.queue(desk) == []


# -- tickets ---------------------------------------------------------------------------------

def test_it_finds_a_ticket_by_number_in_any_form(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s), service="8", item="8.1.b")
    actions.escalate(desk, mid, actor="sari")
    for form in ("HAI-2026-000001", "hai-2026-000001", "HAI2026000001", "hai 2026 1"):
        assert actions.ticket_detail(desk, form).number == "HAI-2026-000001"
    with pytest.raises(actions.NotFound, match="HAI-2026-000002"):
        actions.ticket_detail(desk, "hai2026000002")
    with pytest.raises(actions.InvalidRequest, match="not a ticket number"):
        actions.ticket_detail(desk, "T-1")


def test_it_moves_a_ticket_through_states_with_history(desk: Desk, clock: SimClock) -> None:
    with transaction(desk.sessions) as s:
        mid = _message(s, _account(s), service="8", item="8.1.b")
    number = actions.escalate(desk, mid, actor="sari").ticket_number
    clock.at = NOW + timedelta(hours=2)
    working = actions.set_ticket_state(desk, number, "in_progress", actor="dit-sitp",
                                       note="diproses")
    assert working.state == "in_progress" and working.resolved_at is None
    clock.at = NOW + timedelta(hours=5)
    done = actions.set_ticket_state(desk, number, "resolved", actor="dit-sitp")
    assert done.resolved_at == NOW + timedelta(hours=5)
    assert [(e.kind, e.actor) for e in done.events] == [
        ("opened", "sari"), ("in_progress", "dit-sitp"), ("resolved", "dit-sitp")]
    assert done.events[1].detail["note"] == "diproses"
    with pytest.raises(actions.InvalidRequest, match="already resolved"):
        actions.set_ticket_state(desk, number, "resolved", actor="sari")
    with pytest.raises(actions.InvalidRequest, match="not 'open'"):
        actions.set_ticket_state(desk, number, "open", actor="sari")
    with desk.sessions() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.object_type == "ticket")).all()
        assert [a.detail["state"] for a in audit] == ["in_progress", "resolved"]


def test_it_raises_not_found_for_unknown_ids(desk: Desk) -> None:
    with pytest.raises(actions.NotFound, match="no message 999"):
        actions.show(desk, 999)
    with pytest.raises(actions.NotFound):
        actions.reply(desk, 999, actor="sari", text="Halo Kak")
    with pytest.raises(actions.NotFound):
        actions.escalate(desk, 999, actor="sari", service_id="8")
    with pytest.raises(actions.NotFound):
        actions.close(desk, 999, actor="sari")
    with pytest.raises(actions.NotFound):
        actions.set_ticket_state(desk, "HAI-2026-000999", "closed", actor="sari")
