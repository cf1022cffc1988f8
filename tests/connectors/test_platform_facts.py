"""What the live platforms do that the first connectors missed: their own comments coming
back, deleted objects, retweets, long posts, hidden comments, the Graph version's end."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
import responses

from socialdesk.connectors import Permanent, Rejected, connector_for
from socialdesk.connectors.errors import Gone
from socialdesk.connectors.facebook import FacebookConnector
from socialdesk.connectors.graph_versions import (
    END_OF_LIFE,
    GRAPH_VERSION,
    WARN_BEFORE_DAYS,
    days_left,
)
from socialdesk.connectors.instagram import InstagramConnector
from socialdesk.connectors.types import Ref
from socialdesk.connectors.x import XConnector
from socialdesk.connectors.youtube import YouTubeConnector

from .support import X_SECRETS, YT_SECRETS, FixedClock, account, load

GRAPH = r"https://graph\.facebook\.com/v[\d.]+/"
MENTIONS = re.compile(r"https://api\.twitter\.com/2/users/\d+/mentions")
PAGE = "2121008874780932"
MISSING = {"error": {"message": "Unsupported get request. Object with ID '1_2' does not "
                     "exist, cannot be loaded due to missing permissions, or does not support "
                     "this operation.", "type": "GraphMethodException", "code": 100,
                     "error_subcode": 33}}


def graph(path: str) -> re.Pattern[str]:
    return re.compile(GRAPH + path)


def facebook(clock: FixedClock, **options: str) -> FacebookConnector:
    connector = connector_for(account("facebook", secrets={"page_access_token": "t"},
                                      **{"page_id": PAGE, **options}), now=clock)
    assert isinstance(connector, FacebookConnector)
    return connector


def feed(*posts: tuple[str, int], page: str = PAGE) -> dict[str, object]:
    return {"data": [{"id": pid, "created_time": "2019-12-16T12:00:00+0000",
                      "from": {"id": page, "name": "MyLife"},
                      "comments": {"data": [], "summary": {"total_count": count}}}
                     for pid, count in posts]}


# -- 1. the accounts' own messages -------------------------------------------------------------

def test_it_never_delivers_the_pages_own_comments(rsps: responses.RequestsMock,
                                                  clock: FixedClock) -> None:
    # The recorded listing's author 2711636948859886 plays the Page here: its five comments
    # are the Page's own replies; only the other person's comment is new.
    body = load("facebook/python-facebook/history/b87bb290/comment_by_parent_p1.json")
    rsps.add("GET", graph("2711636948859886/feed"), json=feed(("2498598377021978", 5),
                                                            page="2711636948859886"))
    rsps.add("GET", graph("2498598377021978/comments"), json=body)
    connector = connector_for(account("facebook", secrets={"page_access_token": "t"},
                                      page_id="2711636948859886"), now=clock)
    page = connector.fetch("comments", None)
    assert [m.author_id for m in page.messages] == ["2493785114046685"]


def test_it_never_delivers_the_x_accounts_own_posts_or_retweets(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    body = load("twitter/python-twitter/search_tweets_for_nyc.json")
    rsps.add("GET", MENTIONS, json=body)
    # The account is the author of one recorded post (13524182): its own post is not new.
    connector = connector_for(account("x", secrets=X_SECRETS, user_id="13524182"), now=clock)
    assert isinstance(connector, XConnector)
    page = connector.fetch("mentions", None)
    retweets = {t["id"] for t in body["data"]
                if any(r["type"] == "retweeted" for r in t.get("referenced_tweets", []))}
    assert len(retweets) == 7
    assert [m.platform_id for m in page.messages] == \
        ["1275840891014561796", "1275840878238552064"]
    assert not retweets & {m.platform_id for m in page.messages}


# -- 11. long posts ----------------------------------------------------------------------------

def test_it_reads_the_whole_text_of_a_long_post(rsps: responses.RequestsMock,
                                                clock: FixedClock) -> None:
    # X API v2 documents note_tweet.text beside the truncated text of a post over 280
    # characters; no recording has one, so the body is built on the documented shape.
    whole = "@haiDJPb " + "Mohon bantuan, SP2D gaji kami belum cair sejak tanggal 1. " * 8
    rsps.add("GET", MENTIONS, json={
        "data": [{"id": "1865000000000000000", "author_id": "99", "text": whole[:270] + "…",
                  "note_tweet": {"text": whole}}],
        "meta": {"result_count": 1, "newest_id": "1865000000000000000"}})
    connector = connector_for(account("x", secrets=X_SECRETS, user_id="783214"), now=clock)
    page = connector.fetch("mentions", None)
    assert page.messages[0].text == whole
    asked = rsps.calls[0].request.url or ""
    assert "note_tweet" in asked


# -- 2. deleted objects ------------------------------------------------------------------------

def test_a_post_deleted_mid_scan_is_skipped_and_the_account_keeps_working(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    rsps.add("GET", graph(f"{PAGE}/feed"), json=feed(("1_gone", 2), ("2498598377021978", 7)))
    rsps.add("GET", graph("1_gone/comments"), json=MISSING, status=400)
    rsps.add("GET", graph("2498598377021978/comments"),
             json=load("facebook/python-facebook/history/b87bb290/comment_by_parent_p1.json"))
    page = facebook(clock).fetch("comments", None)
    assert len(page.messages) == 5
    assert [s.raw for s in page.skipped] == [{"id": "1_gone"}]
    assert "100/33" in page.skipped[0].reason


def test_a_reply_to_a_deleted_comment_fails_alone(rsps: responses.RequestsMock,
                                                  clock: FixedClock) -> None:
    rsps.add("POST", graph("1_2/comments"), json=MISSING, status=400)
    with pytest.raises(Rejected) as caught:
        facebook(clock).reply(Ref("1_2", "comment", "1"), "Terima kasih", "k1")
    assert isinstance(caught.value, Gone)


def test_a_deleted_page_still_disables_the_account(rsps: responses.RequestsMock,
                                                   clock: FixedClock) -> None:
    rsps.add("GET", graph(f"{PAGE}/feed"), json=MISSING, status=400)
    with pytest.raises(Permanent):
        facebook(clock).fetch("comments", None)


def test_a_youtube_reply_to_a_deleted_comment_fails_alone(rsps: responses.RequestsMock,
                                                          clock: FixedClock) -> None:
    rsps.add("POST", "https://oauth2.googleapis.com/token",
             json={"access_token": "ya29.x", "expires_in": 3600})
    # The documented comments.insert error for a parent that no longer exists.
    rsps.add("POST", "https://www.googleapis.com/youtube/v3/comments", status=404, json={
        "error": {"code": 404, "message": "The comment identified by the request's parentId "
                  "parameter could not be found.", "errors": [{
                      "message": "Comment not found.", "domain": "youtube.comment",
                      "reason": "commentNotFound"}]}})
    connector = connector_for(account("youtube", secrets=YT_SECRETS, channel_id="UCowner"),
                              now=clock)
    assert isinstance(connector, YouTubeConnector)
    with pytest.raises(Gone):
        connector.reply(Ref("UgxGone", "comment", "UgxGone"), "Terima kasih", "k1")


# -- 6. the Messenger / Direct window ----------------------------------------------------------

def test_the_messenger_window_is_decided_before_any_call(rsps: responses.RequestsMock,
                                                         clock: FixedClock) -> None:
    rsps.add("POST", graph(f"{PAGE}/messages"), json={"message_id": "m_1"})
    connector = facebook(clock)
    old = Ref("m_0", "dm", "t_1", "5614879045272581", created_at=clock() - timedelta(hours=30))
    with pytest.raises(Rejected, match="24-hour window"):
        connector.reply(old, "Baik", "k1")
    assert len(rsps.calls) == 0
    connector.reply(old, "Baik", "k2", by_agent=True)
    sent = json.loads(rsps.calls[0].request.body or b"{}")
    assert (sent["messaging_type"], sent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    too_old = Ref("m_0", "dm", "t_1", "5614879045272581", created_at=clock() - timedelta(days=8))
    with pytest.raises(Rejected, match="7 days"):
        connector.reply(too_old, "Baik", "k3", by_agent=True)


def test_instagram_direct_keeps_the_same_window(rsps: responses.RequestsMock,
                                                clock: FixedClock) -> None:
    rsps.add("POST", graph("17841/messages"), json={"message_id": "m_1"})
    connector = connector_for(account("instagram", secrets={"access_token": "t"},
                                      ig_user_id="17841406338772941", page_id="17841"),
                              now=clock)
    assert isinstance(connector, InstagramConnector)
    old = Ref("m_0", "dm", "t_1", "5614879045272581", created_at=clock() - timedelta(hours=30))
    with pytest.raises(Rejected, match="24-hour window"):
        connector.reply(old, "Baik", "k1")
    connector.reply(old, "Baik", "k2", by_agent=True)
    assert json.loads(rsps.calls[0].request.body or b"{}")["tag"] == "HUMAN_AGENT"


# -- 7. hidden comments ------------------------------------------------------------------------

def test_it_keeps_the_platforms_hidden_state(rsps: responses.RequestsMock,
                                             clock: FixedClock) -> None:
    body = load("facebook/python-facebook/history/b87bb290/comment_by_parent_p1.json")
    body["data"][1]["is_hidden"] = True  # what a comment hidden by a moderator reads as
    rsps.add("GET", graph(f"{PAGE}/feed"), json=feed(("2498598377021978", 5)))
    rsps.add("GET", graph("2498598377021978/comments"), json=body)
    page = facebook(clock).fetch("comments", None)
    assert [m.hidden for m in page.messages] == [False, True, False, False, False]
    assert "is_hidden" in (rsps.calls[1].request.url or "")


# -- 9. nested replies that cannot be read -----------------------------------------------------

def test_a_broken_nested_reply_is_reported_not_dropped(rsps: responses.RequestsMock,
                                                       clock: FixedClock) -> None:
    body = load("instagram/python-facebook/history/762060a5/owner_media_comments.json")
    top = next(c for c in body["data"] if c.get("replies"))
    del top["replies"]["data"][0]["timestamp"]
    rsps.add("GET", graph("17841400000000001/media"),
             json={"data": [{"id": "17955956875141196", "comments_count": 9}]})
    rsps.add("GET", graph("17955956875141196/comments"), json=body)
    connector = connector_for(account("instagram", secrets={"access_token": "t"},
                                      ig_user_id="17841400000000001"), now=clock)
    page = connector.fetch("comments", None)
    assert len(page.skipped) == 1
    assert "timestamp" in page.skipped[0].reason
    assert top["id"] in {m.platform_id for m in page.messages}


# -- 12. the Graph API version -----------------------------------------------------------------

def test_the_pinned_graph_version_is_not_near_its_end() -> None:
    left = days_left(GRAPH_VERSION, date.today())
    assert left is None or left > WARN_BEFORE_DAYS, (
        f"Graph API {GRAPH_VERSION} ends in {left} days: move GRAPH_VERSION on")


def test_the_version_table_warns_of_a_version_near_its_end() -> None:
    end = END_OF_LIFE["v21.0"]
    assert end is not None
    assert days_left("v21.0", end - timedelta(days=30)) == 30
    with pytest.raises(KeyError):
        days_left("v1.0", date.today())


def test_every_graph_call_uses_the_pinned_version(rsps: responses.RequestsMock,
                                                  clock: FixedClock) -> None:
    rsps.add("GET", graph(f"{PAGE}/feed"), json={"data": []})
    facebook(clock).fetch("comments", None)
    assert f"/{GRAPH_VERSION}/" in (rsps.calls[0].request.url or "")


# -- 13 and 4. which posts are read --------------------------------------------------------------

def test_posts_per_scan_is_a_setting_and_counts_include_replies(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    rsps.add("GET", graph(f"{PAGE}/feed"), json={"data": []})
    facebook(clock, posts_per_scan="60").fetch("comments", None)
    asked = rsps.calls[0].request.url or ""
    assert "limit=60" in asked
    assert "comments.filter%28stream%29.summary%28true%29" in asked


# -- 5. Instagram mentions ----------------------------------------------------------------------

def test_a_comment_mention_is_read_by_its_ids_and_answered_on_the_mentions_edge(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    rsps.add("GET", graph("17841406338772941"),
             json=load("instagram/python-facebook/users/mentioned_comment.json"))
    rsps.add("POST", graph("17841406338772941/mentions"), json={"id": "17900000000000001"})
    connector = connector_for(account("instagram", secrets={"access_token": "t"},
                                      handle="hai.djpb", ig_user_id="17841406338772941"),
                              now=clock)
    assert isinstance(connector, InstagramConnector)
    found = connector.mentioned("17889114512354744", "17967008497439572")
    assert (found.kind, found.platform_id, found.text, found.author_handle) == \
        ("mention", "17967008497439572", "@ikroskun good", "ikroskun")
    assert "mentioned_comment.comment_id%2817967008497439572%29" in \
        (rsps.calls[0].request.url or "")
    connector.reply(Ref(found.platform_id, "mention", found.conversation_id), "Terima kasih",
                    "k1")
    form = rsps.calls[1].request.body or ""
    assert "comment_id=17967008497439572" in str(form)
    assert "media_id=17889114512354744" in str(form)


# -- 8. moderation rights ----------------------------------------------------------------------

# Graph's debug_token answer for a Page token with every permission the desk needs.
ALL_SCOPES = {"data": {"type": "PAGE", "is_valid": True, "scopes": [
    "pages_read_engagement", "pages_read_user_content", "pages_manage_engagement",
    "pages_messaging", "pages_show_list"]}}


def test_accounts_check_names_a_page_token_that_cannot_moderate(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    rsps.add("GET", graph("debug_token"), json=ALL_SCOPES)
    rsps.add("GET", graph(PAGE), json={"id": PAGE, "name": "MyLife"})
    # Recorded: a comments listing read without moderation rights has no ids or authors.
    without_ids = load("facebook/python-facebook/comments/comments_p1.json")
    assert all("id" not in c for c in without_ids["data"])
    rsps.add("GET", graph(f"{PAGE}/feed"),
             json={"data": [{"id": "1_2", "comments": {"data": without_ids["data"]}}]})
    connector = connector_for(account("facebook", secrets={"page_access_token": "t"},
                                      streams=("comments",), page_id=PAGE), now=clock)
    problems = connector.check()
    assert len(problems) == 1
    assert "MODERATE" in problems[0] and "pages_manage_engagement" in problems[0]


def test_accounts_check_passes_a_page_token_that_sees_comment_ids(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    rsps.add("GET", graph("debug_token"), json=ALL_SCOPES)
    rsps.add("GET", graph(PAGE), json={"id": PAGE, "name": "MyLife"})
    listing = load("facebook/python-facebook/history/b87bb290/comment_by_parent_p1.json")
    rsps.add("GET", graph(f"{PAGE}/feed"),
             json={"data": [{"id": "1_2", "comments": {"data": listing["data"]}}]})
    connector = connector_for(account("facebook", secrets={"page_access_token": "t"},
                                      streams=("comments",), page_id=PAGE), now=clock)
    assert connector.check() == []
