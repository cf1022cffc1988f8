"""The outbox gives the connector what the Messenger window needs: the message's time and
whether a person wrote the answer. Real Facebook connector, Graph faked at the HTTP boundary."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses
from sqlalchemy import Engine, select

from socialdesk.connectors.types import InboundMessage, Page
from socialdesk.core.settings import parse_settings, secret_env_name
from socialdesk.desk import outbox
from socialdesk.desk.accounts import sync_accounts
from socialdesk.desk.context import Desk
from socialdesk.desk.intake import store_page
from socialdesk.desk.outbox import queue_reply
from socialdesk.store.models import Account, Message, Reply

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
PAGE = "12345654332"
MESSAGES = re.compile(rf"https://graph\.facebook\.com/v[\d.]+/{PAGE}/messages")


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> Desk:
    settings = parse_settings({
        "database": {"url": f"sqlite:///{tmp_path}/unused.db"},
        "accounts": [{"name": "fb", "platform": "facebook", "handle": "haidjpb",
                      "streams": ["dms"], "options": {"page_id": PAGE}}],
    }, "test-settings", None, {secret_env_name("fb", "page_access_token"): "token"})
    sync_accounts(engine, settings)
    return Desk.from_settings(settings, now=lambda: NOW, engine=engine, worker_id="t:1")


def _dm(desk: Desk, age: timedelta) -> int:
    # The shape of the recorded Messenger webhook message (restfb messaging-message-basic).
    message = InboundMessage(
        platform="facebook", stream="dms", platform_id="mid.1457764197618:41d102a3e1ae206a38",
        kind="dm", author_id="987654321432", author_handle="", text="hello, world!",
        created_at=NOW - age, conversation_id="t_987654321432")
    with desk.sessions() as session, session.begin():
        account = session.scalars(select(Account).where(Account.name == "fb")).one()
        store_page(session, account, "dms", Page((message,), None), now=NOW,
                   calendar=desk.calendar, response_hours=1)
        return int(session.scalars(select(Message.id)).one())


def _queue(desk: Desk, message_id: int, author: str, key: str) -> None:
    with desk.sessions() as session, session.begin():
        queue_reply(session, account_id=1, text="Baik, kami bantu cek.", idempotency_key=key,
                    message_id=message_id, author=author, now=NOW)


def test_a_bot_reply_after_the_window_is_refused_unsent_with_the_reason(
        desk: Desk, rsps: responses.RequestsMock) -> None:
    rsps.add("POST", MESSAGES, json={"message_id": "m_1"})
    _queue(desk, _dm(desk, timedelta(hours=30)), "bot", "k-bot")
    [outcome] = outbox.run_once(desk)
    assert outcome.state == "failed"
    assert "24-hour window" in outcome.detail
    assert len(rsps.calls) == 0
    with desk.sessions() as session:
        assert "24-hour window" in (session.scalars(select(Reply.reason)).one() or "")


def test_an_agents_reply_after_24_hours_goes_with_the_human_agent_tag(
        desk: Desk, rsps: responses.RequestsMock) -> None:
    rsps.add("POST", MESSAGES, json={"message_id": "m_1"})
    _queue(desk, _dm(desk, timedelta(hours=30)), "agent.budi", "k-agent")
    [outcome] = outbox.run_once(desk)
    assert outcome.state == "sent"
    body = json.loads(rsps.calls[0].request.body or b"{}")
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_a_reply_inside_the_window_goes_as_a_response(desk: Desk,
                                                       rsps: responses.RequestsMock) -> None:
    rsps.add("POST", MESSAGES, json={"message_id": "m_1"})
    _queue(desk, _dm(desk, timedelta(hours=2)), "bot", "k-fresh")
    [outcome] = outbox.run_once(desk)
    assert outcome.state == "sent"
    assert json.loads(rsps.calls[0].request.body or b"{}")["messaging_type"] == "RESPONSE"
