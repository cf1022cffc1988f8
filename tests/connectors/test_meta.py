"""Facebook Page and Instagram Graph: recorded Graph bodies served at the HTTP boundary."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import responses

from socialdesk.connectors import Permanent, Rejected, RetryLater, connector_for
from socialdesk.connectors.facebook import FacebookConnector
from socialdesk.connectors.instagram import InstagramConnector
from socialdesk.connectors.instagram import parse_comment as parse_ig_comment
from socialdesk.connectors.types import InboundMessage, Ref

from .support import FixedClock, account, load

GRAPH = r"https://graph\.facebook\.com/v[\d.]+/"


def graph(path: str) -> re.Pattern[str]:
    return re.compile(GRAPH + path)


def instagram(clock: FixedClock, **options: str) -> InstagramConnector:
    connector = connector_for(account("instagram", secrets={"access_token": "t"},
                                      handle="hai.djpb",
                                      **{"ig_user_id": "17841406338772941", **options}),
                              now=clock)
    assert isinstance(connector, InstagramConnector)
    return connector


def facebook(clock: FixedClock) -> FacebookConnector:
    connector = connector_for(account("facebook", secrets={"page_access_token": "t"},
                                      page_id="2121008874780932"), now=clock)
    assert isinstance(connector, FacebookConnector)
    return connector


def serve_media(rsps: responses.RequestsMock, media_id: str, count: int) -> None:
    rsps.add("GET", graph(r"17841406338772941/media"),
             json={"data": [{"id": media_id, "comments_count": count,
                             "timestamp": "2019-10-01T00:00:00+0000"}]})


def test_it_reads_instagram_comments_with_nested_replies() -> None:
    body = load("instagram/python-facebook/history/762060a5/owner_media_comments.json")
    by_id = {m.platform_id: m for raw in body["data"]
             for m in parse_ig_comment(raw, "17955956875141196")}
    top = by_id["17984127178281340"]
    assert (top.kind, top.author_id, top.author_handle) == ("comment", "yjmjump", "yjmjump")
    assert top.created_at == datetime(2019, 10, 15, 6, 18, 49, tzinfo=UTC)
    assert top.text == "今天中午是吃的面吗"
    reply = by_id["18107567341036926"]
    assert (reply.kind, reply.in_reply_to, reply.conversation_id) == \
        ("reply", "17984127178281340", "17955956875141196")
    assert by_id["18078575905189841"].author_id == "17841406338772941"


def test_it_never_delivers_the_instagram_accounts_own_comments(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    # In this recorded listing 4 of 6 comments and replies are the account's own.
    serve_media(rsps, "17955956875141196", 9)
    rsps.add("GET", graph("17955956875141196/comments"),
             json=load("instagram/python-facebook/history/762060a5/owner_media_comments.json"))
    page = instagram(clock).fetch("comments", None)
    assert sorted(m.platform_id for m in page.messages) == \
        ["17846106427692294", "17984127178281340"]
    assert {m.author_handle for m in page.messages} == {"yjmjump"}


def test_it_scans_only_media_whose_comment_count_changed(rsps: responses.RequestsMock,
                                                         clock: FixedClock) -> None:
    serve_media(rsps, "17955956875141196", 9)
    rsps.add("GET", graph("17955956875141196/comments"),
             json=load("instagram/python-facebook/history/762060a5/owner_media_comments.json"))
    rsps.add("GET", graph("17955956875141196/comments"),
             json=load("instagram/python-facebook/history/762060a5/owner_media_comments_2.json"))
    connector = instagram(clock)
    cursor = None
    for _ in range(2):
        cursor = connector.fetch("comments", cursor).next_cursor
    again = connector.fetch("comments", cursor)
    assert again.messages == ()
    assert "after=after" in (rsps.calls[2].request.url or "")
    assert [c.request.url.split("?")[0].rsplit("/", 1)[-1] for c in rsps.calls] == \
        ["media", "comments", "comments", "media"]


def test_it_reads_tagged_media_as_mentions(rsps: responses.RequestsMock,
                                           clock: FixedClock) -> None:
    rsps.add("GET", graph("17841406338772941/tags"),
             json=load("instagram/python-facebook/users/tagged_medias.json"))
    page = instagram(clock).fetch("mentions", None)
    assert page.messages[0].kind == "mention"
    assert page.messages[0].platform_id == "17892354025952911"
    assert page.messages[0].text == "publish test"


def test_it_pauses_when_instagram_usage_headers_say_so(rsps: responses.RequestsMock,
                                                       clock: FixedClock) -> None:
    headers = load("instagram/python-facebook/history/762060a5/headers.json")
    rsps.add("GET", graph("17841406338772941/tags"),
             json=load("instagram/python-facebook/users/tagged_medias.json"),
             headers={"x-business-use-case-usage": headers["x-business-use-case-usage"]})
    connector = instagram(clock)
    connector.fetch("mentions", None)
    assert connector.poll_delay_hint() == 20 * 60
    with pytest.raises(RetryLater) as caught:
        connector.fetch("mentions", None)
    assert caught.value.retry_at == clock() + timedelta(minutes=20)


def test_it_replies_hides_and_answers_privately_on_instagram(rsps: responses.RequestsMock,
                                                             clock: FixedClock) -> None:
    rsps.add("POST", graph("17984127178281340/replies"), json={"id": "17850033184810160"})
    rsps.add("POST", graph("17984127178281340$"), json={"success": True})
    rsps.add("POST", graph("555/messages"), json={"recipient_id": "1", "message_id": "m_1"})
    connector = instagram(clock, page_id="555")
    target = Ref("17984127178281340", "comment", "17955956875141196", "yjmjump")
    assert connector.reply(target, "Halo Kak", "k").platform_id == "17850033184810160"
    connector.hide("17984127178281340")
    assert parse_qs(rsps.calls[1].request.body or "")["hide"] == ["true"]
    assert connector.send_private(target, "Mohon lanjut via DM, Kak", "k2").platform_id == "m_1"
    assert json.loads(rsps.calls[2].request.body or b"{}")["recipient"] == \
        {"comment_id": "17984127178281340"}


def test_it_reads_facebook_comments_with_authors(rsps: responses.RequestsMock,
                                                 clock: FixedClock) -> None:
    rsps.add("GET", graph("2121008874780932/feed"), json={"data": [
        {"id": "2498598377021978", "created_time": "2019-12-16T12:00:00+0000",
         "from": {"id": "2121008874780932", "name": "MyLife"},
         "comments": {"data": [], "summary": {"total_count": 7}}}]})
    rsps.add("GET", graph("2498598377021978/comments"),
             json=load("facebook/python-facebook/history/b87bb290/comment_by_parent_p1.json"))
    page = facebook(clock).fetch("comments", None)
    first = page.messages[0]
    # The recorded comment carries a photo: the text says so, the URL stays in raw.
    assert (first.platform_id, first.author_id, first.author_handle, first.text) == \
        ("2498598377021978_2498617433686739", "2711636948859886", "Kun Liu",
         "Good job!😏 [gambar]")
    assert first.raw["attachment"]["type"] == "photo"
    assert first.created_at == datetime(2019, 12, 16, 12, 9, 40, tzinfo=UTC)
    assert first.conversation_id == "2498598377021978"


def test_it_skips_facebook_comments_without_ids_and_keeps_going(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    recorded = load("facebook/python-facebook/comments/comments_p1.json")
    good = load("facebook/python-facebook/history/b87bb290/comment_by_parent_p2.json")["data"]
    rsps.add("GET", graph("2121008874780932/feed"), json={"data": [
        {"id": "p1", "comments": {"summary": {"total_count": 3}}}]})
    rsps.add("GET", graph("p1/comments"), json={"data": recorded["data"] + good})
    page = facebook(clock).fetch("comments", None)
    assert len(page.skipped) == len(recorded["data"])
    assert all(s.reason == "missing id" for s in page.skipped)
    assert [m.platform_id for m in page.messages] == [c["id"] for c in good]


def test_it_treats_visitor_posts_as_mentions(rsps: responses.RequestsMock,
                                            clock: FixedClock) -> None:
    rsps.add("GET", graph("2121008874780932/feed"), json={"data": [
        {"id": "2121008874780932_1", "message": "Mohon info jadwal layanan",
         "created_time": "2026-03-17T01:00:00+0000", "from": {"id": "99", "name": "Warga"},
         "comments": {"summary": {"total_count": 0}}}]})
    page = facebook(clock).fetch("comments", None)
    assert [(m.kind, m.author_id) for m in page.messages] == [("mention", "99")]


def dm(created: datetime) -> InboundMessage:
    return InboundMessage("facebook", "dms", "m_1", "dm", "psid-7", "Siti", "Halo", created,
                          "t_1")


def test_it_keeps_to_the_messenger_window(rsps: responses.RequestsMock,
                                          clock: FixedClock) -> None:
    rsps.add("POST", graph("2121008874780932/messages"),
             json={"recipient_id": "psid-7", "message_id": "m_2"})
    connector = facebook(clock)
    connector.reply(dm(clock() - timedelta(hours=2)), "Halo Kak", "k1")
    assert json.loads(rsps.calls[0].request.body or b"{}")["messaging_type"] == "RESPONSE"
    with pytest.raises(Rejected, match="24-hour"):
        connector.reply(dm(clock() - timedelta(hours=30)), "Halo Kak", "k2")
    connector.reply(dm(clock() - timedelta(hours=30)), "Halo Kak", "k3", by_agent=True)
    sent = json.loads(rsps.calls[1].request.body or b"{}")
    assert (sent["messaging_type"], sent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    with pytest.raises(Rejected):
        connector.reply(dm(clock() - timedelta(days=8)), "Halo Kak", "k4", by_agent=True)


def test_it_replies_to_and_hides_facebook_comments(rsps: responses.RequestsMock,
                                                   clock: FixedClock) -> None:
    created = load("facebook/python-facebook/comments/create_resp.json")
    rsps.add("POST", graph("245778718206154/comments"), json=created)
    rsps.add("POST", graph("245778718206154_1$"), json={"success": True})
    connector = facebook(clock)
    result = connector.reply(Ref("245778718206154", "comment", "245778718206154"), "Halo", "k")
    assert result.platform_id == created["id"]
    connector.hide("245778718206154_1")
    assert parse_qs(rsps.calls[1].request.body or "")["is_hidden"] == ["true"]


def test_it_disables_on_an_expired_page_token(rsps: responses.RequestsMock,
                                             clock: FixedClock) -> None:
    rsps.add("GET", graph("2121008874780932/conversations"), status=400, json={"error": {
        "message": "Error validating access token: the token has expired", "type":
        "OAuthException", "code": 190, "error_subcode": 463}})
    with pytest.raises(Permanent, match="190"):
        facebook(clock).fetch("dms", None)


def test_it_reads_messenger_conversations(rsps: responses.RequestsMock,
                                          clock: FixedClock) -> None:
    rsps.add("GET", graph("2121008874780932/conversations"), json={"data": [{
        "id": "t_587956915396498", "updated_time": "2021-07-23T09:28:50+0000",
        "messages": {"data": [
            {"id": "m_a", "message": "hello", "created_time": "2021-07-23T09:28:50+0000",
             "from": {"id": "2711636948859886", "name": "Kun Liu"}},
            {"id": "m_b", "message": "Halo, ada yang bisa dibantu?",
             "created_time": "2021-07-23T09:20:00+0000",
             "from": {"id": "2121008874780932", "name": "MyLife"}}]}}]})
    page = facebook(clock).fetch("dms", None)
    assert [(m.platform_id, m.author_handle, m.conversation_id) for m in page.messages] == \
        [("m_a", "Kun Liu", "t_587956915396498")]
