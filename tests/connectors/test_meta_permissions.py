"""`accounts check` names, for Facebook and Instagram alike, each thing the desk needs that
the token's permissions do not allow (Graph's debug_token), without sending anything."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import responses

from socialdesk.connectors import connector_for

from .support import FixedClock, account

GRAPH = r"https://graph\.facebook\.com/v[\d.]+/"
PAGE, IG_USER = "2121008874780932", "17841405822304914"


def graph(path: str) -> re.Pattern[str]:
    return re.compile(GRAPH + path + r"(\?|$)")


def debug_token(*scopes: str) -> dict[str, object]:
    """Graph's debug_token answer (its documented shape) for a token with `scopes`."""
    return {"data": {"app_id": "1", "type": "PAGE", "application": "socialdesk",
                     "is_valid": True, "scopes": list(scopes)}}


def instagram_check(rsps: responses.RequestsMock, clock: FixedClock, *scopes: str,
                    streams: tuple[str, ...] = ("comments", "mentions", "dms")) -> list[str]:
    rsps.add("GET", graph("debug_token"), json=debug_token(*scopes))
    rsps.add("GET", graph(IG_USER), json={"id": IG_USER, "username": "haiDJPb"})
    rsps.add("GET", graph(f"{IG_USER}/media"), json={"data": []})
    rsps.add("GET", graph(f"{IG_USER}/tags"), json={"data": []})
    rsps.add("GET", graph(f"{PAGE}/conversations"), json={"data": []})
    connector = connector_for(account("instagram", secrets={"access_token": "t"},
                                      streams=streams, ig_user_id=IG_USER, page_id=PAGE),
                              now=clock)
    return connector.check()


def test_an_instagram_token_without_comment_and_direct_rights_is_named_for_each_need(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    problems = instagram_check(rsps, clock, "instagram_basic", "pages_show_list")
    assert problems == [
        "cannot read comments with their ids and authors: the token lacks "
        "instagram_manage_comments",
        "cannot reply to comments: the token lacks instagram_manage_comments",
        "cannot hide comments: the token lacks instagram_manage_comments",
        "cannot reply privately to a comment: the token lacks instagram_manage_messages",
        "cannot read mentions and answer them: the token lacks instagram_manage_comments",
        "cannot read and answer Instagram Direct: the token lacks instagram_manage_messages, "
        "pages_manage_metadata",
    ]
    asked = next(c for c in rsps.calls if "debug_token" in (c.request.url or ""))
    query = parse_qs(urlparse(asked.request.url or "").query)
    assert query["input_token"] == ["t"]
    assert all(c.request.method == "GET" for c in rsps.calls), "a check sends nothing"


def test_an_instagram_token_with_every_right_passes(rsps: responses.RequestsMock,
                                                    clock: FixedClock) -> None:
    assert instagram_check(rsps, clock, "instagram_basic", "instagram_manage_comments",
                           "instagram_manage_messages", "pages_manage_metadata") == []


def test_only_the_streams_an_account_reads_need_their_rights(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    problems = instagram_check(rsps, clock, "instagram_basic", "instagram_manage_comments",
                               streams=("comments",))
    assert problems == ["cannot reply privately to a comment: the token lacks "
                        "instagram_manage_messages"]


def test_a_page_token_that_cannot_engage_or_message_is_named_for_each_need(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    rsps.add("GET", graph("debug_token"),
             json=debug_token("pages_read_engagement", "pages_read_user_content"))
    rsps.add("GET", graph(PAGE), json={"id": PAGE, "name": "MyLife"})
    rsps.add("GET", graph(f"{PAGE}/feed"), json={"data": []})
    rsps.add("GET", graph(f"{PAGE}/conversations"), json={"data": []})
    connector = connector_for(account("facebook", secrets={"page_access_token": "t"},
                                      streams=("comments", "dms"), page_id=PAGE), now=clock)
    assert connector.check() == [
        "cannot reply to comments: the token lacks pages_manage_engagement",
        "cannot hide comments: the token lacks pages_manage_engagement",
        "cannot reply privately to a comment: the token lacks pages_messaging",
        "cannot read and answer Messenger: the token lacks pages_messaging",
    ]


def test_a_token_graph_will_not_describe_is_said_so(rsps: responses.RequestsMock,
                                                    clock: FixedClock) -> None:
    rsps.add("GET", graph("debug_token"), status=400, json={"error": {
        "message": "(#100) You must provide an app access token, or a user access token "
                   "that is an owner or developer of the app", "type": "OAuthException",
        "code": 100}})
    problems = instagram_check(rsps, clock, streams=("comments",))
    assert len(problems) == 1 and "could not be read (debug_token)" in problems[0]
