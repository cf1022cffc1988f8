"""Intake keeps one conversation per platform thread and its time of last message."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from socialdesk.connectors.sandbox_network import ScenarioMessage
from socialdesk.desk.poll import poll_stream
from socialdesk.store.models import Conversation, Message, PollCursor
from tests.desk_helpers import START, make_rig


def _dm(number: int, minutes: int, thread: str) -> ScenarioMessage:
    return ScenarioMessage(account="sb-x", stream="dms", kind="dm", author_handle="warga_a",
                           text=f"pesan ke-{number} soal SP2D", offset=timedelta(minutes=minutes),
                           platform_id=f"dm-{number}", conversation_id=thread)


def test_it_files_a_threads_later_message_under_its_conversation_and_moves_its_time(
        engine: Engine, tmp_path: Path) -> None:
    rig = make_rig(engine, tmp_path)
    rig.network.add_message(_dm(1, 1, "thread-a"))
    rig.network.add_message(_dm(2, 5, "thread-a"))
    rig.clock.set(START + timedelta(minutes=2))
    poll_stream(rig.desk, "sb-x", "dms")
    with rig.session() as s:
        opened = s.scalars(select(Conversation)).one()
        assert opened.last_message_at == START + timedelta(minutes=2)
    rig.clock.set(START + timedelta(minutes=7))
    poll_stream(rig.desk, "sb-x", "dms")
    with rig.session() as s:
        conversation = s.scalars(select(Conversation)).one()
        assert conversation.id == opened.id
        assert conversation.last_message_at == START + timedelta(minutes=7)
        threads = s.scalars(select(Message.conversation_id).order_by(Message.platform_id)).all()
        assert threads == [conversation.id, conversation.id]


def test_it_leaves_a_threads_time_alone_when_a_message_comes_again(
        engine: Engine, tmp_path: Path) -> None:
    rig = make_rig(engine, tmp_path)
    rig.network.add_message(_dm(1, 1, "thread-b"))
    rig.clock.set(START + timedelta(minutes=2))
    poll_stream(rig.desk, "sb-x", "dms")
    with rig.session() as s:
        s.execute(PollCursor.__table__.update().values(cursor=None))
        s.commit()
    rig.clock.set(START + timedelta(minutes=9))
    again = poll_stream(rig.desk, "sb-x", "dms")
    with rig.session() as s:
        conversation = s.scalars(select(Conversation)).one()
    assert again.duplicates == 1
    assert conversation.last_message_at == START + timedelta(minutes=2)


def test_it_gives_each_thread_its_own_conversation(engine: Engine, tmp_path: Path) -> None:
    rig = make_rig(engine, tmp_path)
    rig.network.add_message(_dm(1, 1, "thread-c"))
    rig.network.add_message(_dm(2, 2, "thread-d"))
    rig.network.add_message(_dm(3, 3, "thread-c"))
    rig.clock.set(START + timedelta(minutes=5))
    poll_stream(rig.desk, "sb-x", "dms")
    with rig.session() as s:
        by_thread = {c.platform_thread_id: c.id for c in s.scalars(select(Conversation))}
        rows = s.execute(select(Message.platform_id, Message.conversation_id)).all()
    assert set(by_thread) == {"thread-c", "thread-d"}
    assert dict(rows) == {"dm-1": by_thread["thread-c"], "dm-2": by_thread["thread-d"],
                          "dm-3": by_thread["thread-c"]}
