"""One rig per connector for the contract suite: it builds the connector and serves, at the
HTTP boundary (or in the sandbox network), a multi-page listing, a reply and failures."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
import responses

from socialdesk.connectors import connector_for
from socialdesk.connectors.sandbox_network import (
    SandboxNetwork,
    Scenario,
    ScenarioAccount,
    ScenarioMessage,
)
from socialdesk.connectors.types import Connector, Ref

from .support import X_SECRETS, YT_SECRETS, FixedClock, account, load

GRAPH = re.compile(r"https://graph\.facebook\.com/v[\d.]+/")
FAILURES = ("rate_limit", "server_error", "revoked", "timeout")
HTML_500 = "<html><head><title>500 Internal Server Error</title></head><body>oops</body></html>"


class Rig:
    name = ""
    stream = ""
    reply_id = ""

    def __init__(self, rsps: responses.RequestsMock, clock: FixedClock, tmp: Path) -> None:
        self.rsps, self.clock, self.tmp = rsps, clock, tmp
        self.expected_ids: list[str] = []

    def build(self) -> Connector:
        raise NotImplementedError

    def serve_pages(self) -> None:
        raise NotImplementedError

    def serve_reply(self) -> None:
        raise NotImplementedError

    def target(self) -> Ref:
        raise NotImplementedError

    def serve_failure(self, kind: str) -> None:
        raise NotImplementedError

    def _http_failure(self, method: str, url: Any, kind: str, revoked_status: int,
                      revoked_body: Any) -> None:
        if kind == "rate_limit":
            self.rsps.add(method, url, status=429, json={"title": "Too Many Requests"},
                          headers={"retry-after": "120"})
        elif kind == "server_error":
            self.rsps.add(method, url, status=500, body=HTML_500, content_type="text/html")
        elif kind == "revoked":
            self.rsps.add(method, url, status=revoked_status, json=revoked_body)
        else:
            self.rsps.add(method, url, body=requests.exceptions.ConnectTimeout("slow"))


class XRig(Rig):
    name, stream = "x", "mentions"
    mentions = re.compile(r"https://api\.twitter\.com/2/users/42/mentions")

    def build(self) -> Connector:
        return connector_for(account("x", secrets=X_SECRETS, user_id="42"), now=self.clock)

    def serve_pages(self) -> None:
        first = load("twitter/python-twitter/timeline_mentions.json")
        second = load("twitter/python-twitter/search_tweets_query.json")
        self.expected_ids = [t["id"] for t in first["data"] + second["data"]]
        for body in (first, second, {"meta": {"result_count": 0}}):
            self.rsps.add("GET", self.mentions, json=body)

    def serve_reply(self) -> None:
        recorded = load("twitter/tweepy/decoded/test_client_create_and_delete_tweet.decoded.json")
        body = recorded[0]["response"]["body"]
        self.reply_id = body["data"]["id"]
        self.rsps.add("POST", "https://api.twitter.com/2/tweets", json=body, status=201)

    def target(self) -> Ref:
        return Ref("1364398068313903104", "mention", "1364398068313903104", "17200003")

    def serve_failure(self, kind: str) -> None:
        self._http_failure("GET", self.mentions, kind, 401,
                           {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"})


class InstagramRig(Rig):
    name, stream = "instagram", "comments"

    def build(self) -> Connector:
        # The recorded comments are all by the recording's own account (17841406338772941,
        # @ikroskun), which the connector rightly drops as its own; the rig reads them as
        # another account would, so that the paging contract has comments to deliver.
        return connector_for(account("instagram", secrets={"access_token": "t"},
                                     handle="hai.djpb", ig_user_id="17841400000000001"),
                             now=self.clock)

    def serve_pages(self) -> None:
        self.rsps.add("GET", re.compile(GRAPH.pattern + r"17841400000000001/media"),
                      json=load("instagram/python-facebook/users/medias_p1.json"))
        pages = [load("instagram/python-facebook/history/ffcccd4a/comment_default_p1.json"),
                 load("instagram/python-facebook/history/ffcccd4a/comment_default_p2.json")]
        self.expected_ids = []
        for page in pages:
            for comment in page["data"]:
                self.expected_ids.append(comment["id"])
                self.expected_ids += [r["id"] for r in comment.get("replies", {}).get("data", [])]
            self.rsps.add("GET", re.compile(GRAPH.pattern + r"17896622936197745/comments"),
                          json=page)

    def serve_reply(self) -> None:
        self.reply_id = "17850033184810160"
        self.rsps.add("POST", re.compile(GRAPH.pattern + r"17862949873623188/replies"),
                      json={"id": self.reply_id})

    def target(self) -> Ref:
        return Ref("17862949873623188", "comment", "17955956875141196", "17841406338772941")

    def serve_failure(self, kind: str) -> None:
        self._http_failure("GET", re.compile(GRAPH.pattern + r"17841400000000001/media"), kind,
                           400, {"error": {"message": "Error validating access token: The "
                                           "user has not authorized application 1.",
                                           "type": "OAuthException", "code": 190,
                                           "error_subcode": 458}})


class FacebookRig(Rig):
    name, stream = "facebook", "comments"

    def build(self) -> Connector:
        return connector_for(account("facebook", secrets={"page_access_token": "t"},
                                     page_id="19292868552"), now=self.clock)

    def serve_pages(self) -> None:
        self.rsps.add("GET", re.compile(GRAPH.pattern + r"19292868552/feed"),
                      json=load("facebook/python-facebook/posts/feeds_default_fields_p1.json"))
        pages = [load("facebook/python-facebook/history/b87bb290/comment_by_parent_p1.json"),
                 load("facebook/python-facebook/history/b87bb290/comment_by_parent_p2.json")]
        self.expected_ids = [c["id"] for page in pages for c in page["data"]]
        comments = re.compile(GRAPH.pattern + r"[\d_]+/comments")
        for page in [*pages, {"data": []}]:
            self.rsps.add("GET", comments, json=page)

    def serve_reply(self) -> None:
        body = load("facebook/python-facebook/comments/create_resp.json")
        self.reply_id = body["id"]
        self.rsps.add("POST", re.compile(GRAPH.pattern + r"2498598377021978_2498617433686739/"
                                         r"comments"), json=body)

    def target(self) -> Ref:
        return Ref("2498598377021978_2498617433686739", "comment", "2498598377021978",
                   "2711636948859886")

    def serve_failure(self, kind: str) -> None:
        self._http_failure("GET", re.compile(GRAPH.pattern + r"19292868552/feed"), kind, 400,
                           {"error": {"message": "Error validating access token: the token "
                                      "has expired.", "type": "OAuthException", "code": 190,
                                      "error_subcode": 463}})


class YouTubeRig(Rig):
    name, stream = "youtube", "comments"
    threads = "https://www.googleapis.com/youtube/v3/commentThreads"

    def build(self) -> Connector:
        return connector_for(account("youtube", secrets=YT_SECRETS, channel_id="UCowner"),
                             now=self.clock)

    def serve_pages(self) -> None:
        first = load("youtube/python-youtube/history/afc61d74/"
                     "comment_threads_by_all_to_channel_id.json")
        second = load("youtube/python-youtube/comment_threads/comment_threads_all_to_me.json")
        self.expected_ids = []
        for page in (first, second):
            for thread in page["items"]:
                self.expected_ids.append(thread["snippet"]["topLevelComment"]["id"])
                self.expected_ids += [r["id"] for r in thread.get("replies", {}).get(
                    "comments", [])]
            self.rsps.add("GET", self.threads, json=page)
        # One recorded thread counts a reply its listing does not carry, so the connector
        # asks comments.list for it; the contract here is the paging, so that answer is empty.
        self.rsps.add("GET", "https://www.googleapis.com/youtube/v3/comments",
                      json={"items": []})

    def serve_reply(self) -> None:
        self.rsps.add("POST", "https://oauth2.googleapis.com/token",
                      json={"access_token": "ya29.x", "expires_in": 3599,
                            "token_type": "Bearer"})
        body = load("youtube/python-youtube/comments/insert_response.json")
        self.reply_id = body["id"]
        self.rsps.add("POST", "https://www.googleapis.com/youtube/v3/comments", json=body)

    def target(self) -> Ref:
        return Ref("Ugy_CAftKrIUCyPr9GR4AaABAg", "comment", "Ugy_CAftKrIUCyPr9GR4AaABAg", "")

    def serve_failure(self, kind: str) -> None:
        self._http_failure("GET", self.threads, kind, 401, {"error": {
            "code": 401, "message": "Request had invalid authentication credentials.",
            "errors": [{"reason": "authError", "domain": "global"}],
            "status": "UNAUTHENTICATED"}})


class SandboxRig(Rig):
    name, stream = "sandbox", "comments"

    def build(self) -> Connector:
        return connector_for(account("sandbox", name="sb-ig", network=str(self.network_path),
                                     as_platform="instagram"), now=self.clock)

    @property
    def network_path(self) -> Path:
        return self.tmp / "network.db"

    @property
    def network(self) -> SandboxNetwork:
        return SandboxNetwork(self.network_path)

    def serve_pages(self) -> None:
        if self.expected_ids:
            return
        messages = tuple(ScenarioMessage("sb-ig", "comments", "comment", f"user{i}",
                                         f"komentar {i}", timedelta(minutes=i))
                         for i in range(25))
        self.network.load(Scenario((ScenarioAccount("sb-ig", "instagram", "hai.djpb"),),
                                   messages), self.clock() - timedelta(hours=1))
        self.expected_ids = [f"sb-ig-{i:04d}" for i in range(1, 26)]

    def serve_reply(self) -> None:
        if not self.expected_ids:
            self.serve_pages()
        self.reply_id = "sbx-reply-1"

    def target(self) -> Ref:
        return Ref("sb-ig-0001", "comment", "sb-ig-0001", "user:user0")

    def serve_failure(self, kind: str) -> None:
        if not self.expected_ids:
            self.serve_pages()
        self.network.inject("sb-ig", kind, stream="comments", retry_after=120)


RIGS: tuple[type[Rig], ...] = (XRig, InstagramRig, FacebookRig, YouTubeRig, SandboxRig)
