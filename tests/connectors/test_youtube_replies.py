"""YouTube: a new reply on an older thread is found, and the replies a thread listing does
not carry are fetched, within the quota."""

from __future__ import annotations

import copy
from typing import Any

import responses

from socialdesk.connectors import connector_for
from socialdesk.connectors.youtube import YouTubeConnector

from .support import YT_SECRETS, FixedClock, account, load

API = "https://www.googleapis.com/youtube/v3"


def build(clock: FixedClock) -> YouTubeConnector:
    connector = connector_for(account("youtube", secrets=YT_SECRETS,
                                      channel_id="UCa-vrCLQHviTOVnEKDOdetQ"), now=clock)
    assert isinstance(connector, YouTubeConnector)
    return connector


def test_it_fetches_the_replies_a_thread_listing_leaves_out(rsps: responses.RequestsMock,
                                                            clock: FixedClock) -> None:
    # Recorded: thread UgwSRpgkjCe6OHHe3IJ4AaABAg counts one reply and carries none.
    rsps.add("GET", f"{API}/commentThreads",
             json=load("youtube/python-youtube/comment_threads/comment_threads_all_to_me.json"))
    rsps.add("GET", f"{API}/comments",
             json=load("youtube/python-youtube/comments/comments_by_parent_paged_1.json"))
    page = build(clock).fetch("comments", None)
    replies = [m for m in page.messages if m.kind == "reply"]
    assert {r.platform_id for r in replies} == {
        "Ugw5zYU6n9pmIgAZWvN4AaABAg.91zT3cYb5B291za6voUoRh",
        "Ugw5zYU6n9pmIgAZWvN4AaABAg.91zT3cYb5B291za5eJxzs1"}
    assert all(r.conversation_id == "UgwSRpgkjCe6OHHe3IJ4AaABAg" for r in replies)
    asked = rsps.calls[1].request.url or ""
    assert "parentId=UgwSRpgkjCe6OHHe3IJ4AaABAg" in asked


def _thread(template: dict[str, Any], thread_id: str, top_time: str,
            replies: list[tuple[str, str]]) -> dict[str, Any]:
    """A recorded thread with its ids and times set (the listing's shape is unchanged)."""
    thread = copy.deepcopy(template)
    thread["id"] = thread_id
    thread["snippet"]["topLevelComment"]["id"] = thread_id
    thread["snippet"]["topLevelComment"]["snippet"]["publishedAt"] = top_time
    thread["snippet"]["totalReplyCount"] = len(replies)
    reply_template = template["replies"]["comments"][0]
    thread["replies"] = {"comments": []}
    for reply_id, when in replies:
        reply = copy.deepcopy(reply_template)
        reply["id"] = reply_id
        reply["snippet"]["publishedAt"] = when
        reply["snippet"]["parentId"] = thread_id
        reply["snippet"]["authorChannelId"] = {"value": "UCviewer"}
        thread["replies"]["comments"].append(reply)
    return thread


def test_a_new_reply_on_an_older_thread_further_down_is_found(rsps: responses.RequestsMock,
                                                              clock: FixedClock) -> None:
    recorded = load("youtube/python-youtube/history/afc61d74/"
                    "comment_threads_by_all_to_channel_id.json")
    template = next(t for t in recorded["items"] if t.get("replies"))
    first = {"items": [_thread(template, "Tnew", "2019-08-23T10:00:00Z", [])]}
    # Next sweep: one newer thread, then (page 2, ordered by top-level time) a thread from
    # the day before the floor that got a reply after it.
    second_p1 = {"items": [_thread(template, "Tnewer", "2019-08-23T12:00:00Z", []),
                           _thread(template, "Tnew", "2019-08-23T10:00:00Z", []),
                           _thread(template, "Tmid", "2019-08-23T08:00:00Z", [])],
                 "nextPageToken": "page2"}
    second_p2 = {"items": [_thread(template, "Told", "2019-08-22T09:00:00Z",
                                   [("Told.r1", "2019-08-23T11:00:00Z")])]}
    for body in (first, second_p1, second_p2):
        rsps.add("GET", f"{API}/commentThreads", json=body)
    connector = build(clock)
    cursor = connector.fetch("comments", None).next_cursor
    # A thread older than the floor on page 1 used to end the sweep there.
    page1 = connector.fetch("comments", cursor)
    page2 = connector.fetch("comments", page1.next_cursor)
    got = [m.platform_id for m in (*page1.messages, *page2.messages)]
    assert got == ["Tnewer", "Told.r1"]


def test_a_broken_reply_in_a_thread_is_reported_not_dropped(rsps: responses.RequestsMock,
                                                            clock: FixedClock) -> None:
    body = load("youtube/python-youtube/history/afc61d74/"
                "comment_threads_by_all_to_channel_id.json")
    thread = next(t for t in body["items"] if t.get("replies"))
    del thread["replies"]["comments"][0]["snippet"]["publishedAt"]
    body.pop("nextPageToken", None)
    rsps.add("GET", f"{API}/commentThreads", json=body)
    page = build(clock).fetch("comments", None)
    assert len(page.skipped) == 1 and "publishedAt" in page.skipped[0].reason
    assert thread["id"] in {m.platform_id for m in page.messages}
