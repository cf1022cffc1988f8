"""The Meta webhook receiver: every recorded delivery replayed through the routes, signed
with the app secret; bad signatures, the handshake, the body limit; push and poll storing
the same message once."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from sqlalchemy import Engine, func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from socialdesk.connectors.meta_webhooks import parse_delivery, signature_ok
from socialdesk.connectors.types import InboundMessage, Page
from socialdesk.core.settings import parse_settings, secret_env_name
from socialdesk.desk.accounts import sync_accounts
from socialdesk.desk.context import Desk
from socialdesk.desk.intake import store_page
from socialdesk.desk.poll import poll_stream
from socialdesk.store.models import Account, Message
from socialdesk.web.webhooks import PATH, webhook_routes

from .support import FIXTURES, load

SECRET = "app-secret-under-test"
TOKEN = "verify-me"
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
GRAPH = r"https://graph\.facebook\.com/v[\d.]+/"
# The recorded deliveries' accounts: the Page of the feed samples, the Page of the Messenger
# samples, and Meta's dashboard test id "0" for Instagram.
ACCOUNTS = [
    {"name": "fb-feed", "platform": "facebook", "handle": "tester", "streams": ["comments"],
     "options": {"page_id": "1234567890321"}},
    {"name": "fb-chat", "platform": "facebook", "handle": "chat", "streams": ["dms"],
     "options": {"page_id": "12345654332"}},
    {"name": "ig", "platform": "instagram", "handle": "hai.djpb", "streams": ["comments"],
     "options": {"ig_user_id": "0"}},
    {"name": "fb-poll", "platform": "facebook", "handle": "mylife", "streams": ["comments"],
     "options": {"page_id": "2121008874780932"}},
]
RECORDED = sorted(
    [p.relative_to(FIXTURES).as_posix() for p in (FIXTURES / "facebook/restfb/webhooks").glob("*")]
    + [p.relative_to(FIXTURES).as_posix() for p in (FIXTURES / "instagram/restfb").glob("*")])
# What each recorded delivery leaves in an empty desk: messages stored. The feed samples
# are the Page commenting on itself ("Tester" is the Page), so they are its own comments.
STORED = {
    "feed-comment-add-211.json": 0, "feed-comment-add-25.json": 0,
    "feed-comment-add-with-photo.json": 0, "feed-comment-edited-25.json": 0,
    "feed-comment-hide.json": 0, "feed-comment-remove-25.json": 0,
    "mention-comment-add.json": 1, "mention-post-add-real.json": 1,
    "messaging-message-basic.json": 1, "messaging-message-basic-echo.json": 0,
    "messaging-message-reply-1.json": 1, "messaging-seen.json": 0,
    "wh-comments-2021.json": 1, "wh-comments.json": 1, "wh-livecomments.json": 1,
    "wh-mentions.json": 1,
}


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> Desk:
    environ = {secret_env_name(a["name"], "app_secret"): SECRET for a in ACCOUNTS}
    environ |= {secret_env_name(a["name"], "webhook_verify_token"): TOKEN for a in ACCOUNTS}
    environ |= {secret_env_name(a["name"], k): "token" for a in ACCOUNTS
                for k in ("page_access_token", "access_token")}
    settings = parse_settings({"database": {"url": f"sqlite:///{tmp_path}/unused.db"},
                               "accounts": ACCOUNTS}, "test-settings", None, environ)
    sync_accounts(engine, settings)
    return Desk.from_settings(settings, now=lambda: NOW, engine=engine, worker_id="t:1")


@pytest.fixture
def client(desk: Desk) -> TestClient:
    return TestClient(Starlette(routes=webhook_routes(desk)))


def sign(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def count(desk: Desk) -> int:
    with desk.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def test_every_recorded_delivery_is_in_the_replay() -> None:
    assert len(RECORDED) == 16
    assert {Path(p).name for p in RECORDED} == set(STORED)


@pytest.mark.parametrize("recorded", RECORDED, ids=[Path(p).name for p in RECORDED])
def test_it_replays_each_recorded_delivery(recorded: str, client: TestClient, desk: Desk,
                                           rsps: responses.RequestsMock) -> None:
    # The one delivery that needs the Graph API: Instagram names only a mention's ids.
    rsps.add("GET", re.compile(GRAPH + "0"),
             json=load("instagram/python-facebook/users/mentioned_media.json"))
    body = (FIXTURES / recorded).read_bytes()
    answer = client.post(PATH, content=body, headers=sign(body))
    assert answer.status_code == 200
    assert count(desk) == STORED[Path(recorded).name]
    again = client.post(PATH, content=body, headers=sign(body))  # Meta retries
    assert again.status_code == 200 and again.json()["stored"] == 0
    assert count(desk) == STORED[Path(recorded).name]


def test_a_message_pushed_twice_in_different_shapes_is_stored_once(
        client: TestClient, desk: Desk) -> None:
    for name in ("messaging-message-basic.json", "messaging-message-reply-1.json"):
        body = (FIXTURES / "facebook/restfb/webhooks" / name).read_bytes()
        client.post(PATH, content=body, headers=sign(body))
    with desk.sessions() as session:
        message = session.scalars(select(Message)).one()
    assert (message.kind, message.author_id, message.text) == \
        ("dm", "987654321432", "hello, world!")


def test_a_bad_signature_is_refused_and_nothing_is_stored(client: TestClient,
                                                          desk: Desk) -> None:
    body = (FIXTURES / "facebook/restfb/webhooks/mention-post-add-real.json").read_bytes()
    assert client.post(PATH, content=body, headers=sign(body, "wrong")).status_code == 403
    assert client.post(PATH, content=body).status_code == 403
    tampered = body.replace(b"A test post", b"A forged post")
    assert client.post(PATH, content=tampered, headers=sign(body)).status_code == 403
    assert count(desk) == 0


def test_the_signature_check_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"object":"page"}'
    good = "sha256=" + hmac.new(b"s", body, hashlib.sha256).hexdigest()
    assert signature_ok(body, good, [b"other", b"s"])
    assert not signature_ok(body, good.replace("sha256=", "sha1="), [b"s"])
    assert not signature_ok(body, None, [b"s"])
    assert not signature_ok(body, good, [])


def test_the_subscription_handshake_echoes_the_challenge_for_the_right_token(
        client: TestClient) -> None:
    ok = client.get(PATH, params={"hub.mode": "subscribe", "hub.verify_token": TOKEN,
                                  "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    bad = client.get(PATH, params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                   "hub.challenge": "1158201444"})
    assert bad.status_code == 403 and "1158201444" not in bad.text


def test_a_body_over_the_limit_is_refused_before_it_is_read(desk: Desk) -> None:
    small = TestClient(Starlette(routes=webhook_routes(desk, max_body=64)))
    body = (FIXTURES / "facebook/restfb/webhooks/mention-post-add-real.json").read_bytes()
    assert len(body) > 64
    assert small.post(PATH, content=body, headers=sign(body)).status_code == 413
    assert count(desk) == 0


def test_a_push_and_a_poll_of_the_same_comment_store_it_once(
        client: TestClient, desk: Desk, rsps: responses.RequestsMock) -> None:
    listing = load("facebook/python-facebook/history/b87bb290/comment_by_parent_p1.json")
    first = listing["data"][0]
    # The recorded comment, pushed as Meta's feed webhook would (restfb's delivery shape).
    push: dict[str, Any] = {"object": "page", "entry": [{"id": "2121008874780932",
                                                          "time": 1576498180, "changes": [{
        "field": "feed", "value": {
            "item": "comment", "verb": "add", "comment_id": first["id"],
            "post_id": "2498598377021978", "parent_id": "2498598377021978",
            "from": first["from"], "created_time": 1576498180,
            "message": first["message"]}}]}]}
    body = json.dumps(push).encode()
    assert client.post(PATH, content=body, headers=sign(body)).json()["stored"] == 1
    rsps.add("GET", re.compile(GRAPH + "2121008874780932/feed"), json={"data": [
        {"id": "2498598377021978", "created_time": "2019-12-16T12:00:00+0000",
         "comments": {"data": [], "summary": {"total_count": 5}}}]})
    rsps.add("GET", re.compile(GRAPH + "2498598377021978/comments"), json=listing)
    polled = poll_stream(desk, "fb-poll", "comments")
    # Five comments listed, one already pushed: four new, and one row for the pushed one.
    assert polled.stored == 4 and polled.duplicates >= 1
    assert count(desk) == 5


def test_a_hide_on_the_platform_marks_the_stored_comment_hidden(
        client: TestClient, desk: Desk) -> None:
    body = (FIXTURES / "facebook/restfb/webhooks/mention-comment-add.json").read_bytes()
    client.post(PATH, content=body, headers=sign(body))
    hide = json.loads((FIXTURES / "facebook/restfb/webhooks/feed-comment-hide.json").read_text())
    hide["entry"][0]["changes"][0]["value"]["comment_id"] = "7363534231324_3754798971271444"
    raw = json.dumps(hide).encode()
    client.post(PATH, content=raw, headers=sign(raw))
    with desk.sessions() as session:
        assert session.scalars(select(Message.hidden)).one() is True


def test_a_pushed_photo_comment_says_what_was_sent() -> None:
    delivery = parse_delivery(load("facebook/restfb/webhooks/feed-comment-add-with-photo.json"))
    [event] = delivery.events
    assert event.message is not None
    assert event.message.text == "and the next one [gambar]"
    assert event.message.kind == "comment"


CONVERSATIONS = re.compile(GRAPH + "12345654332/conversations")
# Graph's answer to GET /{page-id}/conversations?user_id=...: the conversation's id, as in
# the recorded conversation listings.
THREAD = {"data": [{"id": "t_587956915396498"}]}


def thread_of(desk: Desk, platform_id: str) -> str:
    with desk.sessions() as session:
        message = session.scalars(select(Message).where(Message.platform_id == platform_id)).one()
        assert message.conversation is not None
        return message.conversation.platform_thread_id


def pushed_dm(mid: str, text: str) -> bytes:
    body = load("facebook/restfb/webhooks/messaging-message-basic.json")
    body["entry"][0]["messaging"][0]["message"].update(mid=mid, text=text)
    return json.dumps(body).encode()


def test_pushed_messenger_messages_are_filed_under_graph_s_conversation_asked_once(
        client: TestClient, desk: Desk, rsps: responses.RequestsMock) -> None:
    rsps.add("GET", CONVERSATIONS, json=THREAD)
    for mid, text in (("mid.1", "halo min"), ("mid.2", "tolong dibantu")):
        body = pushed_dm(mid, text)
        assert client.post(PATH, content=body, headers=sign(body)).json()["stored"] == 1
    assert thread_of(desk, "mid.1") == thread_of(desk, "mid.2") == "t_587956915396498"
    [asked] = rsps.calls
    query = parse_qs(urlparse(asked.request.url or "").query)
    assert (query["user_id"], query["platform"]) == (["987654321432"], ["messenger"])


def test_a_push_joins_the_conversation_polling_filed_the_person_under(
        client: TestClient, desk: Desk, rsps: responses.RequestsMock) -> None:
    polled = InboundMessage(platform="facebook", stream="dms", platform_id="m_polled",
                            kind="dm", author_id="987654321432", author_handle="Siti",
                            text="pagi", created_at=NOW, conversation_id="t_233782918546745")
    with desk.sessions() as session, session.begin():
        account = session.scalars(select(Account).where(Account.name == "fb-chat")).one()
        store_page(session, account, "dms", Page((polled,), None), now=NOW,
                   calendar=desk.calendar, response_hours=1.0)
    body = pushed_dm("mid.3", "masih menunggu")
    client.post(PATH, content=body, headers=sign(body))
    assert thread_of(desk, "mid.3") == "t_233782918546745"
    assert len(rsps.calls) == 0, "a person already threaded costs no Graph call"


def test_a_push_whose_conversation_cannot_be_found_is_still_stored_and_threaded(
        client: TestClient, desk: Desk, rsps: responses.RequestsMock) -> None:
    rsps.add("GET", CONVERSATIONS, status=500, json={"error": {"message": "down", "code": 2}})
    body = pushed_dm("mid.4", "halo")
    assert client.post(PATH, content=body, headers=sign(body)).json()["stored"] == 1
    assert thread_of(desk, "mid.4") == "12345654332:987654321432"
