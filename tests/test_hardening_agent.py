"""Issue 13, point 11: agent commands that used to do the wrong thing quietly."""
# ruff: noqa: F811  (tests take the imported fixtures by name)

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from socialdesk.app import actions
from socialdesk.desk.context import Desk
from socialdesk.store.db import transaction
from socialdesk.store.models import Reply
from tests.test_agent_actions import (  # noqa: F401  (fixtures)
    NOW,
    SimClock,
    _account,
    _message,
    clock,
    desk,
)


def test_it_cancels_a_queued_reply_when_the_message_is_closed(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        message_id = _message(s, _account(s))
    queued = actions.reply(desk, message_id, actor="sari", text="Baik, kami cek dahulu ya.")
    closed = actions.close(desk, message_id, actor="sari")
    assert closed.cancelled == (queued.reply_id,)
    with desk.sessions() as s:
        assert s.scalars(select(Reply.state)).all() == ["cancelled"]


def test_it_refuses_a_private_reply_where_the_platform_has_none(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        message_id = _message(s, _account(s, "yt-main", "youtube"), platform="youtube",
                              kind="comment")
    with pytest.raises(actions.InvalidRequest, match="youtube has no private replies"):
        actions.reply(desk, message_id, actor="sari", text="Mohon cek pesan.", private=True)


def test_it_refuses_another_item_for_a_message_that_has_a_ticket(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        message_id = _message(s, _account(s), service="8", item="8.1.b")
    first = actions.escalate(desk, message_id, actor="sari")
    with pytest.raises(actions.InvalidRequest, match=f"already has ticket {first.ticket_number}"):
        actions.escalate(desk, message_id, actor="sari", item_id="8.1.a")
    again = actions.escalate(desk, message_id, actor="sari")  # the same ticket, as before
    assert not again.opened and again.ticket_number == first.ticket_number


def test_it_shows_no_resolution_on_a_reopened_ticket(desk: Desk, clock: SimClock) -> None:
    with transaction(desk.sessions) as s:
        message_id = _message(s, _account(s), service="8", item="8.1.b")
    number = actions.escalate(desk, message_id, actor="sari").ticket_number
    assert actions.set_ticket_state(desk, number, "resolved", actor="sari").resolved_at == NOW
    clock.at = NOW + timedelta(hours=1)
    assert actions.set_ticket_state(desk, number, "in_progress", actor="sari").resolved_at is None
    clock.at = NOW + timedelta(hours=2)
    later = actions.set_ticket_state(desk, number, "resolved", actor="sari")
    assert later.resolved_at == NOW + timedelta(hours=2)


def test_it_shows_no_negative_age_and_no_clock_for_an_ignored_message(desk: Desk) -> None:
    with transaction(desk.sessions) as s:
        acc = _account(s)
        ahead = _message(s, acc, received=NOW + timedelta(minutes=3))
        ignored = _message(s, acc, state="ignored", due=NOW - timedelta(hours=1))
    entries = {e.id: e for e in actions.queue(desk, actions.QueueFilter(
        states=("open", "ignored")))}
    assert entries[ahead].age == timedelta(0)
    assert entries[ignored].response_due_at is None
    assert not entries[ignored].late and entries[ignored].due_in is None
