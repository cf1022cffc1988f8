"""YouTube Data API v3: comment threads on the channel's videos in; replies and moderation
out, on a daily quota of 10,000 units (list 1, insert and moderation 50) that resets at
midnight Pacific time.

Reads use an API key when one is configured, else the OAuth token; writes always use an
OAuth access token obtained from the refresh token. A 401 on a write refreshes the token
once; a second 401 is Permanent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

import requests

from socialdesk.connectors.cursor import decode_sweep
from socialdesk.connectors.errors import ConnectorError, Gone, Permanent, Rejected, RetryLater
from socialdesk.connectors.http import Clock, HttpClient, utc_now
from socialdesk.connectors.items import (
    BadItem,
    PartlyBad,
    collect,
    data_list,
    maybe_text,
    obj,
    parse_time,
)
from socialdesk.connectors.items import text_field as need
from socialdesk.connectors.ledger import Ledger, QuotaLedger
from socialdesk.connectors.types import (
    Connector,
    InboundMessage,
    Page,
    SendResult,
    Skipped,
    Target,
    missing_secrets,
)
from socialdesk.core.scrub import remember
from socialdesk.core.settings import AccountConfig, MissingSecret

API = "https://www.googleapis.com/youtube/v3"
TOKEN_URL = "https://oauth2.googleapis.com/token"
OAUTH_SECRETS = ("client_id", "client_secret", "refresh_token")
# commentThreads.list orders threads by their top-level comment, not by their newest reply:
# a sweep reads this far behind the last one, so a new reply on a recent thread is found
# (options.reply_lookback_days), and fetches missing replies of threads whose count moved.
REPLY_LOOKBACK = timedelta(days=7)
# Threads per sweep whose hidden replies are fetched (1 unit each), so that one busy sweep
# cannot eat the reserve kept for replies; the rest wait for the next sweep.
REPLY_FETCHES_PER_PAGE = 10


def _comment(raw: Any, thread_id: str, parent: str | None) -> InboundMessage:
    item = obj(raw, "comment")
    snippet = obj(item.get("snippet"), "comment.snippet")
    channel = snippet.get("authorChannelId")
    author = maybe_text(channel, "value") if isinstance(channel, Mapping) else ""
    text = maybe_text(snippet, "textOriginal") or need(snippet, "textDisplay")
    return InboundMessage(
        platform="youtube", stream="comments", platform_id=need(item, "id"),
        kind="reply" if parent else "comment", author_id=author,
        author_handle=maybe_text(snippet, "authorDisplayName"), text=text,
        created_at=parse_time(snippet.get("publishedAt"), "publishedAt"),
        conversation_id=thread_id,
        in_reply_to=parent or maybe_text(snippet, "videoId") or None, raw=dict(item),
    )


def parse_thread(raw: Any) -> list[InboundMessage]:
    thread = obj(raw, "comment thread")
    thread_id = need(thread, "id")
    snippet = obj(thread.get("snippet"), "thread.snippet")
    top = _comment(snippet.get("topLevelComment"), thread_id, None)
    out = [top]
    broken: list[Skipped] = []
    replies = thread.get("replies")
    comments = replies.get("comments") if isinstance(replies, Mapping) else None
    for entry in comments if isinstance(comments, list) else []:
        try:
            out.append(_comment(entry, thread_id, top.platform_id))
        except BadItem as exc:
            broken.append(Skipped(entry, f"reply in thread {thread_id}: {exc}"))
    if broken:
        raise PartlyBad(out, broken)
    return out


def thread_counts(raw: Any) -> tuple[str, datetime, int, int] | None:
    """(thread id, top-level time, totalReplyCount, replies included) of a listed thread."""
    try:
        thread = obj(raw, "comment thread")
        snippet = obj(thread.get("snippet"), "thread.snippet")
        top = obj(snippet.get("topLevelComment"), "topLevelComment")
        when = parse_time(obj(top.get("snippet"), "snippet").get("publishedAt"))
        total = snippet.get("totalReplyCount")
        replies = thread.get("replies")
        shown = replies.get("comments") if isinstance(replies, Mapping) else None
        return (need(thread, "id"), when, total if isinstance(total, int) else 0,
                len(shown) if isinstance(shown, list) else 0)
    except BadItem:
        return None


def thread_time(raw: Any) -> datetime | None:
    """The newest time in a thread: a thread moves up the listing when it gets a reply."""
    try:
        return max(m.created_at for m in parse_thread(raw))
    except BadItem:
        return None


class YouTubeConnector(Connector):
    platform = "youtube"
    streams = ("comments",)
    text_limit = 10_000
    capabilities = frozenset({"reply", "hide"})
    min_poll_interval = 300
    cost_per_call = MappingProxyType({"list": 1, "insert": 50, "moderate": 50})

    def __init__(self, account: AccountConfig, *, session: requests.Session | None = None,
                 now: Clock | None = None) -> None:
        self.account = account
        self.now = now or utc_now
        self.http = HttpClient(session, self.now, "google")
        self.channel_id = str(account.options.get("channel_id", "") or "")
        self.quota = QuotaLedger(self.now, int(account.options.get("daily_quota", 10_000)),
                                 int(account.options.get("quota_reserve", 1_500)),
                                 account=account.name)
        self._access: tuple[str, datetime] | None = None

    # -- auth -------------------------------------------------------------------------------

    def _refresh(self) -> str:
        try:
            form = {name: self.account.secret(name).reveal() for name in OAUTH_SECRETS}
        except MissingSecret as exc:
            raise Permanent(str(exc)) from None
        form["grant_type"] = "refresh_token"
        try:
            reply = self.http.request("POST", TOKEN_URL, data=form)
        except Permanent as exc:
            raise Permanent(f"Google refused the refresh token: {exc.reason}") from None
        except Rejected as exc:
            raise Permanent(f"Google refused the refresh token: {exc.reason}") from None
        body = reply.body if isinstance(reply.body, Mapping) else {}
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise RetryLater("token endpoint answered without access_token")
        remember(token)  # obtained, not configured: scrubbed like the configured secrets
        lifetime = body.get("expires_in")
        seconds = lifetime if isinstance(lifetime, int) else 3600
        self._access = (token, self.now() + timedelta(seconds=max(60, seconds - 60)))
        return token

    def _bearer(self) -> str:
        if self._access and self.now() < self._access[1]:
            return self._access[0]
        return self._refresh()

    def _call(self, method: str, path: str, *, params: Mapping[str, Any],
              body: Any = None, units: int, write: bool = False) -> Any:
        if write and not self.quota.can_write(units):
            raise RetryLater("YouTube daily quota used up", self.quota.resets_at())
        if not write and not self.quota.can_read(units):
            raise RetryLater("YouTube quota reserve kept for replies", self.quota.resets_at())
        key = self.account.optional_secret("api_key")
        for attempt in (1, 2):
            query = dict(params)
            headers = {}
            if key is not None and not write:
                query["key"] = key.reveal()
            else:
                headers["Authorization"] = f"Bearer {self._bearer()}"
            self.quota.charge(units)
            try:
                return self.http.request(method, f"{API}/{path}", params=query,
                                         json_body=body, headers=headers, write=write).body
            except Permanent as exc:
                if attempt == 1 and "401" in exc.reason and "Authorization" in headers:
                    self._access = None
                    continue
                raise
        raise Permanent("YouTube refused the refreshed token")

    def poll_delay_hint(self) -> float:
        return self.quota.poll_delay_hint(units_per_poll=1, interval=self.min_poll_interval)

    # -- reading ----------------------------------------------------------------------------

    def fetch(self, stream: str, cursor: str | None) -> Page:
        self.require_stream(stream)
        if not self.channel_id:
            raise Permanent(f"account {self.account.name!r} needs options.channel_id")
        sweep = decode_sweep(cursor)
        params: dict[str, Any] = {
            "part": "snippet,replies", "allThreadsRelatedToChannelId": self.channel_id,
            "maxResults": 100, "order": "time", "textFormat": "plainText",
        }
        if sweep.token:
            params["pageToken"] = sweep.token
        body = self._call("GET", "commentThreads", params=params, units=1)
        try:
            raw_items = data_list(body, "items")
        except BadItem as exc:
            raise RetryLater(f"youtube commentThreads: {exc}") from None
        found, skipped = collect(raw_items, parse_thread, "youtube comments")
        floor = sweep.floor.at
        lookback = timedelta(days=float(self.account.options.get(
            "reply_lookback_days", REPLY_LOOKBACK.days)))
        known: dict[str, int] = dict(sweep.extra.get("replies") or {})
        counts: dict[str, int] = dict(sweep.extra.get("next") or {})
        fetched, reached = 0, False
        for listed in filter(None, map(thread_counts, raw_items)):
            thread_id, top_time, total, shown = listed
            if floor is not None and top_time < floor - lookback:
                reached = True  # older threads' new replies are beyond the lookback
                continue
            counts[thread_id] = total
            if total > shown and known.get(thread_id) != total:
                if fetched >= REPLY_FETCHES_PER_PAGE or not self.quota.can_read(1):
                    counts.pop(thread_id)  # not read this time: the next sweep tries again
                    continue
                fetched += 1
                more, bad = self._all_replies(thread_id)
                found.extend(more)
                skipped.extend(bad)
        fresh = [m for m in found if not sweep.floor.covers(m.created_at, m.platform_id)]
        fresh = list({m.platform_id: m for m in fresh}.values())
        sweep = sweep.saw((m.created_at, m.platform_id) for m in found)
        token = body.get("nextPageToken") if isinstance(body, Mapping) else None
        if isinstance(token, str) and token and not reached and raw_items:
            sweep = replace(sweep, token=token, extra={"replies": known, "next": counts})
        else:
            sweep = sweep.finished({"replies": counts})
        mine = {self.channel_id}
        return Page(tuple(m for m in fresh if m.author_id not in mine), sweep.encode(),
                    tuple(skipped))

    def _all_replies(self, thread_id: str) -> tuple[list[InboundMessage], list[Skipped]]:
        """Every reply of one thread (commentThreads carries only a few of them)."""
        try:
            body = self._call("GET", "comments", params={
                "part": "snippet", "parentId": thread_id, "maxResults": 100,
                "textFormat": "plainText"}, units=1)
        except Gone as exc:
            return [], [Skipped({"id": thread_id}, exc.reason)]
        try:
            raw_items = data_list(body, "items")
        except BadItem as exc:
            return [], [Skipped({"id": thread_id}, f"replies: {exc}")]
        return collect(raw_items, lambda raw: [_comment(raw, thread_id, thread_id)],
                       "youtube replies")

    # -- writing ----------------------------------------------------------------------------

    def reply(self, target: Target, text: str, idempotency_key: str, *,
              by_agent: bool = False) -> SendResult:
        self.require_text(text)
        # Replies attach to the thread's top-level comment, whose id is the thread id.
        parent = target.conversation_id or target.platform_id
        body = self._call("POST", "comments", params={"part": "snippet"},
                          body={"snippet": {"parentId": parent, "textOriginal": text}},
                          units=50, write=True)
        if not isinstance(body, Mapping) or not isinstance(body.get("id"), str):
            raise RetryLater("comments.insert answered without an id; reconcile with find_reply")
        return SendResult(str(body["id"]))

    def hide(self, platform_id: str) -> None:
        self._call("POST", "comments/setModerationStatus",
                   params={"id": platform_id, "moderationStatus": "heldForReview"},
                   units=50, write=True)

    def can_find_reply(self, target: Target) -> bool:
        return True

    def find_reply(self, target: Target, text: str) -> str | None:
        parent = target.conversation_id or target.platform_id
        body = self._call("GET", "comments", params={
            "part": "snippet", "parentId": parent, "maxResults": 100,
            "textFormat": "plainText"}, units=1)
        for raw in data_list(body, "items"):
            try:
                reply = _comment(raw, parent, parent)
            except BadItem:
                continue
            if reply.author_id == self.channel_id and reply.text == text:
                return reply.platform_id
        return None

    def ledgers(self) -> tuple[Ledger, ...]:
        return (self.quota,)

    def check(self) -> list[str]:
        problems = missing_secrets(self.account, OAUTH_SECRETS)
        if not self.channel_id:
            problems.append("options.channel_id is not set")
        if problems:
            return problems
        try:
            body = self._call("GET", "channels", params={"part": "id", "mine": "true"},
                              units=1, write=True)
        except ConnectorError as exc:
            return [f"YouTube OAuth check failed: {exc.reason}"]
        ids = [maybe_text(i, "id") for i in data_list(body, "items") if isinstance(i, Mapping)]
        if self.channel_id not in ids:
            problems.append(f"the OAuth token is for channel {ids or 'none'}, "
                            f"not {self.channel_id}")
        return problems
