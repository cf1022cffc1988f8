"""Attachments: their kind and address kept on the message and stored, and the text agents
and rules see saying what was sent ("[gambar]", "[video]", "[stiker]")."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from socialdesk.connectors.facebook import parse_comment
from socialdesk.connectors.graph import conversation_fields, parse_conversation
from socialdesk.connectors.meta_webhooks import parse_delivery
from socialdesk.connectors.types import Attachment, InboundMessage, Page
from socialdesk.connectors.x import parse_dm, parse_tweet
from socialdesk.core.clock import WorkingCalendar
from socialdesk.desk.intake import store_page
from socialdesk.store.models import Account, Message

from .support import FixedClock, load
from .test_x import build

PHOTO_URL = "https://pbs.twimg.com/media/EbXbCqTUYAA3Lx9.jpg"
# X's documented includes.media for the recorded post's media key (the recording was made
# without the media expansion, so the test supplies what X sends with it).
MEDIA = {"16_1276035971193044992": Attachment("photo", PHOTO_URL)}


def test_an_x_post_with_a_picture_says_so_and_keeps_its_address() -> None:
    body = load("twitter/python-twitter/search_tweets_query.json")
    tweet = next(t for t in body["data"] if t["id"] == "1276035977375477760")
    message = parse_tweet(tweet, {}, media=MEDIA)
    assert message.attachments == (Attachment("photo", PHOTO_URL),)
    assert message.text == f"{tweet['text']} [gambar]"


def test_an_x_media_key_the_includes_do_not_describe_still_counts() -> None:
    body = load("twitter/python-twitter/search_tweets_query.json")
    tweet = next(t for t in body["data"] if t["id"] == "1275763727908798470")
    assert parse_tweet(tweet, {}, media=MEDIA).text.endswith("[lampiran]")


def test_an_x_dm_of_only_a_video_is_not_empty() -> None:
    event = {"id": "1585800613253812228", "event_type": "MessageCreate", "text": "",
             "sender_id": "7", "dm_conversation_id": "7-8",
             "attachments": {"media_keys": ["7_1"]}}
    message = parse_dm(event, {}, media={"7_1": Attachment("video", "https://x/p.jpg")})
    assert (message.text, message.attachments[0].kind) == ("[video]", "video")


def test_x_mentions_ask_for_media_with_their_type_and_address(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    rsps.add("GET", re.compile(r"https://api\.twitter\.com/2/users/\d+/mentions"),
             json={"data": [], "meta": {"result_count": 0}})
    connector = build(clock)
    connector.fetch("mentions", None)
    query = parse_qs(urlparse(rsps.calls[-1].request.url or "").query)
    assert "attachments.media_keys" in query["expansions"][0].split(",")
    assert set(query["media.fields"][0].split(",")) == {"type", "url", "preview_image_url"}
    assert "attachments" in query["tweet.fields"][0].split(",")


def test_a_facebook_photo_comment_keeps_the_picture_itself() -> None:
    listing = load("facebook/python-facebook/history/b87bb290/comment_by_parent_p1.json")
    raw = next(c for c in listing["data"] if c.get("attachment"))
    [message] = parse_comment(raw, "2498598377021978")
    [attached] = message.attachments
    assert attached.kind == "photo"
    assert attached.url == raw["attachment"]["media"]["image"]["src"]
    assert message.text.endswith("[gambar]")


def test_a_messenger_picture_is_kept_with_its_address() -> None:
    recorded = load("facebook/python-facebook/messages/message_info.json")
    conversation = {"id": "t_1", "messages": {"data": [recorded]}}
    [message] = parse_conversation(conversation, "facebook", "dms")
    assert message.attachments == (
        Attachment("image", recorded["attachments"]["data"][0]["image_data"]["url"]),)
    assert message.text == "[gambar]"


def test_instagram_direct_shares_and_story_mentions_are_named() -> None:
    # Instagram Direct's documented message fields: a shared post and a story mention.
    raw = {"id": "aWdfZ", "created_time": "2026-11-30T02:00:00+0000",
           "from": {"id": "17841", "username": "dewi.ppk"}, "message": "",
           "shares": {"data": [{"link": "https://www.instagram.com/p/Cx1/"}]},
           "story": {"mention": {"link": "https://lookaside.fbsbx.com/story/1", "id": "9"}}}
    [message] = parse_conversation({"id": "t_2", "messages": {"data": [raw]}},
                                   "instagram", "dms")
    assert [a.kind for a in message.attachments] == ["share", "story_mention"]
    assert message.text == "[tautan] [story]"
    assert "story" in conversation_fields("instagram")
    assert "story" not in conversation_fields("facebook")


def test_pushed_messenger_sticker_and_instagram_reel_are_named_with_their_addresses() -> None:
    delivery = {"object": "instagram", "entry": [{"id": "0", "time": 1, "messaging": [
        {"sender": {"id": "5"}, "recipient": {"id": "0"}, "timestamp": 1764468000000,
         "message": {"mid": "m1", "attachments": [
             {"type": "image",
              "payload": {"url": "https://x/s.png", "sticker_id": 369239263222822}},
             {"type": "ig_reel", "payload": {"url": "https://x/r.mp4"}}]}}]}]}
    [event] = parse_delivery(delivery).events
    assert event.message is not None
    assert event.message.text == "[stiker] [video]"
    assert event.message.attachments == (Attachment("sticker", "https://x/s.png"),
                                         Attachment("ig_reel", "https://x/r.mp4"))


@pytest.mark.usefixtures("engine")
def test_intake_stores_each_attachment_s_type_and_address(
        sessions: sessionmaker[Session]) -> None:
    when = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    message = InboundMessage(
        platform="facebook", stream="dms", platform_id="m1", kind="dm", author_id="5",
        author_handle="Siti", text="[gambar]", created_at=when,
        attachments=(Attachment("image", "https://scontent.xx.fbcdn.net/a.jpg"),))
    with sessions() as session, session.begin():
        row = Account(name="fb", platform="facebook", handle="hai")
        session.add(row)
        session.flush()
        store_page(session, row, "dms", Page((message,), None), now=when,
                   calendar=WorkingCalendar(), response_hours=1.0)
    with sessions() as session:
        stored = session.scalars(select(Message)).one()
    assert stored.attachments == [{"type": "image",
                                   "url": "https://scontent.xx.fbcdn.net/a.jpg"}]
    assert stored.text == "[gambar]"
