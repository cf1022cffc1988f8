"""Instagram professional account through the official Instagram Graph API: comments and
their replies on the account's media, media the account is tagged in, and (when the account
is linked to a Page with messaging) Instagram Direct conversations.

The unofficial instagrapi backend is chosen only by options.backend = "instagrapi"; see
instagram_private.py for why it is never the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import requests

from socialdesk.connectors.errors import ConnectorError, Permanent, Rejected, RetryLater
from socialdesk.connectors.graph import (
    POSTS_PER_SCAN,
    GraphClient,
    Parent,
    conversation_fields,
    conversation_with,
    created_id,
    messaging_window,
    next_after,
    parse_conversation,
    safe_time,
    scan_comments,
    sweep_newest_first,
)
from socialdesk.connectors.http import Clock, utc_now
from socialdesk.connectors.items import (
    BadItem,
    PartlyBad,
    data_list,
    maybe_text,
    obj,
    parse_time,
)
from socialdesk.connectors.items import text_field as need
from socialdesk.connectors.ledger import Ledger
from socialdesk.connectors.meta_permissions import permission_problems
from socialdesk.connectors.types import (
    Connector,
    InboundMessage,
    Page,
    SendResult,
    Skipped,
    Target,
    missing_secrets,
    own_identities,
)
from socialdesk.core.settings import AccountConfig

REPLY_FIELDS = "id,text,timestamp,username,from,user,hidden,parent_id"
# How long a media container still IN_PROGRESS is given before the publish is tried again.
CONTAINER_WAIT = timedelta(seconds=30)
COMMENT_FIELDS = f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"


def _author(item: Mapping[str, Any]) -> tuple[str, str]:
    """(id, handle). Graph shows the commenter's id only to some tokens; the username is
    unique on Instagram, so it stands in for the id when the id is absent."""
    handle = maybe_text(item, "username")
    for key in ("from", "user"):
        who = item.get(key)
        if isinstance(who, Mapping) and maybe_text(who, "id"):
            return maybe_text(who, "id"), handle or maybe_text(who, "username")
    if not handle:
        raise BadItem("comment has neither from/user id nor username")
    return handle, handle


def _comment(item: Mapping[str, Any], media_id: str, parent: str | None) -> InboundMessage:
    author_id, handle = _author(item)
    return InboundMessage(
        platform="instagram", stream="comments", platform_id=need(item, "id"),
        kind="reply" if parent else "comment", author_id=author_id, author_handle=handle,
        text=need(item, "text", default=""), created_at=parse_time(item.get("timestamp"),
                                                                   "timestamp"),
        conversation_id=media_id, in_reply_to=parent or media_id,
        raw={k: v for k, v in item.items() if k != "replies"}, hidden=item.get("hidden") is True,
    )


def parse_comment(raw: Any, media_id: str) -> list[InboundMessage]:
    item = obj(raw, "comment")
    top = _comment(item, media_id, maybe_text(item, "parent_id") or None)
    out = [top]
    broken: list[Skipped] = []
    replies = item.get("replies")
    entries = replies.get("data") if isinstance(replies, Mapping) else None
    for entry in entries if isinstance(entries, list) else []:
        try:
            out.append(_comment(obj(entry, "reply"), media_id, top.platform_id))
        except BadItem as exc:
            broken.append(Skipped(entry, f"reply to {top.platform_id}: {exc}"))
    if broken:
        raise PartlyBad(out, broken)
    return out


def parse_tag(raw: Any) -> list[InboundMessage]:
    item = obj(raw, "tagged media")
    media_id = need(item, "id")
    handle = maybe_text(item, "username")
    return [InboundMessage(
        platform="instagram", stream="mentions", platform_id=media_id, kind="mention",
        author_id=handle, author_handle=handle, text=maybe_text(item, "caption"),
        created_at=parse_time(item.get("timestamp"), "timestamp"), conversation_id=media_id,
        raw=dict(item),
    )]


class InstagramConnector(Connector):
    platform = "instagram"
    streams = ("comments", "mentions", "dms")
    text_limit = 2200
    dm_text_limit = 1000
    capabilities = frozenset({"reply", "private_reply", "hide", "dm", "post"})
    min_poll_interval = 120
    cost_per_call = MappingProxyType({"read": 0.0, "write": 0.0})

    def __init__(self, account: AccountConfig, *, session: requests.Session | None = None,
                 now: Clock | None = None) -> None:
        self.account = account
        self.now = now or utc_now
        self.graph = GraphClient(account, session, self.now, "access_token")
        self.user_id = str(account.options.get("ig_user_id", "") or "")
        self.page_id = str(account.options.get("page_id", "") or "")
        self._threads: dict[str, str] = {}  # person -> conversation id, for pushes
        # Media containers made for a post and not yet published, by the post's key: a
        # retry publishes the container it made instead of making another.
        self._containers: dict[str, str] = {}
        self.posts_per_scan = int(account.options.get("posts_per_scan", POSTS_PER_SCAN))
        self.own = own_identities(account)

    def _mine(self, message: InboundMessage) -> bool:
        """The account's own comment or message (Graph lists them beside the others)."""
        return message.author_id in self.own or message.author_handle.lower() in self.own

    def _user(self) -> str:
        if not self.user_id:
            raise Permanent(f"account {self.account.name!r} needs options.ig_user_id")
        return self.user_id

    def poll_delay_hint(self) -> float:
        return self.graph.delay_hint()

    def fetch(self, stream: str, cursor: str | None) -> Page:
        self.require_stream(stream)
        user = self._user()
        if stream == "mentions":
            return sweep_newest_first(
                cursor,
                read_page=lambda after: self.graph.get_own(f"{user}/tags", {
                    "fields": "id,caption,timestamp,username,permalink", "limit": 25,
                    **({"after": after} if after else {})}),
                parse=parse_tag, item_time=lambda raw: safe_time(raw, "timestamp"),
                keep=lambda m: not self._mine(m), where="instagram tags",
            )
        if stream == "dms":
            if not self.page_id:
                raise Permanent("Instagram Direct needs options.page_id (the linked Page)")
            return sweep_newest_first(
                cursor,
                read_page=lambda after: self.graph.get_own(f"{self.page_id}/conversations", {
                    "platform": "instagram", "fields": conversation_fields("instagram"),
                    "limit": 25,
                    **({"after": after} if after else {})}),
                parse=lambda raw: parse_conversation(raw, "instagram", "dms"),
                item_time=lambda raw: safe_time(raw, "updated_time"),
                keep=lambda m: not self._mine(m),
                where="instagram conversations",
            )
        return scan_comments(
            cursor, list_parents=self._media,
            read_comments=lambda media, after: self.graph.get(f"{media}/comments", {
                "fields": COMMENT_FIELDS, "limit": 50, **({"after": after} if after else {})}),
            parse=parse_comment, where="instagram comments", keep=lambda m: not self._mine(m),
        )

    def _media(self) -> tuple[list[Parent], list[InboundMessage], list[Skipped]]:
        body = self.graph.get_own(f"{self._user()}/media", {
            "fields": "id,timestamp,comments_count", "limit": self.posts_per_scan})
        try:
            raw_items = data_list(body)
        except BadItem as exc:
            raise RetryLater(f"instagram media: {exc}") from None
        parents: list[Parent] = []
        for media in raw_items:
            if isinstance(media, Mapping) and isinstance(media.get("id"), str):
                count = media.get("comments_count")
                if not isinstance(count, int) or isinstance(count, bool):
                    count = -1
                parents.append((str(media["id"]), count, media))
        return parents, [], []

    def reply(self, target: Target, text: str, idempotency_key: str, *,
              by_agent: bool = False) -> SendResult:
        if target.kind == "dm":
            return self.send_private(target, text, idempotency_key, by_agent=by_agent)
        self.require_text(text)
        if target.kind == "mention":
            # A caption mention is answered on its media; a comment mention names the
            # comment too (the media is the conversation).
            media = target.conversation_id or target.platform_id
            form = {"media_id": media, "message": text}
            if target.platform_id != media:
                form["comment_id"] = target.platform_id
            body = self.graph.post(f"{self._user()}/mentions", form)
        else:
            body = self.graph.post(f"{target.platform_id}/replies", {"message": text})
        return SendResult(created_id(body))

    def conversation_with(self, user_id: str) -> str | None:
        """The Instagram Direct conversation with `user_id` (an Instagram-scoped id), as
        polling names it; None without the linked Page that Direct needs."""
        if not self.page_id:
            return None
        return conversation_with(self.graph, self.page_id, user_id, "instagram",
                                 self._threads)

    def mentioned(self, media_id: str, comment_id: str = "") -> InboundMessage:
        """The comment or caption behind a `mentions` webhook, which names only its ids."""
        user = self._user()
        if comment_id:
            body = self.graph.get(user, {"fields": f"mentioned_comment.comment_id({comment_id})"
                                                   "{id,text,timestamp,username}"})
            item = obj(body.get("mentioned_comment"), "mentioned_comment")
            text, platform_id = maybe_text(item, "text"), need(item, "id")
        else:
            body = self.graph.get(user, {"fields": f"mentioned_media.media_id({media_id})"
                                                   "{id,caption,timestamp,username}"})
            item = obj(body.get("mentioned_media"), "mentioned_media")
            text, platform_id = maybe_text(item, "caption"), need(item, "id")
        handle = maybe_text(item, "username")
        return InboundMessage(
            platform="instagram", stream="mentions", platform_id=platform_id, kind="mention",
            author_id=handle, author_handle=handle, text=text,
            created_at=parse_time(item.get("timestamp"), "timestamp"),
            conversation_id=media_id, raw=dict(item))

    def send_private(self, target: Target, text: str, idempotency_key: str, *,
                     by_agent: bool = False) -> SendResult:
        self.require_text(text, self.dm_text_limit)
        if not self.page_id:
            raise Rejected("Instagram private replies need options.page_id (the linked Page)")
        window: dict[str, str] = {}
        if target.kind == "dm":
            recipient = {"id": target.author_id}
            # Instagram Direct keeps Messenger's rules: 24 hours, 7 for a person.
            window = messaging_window(self.now(), target, by_agent, "Instagram Direct")
        elif target.kind in ("comment", "reply"):
            recipient = {"comment_id": target.platform_id}
        else:
            raise Rejected("Instagram allows a private reply only to a comment or a DM")
        body = self.graph.post_json(f"{self.page_id}/messages",
                                    {"recipient": recipient, "message": {"text": text},
                                     **window})
        return SendResult(created_id(body, "message_id"))

    def hide(self, platform_id: str) -> None:
        self.graph.post(platform_id, {"hide": "true"})

    def post(self, text: str, idempotency_key: str = "", *, image_url: str = "") -> SendResult:
        """Content publishing: a media container (image_url, caption), its status checked,
        then media_publish. Graph fetches the image itself, so it must be public."""
        self.require_text(text)
        if not image_url:
            raise Rejected("Instagram publishes only media: a post needs an image")
        if not self.user_id:
            raise Permanent(f"account {self.account.name!r} needs options.ig_user_id")
        container = self._containers.get(idempotency_key) or created_id(self.graph.post(
            f"{self.user_id}/media", {"image_url": image_url, "caption": text}))
        if idempotency_key:
            self._containers[idempotency_key] = container
        status = maybe_text(self.graph.get(container, {"fields": "status_code,status"}),
                            "status_code")
        if status == "IN_PROGRESS":
            # Never wait inside a send: the outbox comes back, and publishes this container.
            raise RetryLater(f"media container {container} is still being processed",
                             retry_at=self.now() + CONTAINER_WAIT)
        if status in ("ERROR", "EXPIRED"):
            self._containers.pop(idempotency_key, None)
            raise Rejected(f"media container {container}: {status} (the image at "
                           f"{image_url} could not be used)")
        if status == "PUBLISHED":
            # An earlier publish got through and its answer was lost.
            self._containers.pop(idempotency_key, None)
            found = self.find_post(text)
            if found:
                return SendResult(found)
            raise RetryLater(f"media container {container} is published but not listed yet")
        body = self.graph.post(f"{self.user_id}/media_publish", {"creation_id": container})
        self._containers.pop(idempotency_key, None)
        return SendResult(created_id(body))

    def can_find_post(self) -> bool:
        return bool(self.user_id)

    def find_post(self, text: str) -> str | None:
        if not self.user_id:
            return None
        body = self.graph.get(f"{self.user_id}/media", {"fields": "id,caption,timestamp",
                                                       "limit": 25})
        for raw in data_list(body):
            if isinstance(raw, Mapping) and raw.get("caption") == text:
                return str(raw.get("id"))
        return None

    def can_find_reply(self, target: Target) -> bool:
        return target.kind in ("comment", "reply")

    def find_reply(self, target: Target, text: str) -> str | None:
        if target.kind not in ("comment", "reply"):
            return None
        after: str | None = None
        for _ in range(5):
            body = self.graph.get(f"{target.platform_id}/replies", {
                "fields": REPLY_FIELDS, "limit": 50, **({"after": after} if after else {})})
            for raw in data_list(body):
                if not isinstance(raw, Mapping) or raw.get("text") != text:
                    continue
                try:
                    author_id, handle = _author(raw)
                except BadItem:
                    continue
                if self.account.handle in (author_id, handle) or author_id == self.user_id:
                    return str(raw.get("id"))
            after = next_after(body)
            if after is None:
                return None
        return None

    def ledgers(self) -> tuple[Ledger, ...]:
        return (self.graph.usage,)

    def check(self) -> list[str]:
        problems = missing_secrets(self.account, ("access_token",))
        if not self.user_id:
            problems.append("options.ig_user_id is not set")
        if "dms" in self.account.streams and not self.page_id:
            problems.append("the dms stream needs options.page_id (the linked Page)")
        if problems:
            return problems
        try:
            me = self.graph.get(self.user_id, {"fields": "id,username"})
        except ConnectorError as exc:
            return [f"access token rejected: {exc.reason}"]
        if me.get("username") and me.get("username") != self.account.handle:
            problems.append(f"ig_user_id belongs to @{me.get('username')}, "
                            f"not @{self.account.handle}")
        streams = self.account.streams or self.streams
        problems += permission_problems(self.graph, "instagram", streams)
        if "comments" in streams:
            problems += self.graph.probe(f"{self.user_id}/media", {"limit": 1},
                                         "reading media (instagram_basic)")
        if "mentions" in streams:
            problems += self.graph.probe(f"{self.user_id}/tags", {"limit": 1},
                                         "reading tags (instagram_manage_comments)")
        if "dms" in streams:
            problems += self.graph.probe(f"{self.page_id}/conversations",
                                         {"platform": "instagram", "limit": 1},
                                         "reading Direct (instagram_manage_messages)")
        return problems
