"""X (Twitter) through tweepy.Client on API v2: mentions and DMs in, replies, DMs, posts
and reply hiding out.

tweepy runs with wait_on_rate_limit=False and returns the raw requests.Response, so the
x-rate-limit-* headers reach the shared classifier and nothing here ever sleeps.
A self-serve X app may reply only to people who mentioned or quoted the account, so public
replies go only to messages of kind "mention".
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import requests
import tweepy

from socialdesk.connectors.cursor import decode_sweep
from socialdesk.connectors.errors import ConnectorError, Permanent, Rejected, RetryLater
from socialdesk.connectors.http import (
    MAX_BODY_BYTES,
    TIMEOUT,
    Clock,
    parse_json,
    response_error,
    utc_now,
)
from socialdesk.connectors.items import (
    BadItem,
    collect,
    data_list,
    described,
    maybe_text,
    obj,
    parse_time,
)
from socialdesk.connectors.items import text_field as need
from socialdesk.connectors.ledger import CostLedger, Ledger
from socialdesk.connectors.types import (
    Attachment,
    Connector,
    InboundMessage,
    Page,
    SendResult,
    Target,
    missing_secrets,
)
from socialdesk.core.settings import AccountConfig, MissingSecret

# note_tweet: a post longer than 280 characters arrives cut short in `text`; its whole text
# is in note_tweet.text, sent only when asked for.
TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "in_reply_to_user_id",
                "referenced_tweets", "note_tweet", "attachments"]
DM_FIELDS = ["id", "text", "created_at", "sender_id", "dm_conversation_id", "event_type",
             "attachments"]
# A post's or DM's pictures and videos come as media keys, described in includes.media:
# a photo's url, a video's or GIF's preview_image_url (X gives no video address here).
MEDIA_EXPANSION = "attachments.media_keys"
MEDIA_FIELDS = ["type", "url", "preview_image_url"]
SECRETS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
# Tweet and DM event ids are snowflakes: milliseconds since this epoch, shifted left 22 bits.
SNOWFLAKE_EPOCH_MS = 1288834974657
# A post whose send may have reached X is looked for among this many of the latest.
POSTS_LOOKED_AT = 20
_URL = re.compile(r"https?://\S+")


def same_post(shown: str, written: str) -> bool:
    """Whether X's text of a post is `written`: X escapes &, < and > and shortens every
    link to a t.co address, so links compare as links and entities as characters."""
    def norm(t: str) -> str:
        return " ".join(_URL.sub("<link>", t).split())
    return norm(html.unescape(shown)) == norm(written)


def snowflake_time(item_id: str) -> datetime:
    if not item_id.isdigit():
        raise BadItem(f"id {item_id!r} is not numeric")
    return datetime.fromtimestamp(((int(item_id) >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, UTC)


def _users(body: Mapping[str, Any]) -> dict[str, str]:
    includes = body.get("includes")
    users = includes.get("users") if isinstance(includes, Mapping) else None
    if not isinstance(users, list):
        return {}
    return {str(u["id"]): maybe_text(u, "username") for u in users
            if isinstance(u, Mapping) and "id" in u}


def _media(body: Mapping[str, Any]) -> dict[str, Attachment]:
    includes = body.get("includes")
    media = includes.get("media") if isinstance(includes, Mapping) else None
    return {maybe_text(m, "media_key"): Attachment(
                maybe_text(m, "type") or "file",
                maybe_text(m, "url") or maybe_text(m, "preview_image_url"))
            for m in media if isinstance(m, Mapping)} if isinstance(media, list) else {}


def _attached(item: Mapping[str, Any], media: Mapping[str, Attachment]) -> list[Attachment]:
    box = item.get("attachments")
    keys = box.get("media_keys") if isinstance(box, Mapping) else None
    # A key the includes do not describe (media removed since) is still something sent.
    return [media.get(str(key), Attachment("media")) for key in keys or []]


def parse_tweet(raw: Any, users: Mapping[str, str], stream: str = "mentions", *,
                media: Mapping[str, Attachment] | None = None) -> InboundMessage:
    item = obj(raw, "tweet")
    tweet_id = need(item, "id")
    created = (parse_time(item["created_at"], "created_at") if "created_at" in item
               else snowflake_time(tweet_id))
    replied_to = None
    refs = item.get("referenced_tweets")
    if isinstance(refs, list):
        for ref in refs:
            if isinstance(ref, Mapping) and ref.get("type") == "replied_to":
                replied_to = maybe_text(ref, "id") or None
    author = maybe_text(item, "author_id")
    note = item.get("note_tweet")
    text = maybe_text(note, "text") if isinstance(note, Mapping) else ""
    attachments = _attached(item, media or {})
    return InboundMessage(
        platform="x", stream=stream, platform_id=tweet_id, kind="mention",
        author_id=author, author_handle=users.get(author, ""),
        text=described(text or need(item, "text", default=""), attachments),
        created_at=created, conversation_id=maybe_text(item, "conversation_id") or tweet_id,
        in_reply_to=replied_to, raw=dict(item), attachments=tuple(attachments),
    )


def is_retweet(message: InboundMessage) -> bool:
    """A retweet of a post that mentioned the account repeats the mention; it is nobody
    asking anything, and answering it would answer the retweeter."""
    refs = message.raw.get("referenced_tweets")
    return isinstance(refs, list) and any(
        isinstance(r, Mapping) and r.get("type") == "retweeted" for r in refs)


def parse_dm(raw: Any, users: Mapping[str, str], *,
             media: Mapping[str, Attachment] | None = None) -> InboundMessage:
    item = obj(raw, "dm event")
    event_id = need(item, "id")
    created = (parse_time(item["created_at"], "created_at") if "created_at" in item
               else snowflake_time(event_id))
    sender = maybe_text(item, "sender_id")
    attachments = _attached(item, media or {})
    return InboundMessage(
        platform="x", stream="dms", platform_id=event_id, kind="dm", author_id=sender,
        author_handle=users.get(sender, ""),
        text=described(need(item, "text", default=""), attachments), created_at=created,
        conversation_id=maybe_text(item, "dm_conversation_id"), raw=dict(item),
        attachments=tuple(attachments),
    )


class _TimedSession:
    """tweepy passes no timeout; this gives every request one."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(*args, **kwargs)


class XConnector(Connector):
    platform = "x"
    streams = ("mentions", "dms")
    text_limit = 280
    capabilities = frozenset({"reply", "private_reply", "dm", "hide", "post"})
    min_poll_interval = 60
    cost_per_call = MappingProxyType({
        "read": 0.005, "reply": 0.015, "post": 0.015, "with_link": 0.20, "dm": 0.015,
    })
    dm_text_limit = 10_000

    def __init__(self, account: AccountConfig, *, session: requests.Session | None = None,
                 now: Clock | None = None) -> None:
        self.account = account
        self.now = now or utc_now
        self.session = session or requests.Session()
        self.ledger = CostLedger(account.name, self.now)
        self.rate_limited_until: datetime | None = None
        self._client: tweepy.Client | None = None
        self._user_id = str(account.options.get("user_id", "") or "")

    # -- plumbing ---------------------------------------------------------------------------

    def client(self) -> tweepy.Client:
        if self._client is None:
            try:
                keys = {name: self.account.secret(name).reveal() for name in SECRETS}
            except MissingSecret as exc:
                raise Permanent(str(exc)) from None
            bearer = self.account.optional_secret("bearer_token")
            client = tweepy.Client(
                bearer_token=bearer.reveal() if bearer else None, **keys,
                return_type=requests.Response, wait_on_rate_limit=False,
            )
            client.session = _TimedSession(self.session)
            self._client = client
        return self._client

    def _call(self, method: Callable[..., Any], *, write: bool = False,
              **params: Any) -> tuple[dict[str, Any], Mapping[str, str]]:
        now = self.now()
        if self.rate_limited_until and now < self.rate_limited_until:
            raise RetryLater("X rate limit window not over", self.rate_limited_until)
        try:
            response: requests.Response = method(**params)
        except tweepy.errors.HTTPException as exc:
            error = response_error(exc.response, dialect="x", now=now, write=write)
            if isinstance(error, RetryLater) and error.retry_at:
                self.rate_limited_until = error.retry_at
            raise error from None
        except requests.Timeout:
            raise RetryLater("X timed out") from None
        except requests.RequestException as exc:
            raise RetryLater(f"X connection failed ({type(exc).__name__})") from None
        if len(response.content) > MAX_BODY_BYTES:
            raise RetryLater(f"X response larger than {MAX_BODY_BYTES} bytes")
        self._note_limits(response.headers)
        body = parse_json(response.content, "X API")
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise RetryLater(f"X answered with a {type(body).__name__}, not an object")
        return body, response.headers

    def _note_limits(self, headers: Mapping[str, str]) -> None:
        remaining, reset = headers.get("x-rate-limit-remaining"), headers.get("x-rate-limit-reset")
        if remaining == "0" and reset and reset.isdigit():
            self.rate_limited_until = datetime.fromtimestamp(int(reset), UTC)

    def user_id(self) -> str:
        if not self._user_id:
            body, _ = self._call(self.client().get_me, user_auth=True)
            data = body.get("data")
            if not isinstance(data, Mapping) or "id" not in data:
                raise RetryLater("X get_me answered without data.id")
            self._user_id = str(data["id"])
        return self._user_id

    def poll_delay_hint(self) -> float:
        if self.rate_limited_until is None:
            return 0.0
        return max(0.0, (self.rate_limited_until - self.now()).total_seconds())

    # -- reading ----------------------------------------------------------------------------

    def fetch(self, stream: str, cursor: str | None) -> Page:
        self.require_stream(stream)
        if stream == "mentions":
            return self._mentions(cursor)
        return self._dms(cursor)

    def _mentions(self, cursor: str | None) -> Page:
        state = _decode_ids(cursor)
        since, token, top = state.get("since"), state.get("token"), state.get("top")
        params: dict[str, Any] = {
            "id": self.user_id(), "max_results": 100, "tweet_fields": TWEET_FIELDS,
            "expansions": ["author_id", "referenced_tweets.id", MEDIA_EXPANSION],
            "user_fields": ["username"], "media_fields": MEDIA_FIELDS, "user_auth": True,
        }
        if since:
            params["since_id"] = since
        if token:
            params["pagination_token"] = token
        body, _ = self._call(self.client().get_users_mentions, **params)
        try:
            raw_items = data_list(body)
        except BadItem as exc:
            raise RetryLater(f"X mentions: {exc}") from None
        users, media = _users(body), _media(body)
        messages, skipped = collect(raw_items, lambda r: [parse_tweet(r, users, media=media)],
                                    "x mentions")
        # since_id is the server's job, but a replayed or stale page must not repeat messages.
        if since:
            messages = [m for m in messages if not m.platform_id.isdigit()
                        or int(m.platform_id) > int(since)]
        me = self.user_id()
        messages = [m for m in messages if m.author_id != me and not is_retweet(m)]
        self.ledger.charge("read", self.cost_per_call["read"], len(raw_items))
        meta = body.get("meta") if isinstance(body.get("meta"), Mapping) else {}
        newest = maybe_text(meta, "newest_id") if isinstance(meta, Mapping) else ""
        top = _max_id(top, newest or None)
        next_token = maybe_text(meta, "next_token") if isinstance(meta, Mapping) else ""
        if next_token:
            nxt = {"since": since, "token": next_token, "top": top}
        else:
            nxt = {"since": _max_id(since, top), "token": None, "top": None}
        return Page(tuple(messages), _encode_ids(nxt), tuple(skipped))

    def _dms(self, cursor: str | None) -> Page:
        sweep = decode_sweep(cursor)
        params: dict[str, Any] = {
            "dm_event_fields": DM_FIELDS, "event_types": "MessageCreate", "max_results": 100,
            "expansions": ["sender_id", MEDIA_EXPANSION], "user_fields": ["username"],
            "media_fields": MEDIA_FIELDS, "user_auth": True,
        }
        if sweep.token:
            params["pagination_token"] = sweep.token
        me = self.user_id()
        body, _ = self._call(self.client().get_direct_message_events, **params)
        try:
            raw_items = data_list(body)
        except BadItem as exc:
            raise RetryLater(f"X dm_events: {exc}") from None
        users, media = _users(body), _media(body)
        events, skipped = collect(raw_items, lambda r: [parse_dm(r, users, media=media)],
                                  "x dms")
        self.ledger.charge("read", self.cost_per_call["read"], len(raw_items))
        fresh = [e for e in events if not sweep.floor.covers(e.created_at, e.platform_id)]
        sweep = sweep.saw((e.created_at, e.platform_id) for e in events)
        meta = body.get("meta")
        next_token = maybe_text(meta, "next_token") if isinstance(meta, Mapping) else ""
        reached_floor = len(fresh) < len(events)
        if next_token and not reached_floor and raw_items:
            sweep = replace(sweep, token=next_token)
        else:
            sweep = sweep.finished()
        inbound = tuple(e for e in fresh if e.author_id != me)
        return Page(inbound, sweep.encode(), tuple(skipped))

    # -- writing ----------------------------------------------------------------------------

    def _charge_post(self, text: str) -> None:
        if LINK.search(text):
            self.ledger.charge("with_link", self.cost_per_call["with_link"])
        else:
            self.ledger.charge("reply", self.cost_per_call["reply"])

    def reply(self, target: Target, text: str, idempotency_key: str, *,
              by_agent: bool = False) -> SendResult:
        if target.kind == "dm":
            return self.send_private(target, text, idempotency_key)
        if target.kind != "mention":
            raise Rejected("X lets this app reply only to posts that mention or quote the account")
        self.require_text(text)
        body, _ = self._call(self.client().create_tweet, write=True, text=text,
                             in_reply_to_tweet_id=target.platform_id, user_auth=True)
        self._charge_post(text)
        return SendResult(_created_id(body, "id"))

    def send_private(self, target: Target, text: str, idempotency_key: str, *,
                     by_agent: bool = False) -> SendResult:
        self.require_text(text, self.dm_text_limit)
        if target.kind == "dm" and target.conversation_id:
            where: dict[str, Any] = {"dm_conversation_id": target.conversation_id}
        elif target.author_id:
            where = {"participant_id": target.author_id}
        else:
            raise Rejected("no author or conversation to send a direct message to")
        body, _ = self._call(self.client().create_direct_message, write=True, text=text,
                             user_auth=True, **where)
        self.ledger.charge("dm", self.cost_per_call["dm"])
        return SendResult(_created_id(body, "dm_event_id"))

    def post(self, text: str, idempotency_key: str = "", *, image_url: str = "") -> SendResult:
        if image_url:
            raise Rejected("this X connector posts text only")
        self.require_text(text)
        body, _ = self._call(self.client().create_tweet, write=True, text=text, user_auth=True)
        self._charge_post(text)
        return SendResult(_created_id(body, "id"))

    def hide(self, platform_id: str) -> None:
        self._call(self.client().hide_reply, write=True, id=platform_id, user_auth=True)

    def find_reply(self, target: Target, text: str) -> str | None:
        if target.kind == "dm":
            if not target.conversation_id:
                return None
            body, _ = self._call(self.client().get_direct_message_events,
                                 dm_conversation_id=target.conversation_id,
                                 dm_event_fields=DM_FIELDS, max_results=100, user_auth=True)
            me = self.user_id()
            for raw in data_list(body):
                if isinstance(raw, Mapping) and raw.get("sender_id") == me \
                        and raw.get("text") == text:
                    return str(raw.get("id"))
            return None
        body, _ = self._call(self.client().get_users_tweets, id=self.user_id(),
                             since_id=target.platform_id, max_results=100,
                             tweet_fields=TWEET_FIELDS, user_auth=True)
        raw_items = data_list(body)
        self.ledger.charge("read", self.cost_per_call["read"], len(raw_items))
        for raw in raw_items:
            try:
                tweet = parse_tweet(raw, {})
            except BadItem:
                continue
            # The text as written: a parsed text also names any attachment.
            written = tweet.text if not tweet.attachments else maybe_text(raw, "text")
            if tweet.in_reply_to == target.platform_id and written == text:
                return tweet.platform_id
        return None

    def can_find_reply(self, target: Target) -> bool:
        return target.kind != "dm" or bool(target.conversation_id)

    def find_post(self, text: str) -> str | None:
        # The account's latest posts (replies excluded): a lost post is at most a retry old.
        body, _ = self._call(self.client().get_users_tweets, id=self.user_id(),
                             max_results=POSTS_LOOKED_AT, exclude=["replies", "retweets"],
                             tweet_fields=TWEET_FIELDS, user_auth=True)
        raw_items = data_list(body)
        self.ledger.charge("read", self.cost_per_call["read"], len(raw_items))
        for raw in raw_items:
            if isinstance(raw, Mapping) and same_post(maybe_text(raw, "text"), text) \
                    and not raw.get("in_reply_to_user_id"):
                return str(raw.get("id"))
        return None

    def can_find_post(self) -> bool:
        return True

    def ledgers(self) -> tuple[Ledger, ...]:
        return (self.ledger,)

    def check(self) -> list[str]:
        problems = missing_secrets(self.account, SECRETS)
        if problems:
            return problems
        try:
            body, headers = self._call(self.client().get_me, user_auth=True)
        except ConnectorError as exc:
            return [f"X rejected the credentials: {exc.reason}"]
        level = headers.get("x-access-level", "")
        if level and "write" not in level:
            problems.append(f"app access level is {level!r}: replies need read-write")
        if "dms" in self.account.streams and level and "directmessages" not in level:
            problems.append(f"app access level is {level!r}: the dms stream needs "
                            "read-write-directmessages")
        data = body.get("data")
        if isinstance(data, Mapping) and self._user_id and str(data.get("id")) != self._user_id:
            problems.append(
                f"option user_id {self._user_id} is not the token's user {data.get('id')}")
        return problems


def _created_id(body: Mapping[str, Any], key: str) -> str:
    data = body.get("data")
    if isinstance(data, Mapping) and data.get(key) is not None:
        return str(data[key])
    raise RetryLater(f"X accepted the request but sent no {key}; reconcile with find_reply")


def _max_id(a: str | None, b: str | None) -> str | None:
    if not a:
        return b
    if not b:
        return a
    return a if int(a) >= int(b) else b


def _decode_ids(cursor: str | None) -> dict[str, str | None]:
    if not cursor:
        return {}
    try:
        raw = json.loads(cursor)
        out = {k: raw.get(k) for k in ("since", "token", "top")}
        for key in ("since", "top"):
            if out[key] is not None and not str(out[key]).isdigit():
                raise ValueError(f"{key} is not a tweet id")
        return out
    except (ValueError, AttributeError) as exc:
        raise Permanent(f"unreadable X cursor {cursor[:80]!r} ({exc}); reset the stream") from None


def _encode_ids(state: Mapping[str, str | None]) -> str:
    return json.dumps(dict(state), separators=(",", ":"), sort_keys=True)

