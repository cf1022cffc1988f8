"""X: recorded v2 payloads through tweepy, served at the HTTP boundary."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from socialdesk.connectors import Rejected, RetryLater, connector_for
from socialdesk.connectors.types import Ref
from socialdesk.connectors.x import XConnector, snowflake_time

from .support import X_SECRETS, FixedClock, account, headers_of, interaction, load

MENTIONS = re.compile(r"https://api\.twitter\.com/2/users/\d+/mentions")


def build(clock: FixedClock, **options: str) -> XConnector:
    connector = connector_for(account("x", secrets=X_SECRETS, streams=("mentions", "dms"),
                                      **{"user_id": "783214", **options}), now=clock)
    assert isinstance(connector, XConnector)
    return connector


def test_it_reads_authors_threads_and_replies_from_expansions(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    rsps.add("GET", MENTIONS, json=load("twitter/python-twitter/search_tweets_query.json"))
    page = build(clock).fetch("mentions", None)
    first = page.messages[0]
    assert first.platform_id == "1276035977375477760"
    assert first.author_id == "63046977"
    assert first.author_handle == "happycamper"
    assert first.in_reply_to == "1275653067283759104"
    assert first.created_at == datetime(2020, 6, 25, 6, 14, 19, tzinfo=UTC)
    assert first.text.startswith("@snowman Ooo, thanks error message")
    assert {m.kind for m in page.messages} == {"mention"}
    assert json.loads(page.next_cursor or "")["since"] == "1276035977375477760"


def test_it_replays_the_recorded_tweepy_mentions_with_its_headers(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    recorded = interaction("twitter/tweepy/decoded/test_client_get_users_mentions.decoded.json")
    rsps.add("GET", MENTIONS, json=recorded["response"]["body"], headers=headers_of(recorded))
    page = build(clock).fetch("mentions", None)
    assert [m.platform_id for m in page.messages] == \
        [t["id"] for t in recorded["response"]["body"]["data"]]
    # The recording asked for no tweet.fields: the time comes from the snowflake id and
    # lands on the second the response was recorded (Fri, 07 Oct 2022 22:43:18 UTC).
    newest = page.messages[0].created_at
    assert datetime(2022, 10, 7, 22, 40, tzinfo=UTC) < newest < \
        datetime(2022, 10, 7, 22, 43, 19, tzinfo=UTC)
    assert json.loads(page.next_cursor or "")["token"] == \
        recorded["response"]["body"]["meta"]["next_token"]


def test_it_asks_for_what_is_newer_than_the_last_sweep(rsps: responses.RequestsMock,
                                                       clock: FixedClock) -> None:
    rsps.add("GET", MENTIONS, json=load("twitter/python-twitter/timeline_mentions.json"))
    rsps.add("GET", MENTIONS, json={"meta": {"result_count": 0}})
    connector = build(clock)
    first = connector.fetch("mentions", None)
    last = connector.fetch("mentions", first.next_cursor)
    query = parse_qs(urlparse(rsps.calls[1].request.url or "").query)
    assert query["pagination_token"] == ["7140dibdnow9c7btw3w3ixl43r8knib48jsfyzko1h5py"]
    state = json.loads(last.next_cursor or "")
    assert state == {"since": "1364398068313903104", "token": None, "top": None}


def test_it_honours_a_429_reset_and_then_waits_without_calling(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    reset = int(clock().timestamp()) + 600
    rsps.add("GET", MENTIONS, status=429, headers={"x-rate-limit-reset": str(reset),
                                                    "x-rate-limit-remaining": "0"},
             json={"title": "Too Many Requests", "detail": "Too Many Requests",
                   "type": "about:blank", "status": 429})
    connector = build(clock)
    with pytest.raises(RetryLater) as caught:
        connector.fetch("mentions", None)
    assert caught.value.retry_at == datetime.fromtimestamp(reset, UTC)
    with pytest.raises(RetryLater):
        connector.fetch("mentions", None)
    assert len(rsps.calls) == 1
    assert connector.poll_delay_hint() == 600


def test_it_keeps_the_page_when_one_tweet_is_malformed(rsps: responses.RequestsMock,
                                                       clock: FixedClock) -> None:
    body = load("twitter/python-twitter/timeline_mentions.json")
    body["data"][1]["text"] = None
    body["data"][2] = "not an object"
    body["data"][3]["created_at"] = "yesterday"
    rsps.add("GET", MENTIONS, json=body)
    page = build(clock).fetch("mentions", None)
    assert len(page.messages) == 2
    assert sorted(s.reason.split(" ")[0] for s in page.skipped) == ["created_at", "missing",
                                                                    "tweet"]


def test_it_reads_direct_messages_and_leaves_out_its_own(rsps: responses.RequestsMock,
                                                         clock: FixedClock) -> None:
    events = load("twitter/python-twitter/events.json")
    own = dict(events["data"][0], id="1585321444547837957", sender_id="783214")
    rsps.add("GET", "https://api.twitter.com/2/dm_events",
             json={"data": [own, *events["data"]], "meta": {"result_count": 2}})
    page = build(clock).fetch("dms", None)
    assert [(m.platform_id, m.kind, m.author_id, m.conversation_id) for m in page.messages] == \
        [("1585321444547837956", "dm", "906948460078698496", "1585094756761149440")]


def test_it_replies_only_to_mentions(rsps: responses.RequestsMock, clock: FixedClock) -> None:
    with pytest.raises(Rejected, match="mention"):
        build(clock).reply(Ref("1", "reply", "1", "2"), "Halo Kak", "k")
    assert not rsps.calls


def test_it_sends_replies_in_the_thread_and_prices_links(rsps: responses.RequestsMock,
                                                         clock: FixedClock) -> None:
    recorded = interaction(
        "twitter/tweepy/decoded/test_client_create_and_delete_tweet.decoded.json")
    rsps.add("POST", "https://api.twitter.com/2/tweets", status=201,
             json=recorded["response"]["body"], headers=headers_of(recorded))
    connector = build(clock)
    target = Ref("1364398068313903104", "mention", "1364398068313903104", "17200003")
    result = connector.reply(target, "Halo Kak, info di https://djpb.kemenkeu.go.id", "k1")
    assert result.platform_id == "1456012973835788293"
    sent = json.loads(rsps.calls[0].request.body or b"{}")
    assert sent["reply"] == {"in_reply_to_tweet_id": "1364398068313903104"}
    assert connector.ledger.total == 0.20


def test_it_sends_direct_messages_into_the_conversation(rsps: responses.RequestsMock,
                                                        clock: FixedClock) -> None:
    recorded = interaction(
        "twitter/tweepy/decoded/test_manage_and_lookup_direct_messages.decoded.json", 1)
    rsps.add("POST", re.compile(r"https://api\.twitter\.com/2/dm_conversations/.+/messages"),
             status=201, json=recorded["response"]["body"])
    target = Ref("1585800613253812228", "dm", "750362064426721281-1072250532645998596", "7")
    result = build(clock).reply(target, "Silakan kirim nomor tiket, Kak", "k2")
    assert result.platform_id == "1585800613752881156"
    assert "/2/dm_conversations/750362064426721281-1072250532645998596/messages" in \
        (rsps.calls[0].request.url or "")


def test_it_hides_a_reply(rsps: responses.RequestsMock, clock: FixedClock) -> None:
    recorded = interaction("twitter/tweepy/decoded/test_client_hide_and_unhide_reply.decoded.json")
    rsps.add("PUT", "https://api.twitter.com/2/tweets/1344794616005066752/hidden",
             json=recorded["response"]["body"])
    build(clock).hide("1344794616005066752")
    assert json.loads(rsps.calls[0].request.body or b"{}") == {"hidden": True}


def test_it_finds_a_reply_it_already_sent(rsps: responses.RequestsMock, clock: FixedClock) -> None:
    body = load("twitter/python-twitter/search_tweets_query.json")
    rsps.add("GET", re.compile(r"https://api\.twitter\.com/2/users/783214/tweets"), json=body)
    target = Ref("1275653067283759104", "mention", "", "")
    found = build(clock).find_reply(target, body["data"][0]["text"])
    assert found == "1276035977375477760"


def test_it_checks_credentials_and_access_level(rsps: responses.RequestsMock,
                                               clock: FixedClock) -> None:
    recorded = interaction("twitter/tweepy/decoded/test_client_get_me.decoded.json")
    headers = dict(headers_of(recorded), **{"x-access-level": "read"})
    rsps.add("GET", "https://api.twitter.com/2/users/me", json=recorded["response"]["body"],
             headers=headers)
    problems = build(clock, user_id="1072250532645998596").check()
    assert any("read-write" in p for p in problems)
    assert all(call.request.method == "GET" for call in rsps.calls)


def test_it_dates_tweets_by_snowflake_as_x_does() -> None:
    for tweet in load("twitter/python-twitter/search_tweets_query.json")["data"]:
        recorded = datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
        assert abs((snowflake_time(tweet["id"]) - recorded).total_seconds()) < 1
