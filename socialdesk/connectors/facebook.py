"""Facebook Page through the Graph API: feed comments (with replies) and visitor posts,
Messenger conversations; replies, private replies, hiding and page posts.

Messenger answers go out as RESPONSE inside the 24-hour standard window; later only a
person may answer (HUMAN_AGENT tag, up to 7 days), and a bot reply is Rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import requests

from socialdesk.connectors.errors import ConnectorError, Permanent, RetryLater
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
    collect,
    data_list,
    described,
    maybe_text,
    obj,
    parse_time,
)
from socialdesk.connectors.items import text_field as need
from socialdesk.connectors.ledger import Ledger
from socialdesk.connectors.meta_permissions import permission_problems
from socialdesk.connectors.types import (
    Attachment,
    Connector,
    InboundMessage,
    Page,
    SendResult,
    Skipped,
    Target,
    missing_secrets,
)
from socialdesk.core.settings import AccountConfig

COMMENT_FIELDS = ("id,message,from,created_time,parent{id},is_hidden,permalink_url,"
                  "attachment{type,url,media}")
# filter(stream) counts replies to comments too; the default (toplevel) summary does not
# move when someone answers a comment, and the post would never be read again.
FEED_FIELDS = ("id,message,created_time,from,attachments{type,url,media},"
               "comments.filter(stream).summary(true).limit(0)")


def parse_comment(raw: Any, post_id: str) -> list[InboundMessage]:
    item = obj(raw, "comment")
    comment_id = need(item, "id")
    sender = item.get("from")
    sender = sender if isinstance(sender, Mapping) else {}
    parent = item.get("parent")
    parent_id = maybe_text(parent, "id") if isinstance(parent, Mapping) else ""
    box = item.get("attachment")
    attachments = [graph_attachment(box)] if isinstance(box, Mapping) else []
    return [InboundMessage(
        platform="facebook", stream="comments", platform_id=comment_id,
        kind="reply" if parent_id else "comment", author_id=maybe_text(sender, "id"),
        author_handle=maybe_text(sender, "name"),
        text=described(need(item, "message", default=""), attachments),
        created_at=parse_time(item.get("created_time"), "created_time"),
        conversation_id=post_id, in_reply_to=parent_id or post_id, raw=dict(item),
        hidden=item.get("is_hidden") is True, attachments=tuple(attachments),
    )]


def graph_attachment(box: Mapping[str, Any]) -> Attachment:
    """A comment's or post's attachment: the picture itself (media.image.src) where Graph
    gives it, else the attachment's page."""
    media = box.get("media")
    image = media.get("image") if isinstance(media, Mapping) else None
    src = maybe_text(image, "src") if isinstance(image, Mapping) else ""
    return Attachment(maybe_text(box, "type") or "file", src or maybe_text(box, "url"))


def parse_visitor_post(raw: Any, page_id: str) -> list[InboundMessage]:
    item = obj(raw, "post")
    sender = item.get("from")
    if not isinstance(sender, Mapping) or maybe_text(sender, "id") in ("", page_id):
        return []
    post_id = need(item, "id")
    box = item.get("attachments")
    entries = box.get("data") if isinstance(box, Mapping) else None
    attachments = [graph_attachment(a) for a in entries or [] if isinstance(a, Mapping)]
    return [InboundMessage(
        platform="facebook", stream="comments", platform_id=post_id, kind="mention",
        author_id=maybe_text(sender, "id"), author_handle=maybe_text(sender, "name"),
        text=described(need(item, "message", default=""), attachments),
        created_at=parse_time(item.get("created_time"), "created_time"),
        conversation_id=post_id, raw=dict(item), attachments=tuple(attachments),
    )]


def comment_count(item: Mapping[str, Any]) -> int:
    comments = item.get("comments")
    summary = comments.get("summary") if isinstance(comments, Mapping) else None
    total = summary.get("total_count") if isinstance(summary, Mapping) else None
    # Without a summary the count is unknown: -1 makes the post scanned every sweep.
    return total if isinstance(total, int) and not isinstance(total, bool) else -1


class FacebookConnector(Connector):
    platform = "facebook"
    streams = ("comments", "dms")
    text_limit = 8000
    dm_text_limit = 2000
    capabilities = frozenset({"reply", "private_reply", "dm", "hide", "post"})
    min_poll_interval = 60
    cost_per_call = MappingProxyType({"read": 0.0, "write": 0.0})

    def __init__(self, account: AccountConfig, *, session: requests.Session | None = None,
                 now: Clock | None = None) -> None:
        self.account = account
        self.now = now or utc_now
        self.graph = GraphClient(account, session, self.now, "page_access_token")
        self.page_id = str(account.options.get("page_id", "") or "")
        self._threads: dict[str, str] = {}  # person -> conversation id, for pushes
        self.posts_per_scan = int(account.options.get("posts_per_scan", POSTS_PER_SCAN))

    def _page(self) -> str:
        if not self.page_id:
            raise Permanent(f"account {self.account.name!r} needs options.page_id")
        return self.page_id

    def poll_delay_hint(self) -> float:
        return self.graph.delay_hint()

    def fetch(self, stream: str, cursor: str | None) -> Page:
        self.require_stream(stream)
        page_id = self._page()
        if stream == "dms":
            return sweep_newest_first(
                cursor,
                read_page=lambda after: self.graph.get_own(f"{page_id}/conversations", {
                    "fields": conversation_fields(), "limit": 25,
                    **({"after": after} if after else {})}),
                parse=lambda raw: parse_conversation(raw, "facebook", "dms"),
                item_time=lambda raw: safe_time(raw, "updated_time"),
                keep=lambda m: m.author_id != page_id, where="facebook conversations",
            )
        return scan_comments(
            cursor, list_parents=self._posts,
            read_comments=lambda post, after: self.graph.get(f"{post}/comments", {
                "fields": COMMENT_FIELDS, "filter": "stream", "order": "reverse_chronological",
                "limit": 50, **({"after": after} if after else {})}),
            parse=parse_comment, where="facebook comments",
            # The feed delivers the Page's own comments and replies too: never as new.
            keep=lambda m: m.author_id != page_id,
        )

    def _posts(self) -> tuple[list[Parent], list[InboundMessage], list[Skipped]]:
        body = self.graph.get_own(f"{self._page()}/feed", {"fields": FEED_FIELDS,
                                                            "limit": self.posts_per_scan})
        try:
            raw_items = data_list(body)
        except BadItem as exc:
            raise RetryLater(f"facebook feed: {exc}") from None
        parents = [(str(p["id"]), comment_count(p), p) for p in raw_items
                   if isinstance(p, Mapping) and isinstance(p.get("id"), str)]
        visitors, bad = collect(raw_items, lambda r: parse_visitor_post(r, self.page_id),
                                "facebook feed")
        return parents, visitors, bad

    def reply(self, target: Target, text: str, idempotency_key: str, *,
              by_agent: bool = False) -> SendResult:
        if target.kind == "dm":
            return self.send_private(target, text, idempotency_key, by_agent=by_agent)
        self.require_text(text)
        body = self.graph.post(f"{target.platform_id}/comments", {"message": text})
        return SendResult(created_id(body))

    def send_private(self, target: Target, text: str, idempotency_key: str, *,
                     by_agent: bool = False) -> SendResult:
        self.require_text(text, self.dm_text_limit)
        message: dict[str, Any] = {"message": {"text": text}}
        if target.kind == "dm":
            message["recipient"] = {"id": target.author_id}
            message.update(messaging_window(self.now(), target, by_agent, "Messenger"))
        else:
            # A private reply to a comment or visitor post; Meta allows one, within 7 days.
            message["recipient"] = {"comment_id": target.platform_id}
        body = self.graph.post_json(f"{self._page()}/messages", message)
        return SendResult(created_id(body, "message_id"))

    def conversation_with(self, user_id: str) -> str | None:
        """The Messenger conversation with `user_id` (a page-scoped id), as polling names it."""
        return conversation_with(self.graph, self._page(), user_id, "messenger",
                                 self._threads)

    def post(self, text: str, idempotency_key: str = "", *, image_url: str = "") -> SendResult:
        self.require_text(text, 63_206)
        if image_url:
            # A Page photo with its caption: Graph fetches the picture from the address.
            body = self.graph.post(f"{self._page()}/photos", {"url": image_url,
                                                              "caption": text})
            return SendResult(created_id(body, "post_id") if body.get("post_id")
                              else created_id(body))
        return SendResult(created_id(self.graph.post(f"{self._page()}/feed", {"message": text})))

    def can_find_post(self) -> bool:
        return True

    def find_post(self, text: str) -> str | None:
        # The Page's own latest posts: a post that may have gone out is at most a retry old.
        body = self.graph.get(f"{self._page()}/posts", {"fields": "id,message,created_time",
                                                        "limit": 25})
        for raw in data_list(body):
            if isinstance(raw, Mapping) and raw.get("message") == text:
                return str(raw.get("id"))
        return None

    def hide(self, platform_id: str) -> None:
        self.graph.post(platform_id, {"is_hidden": "true"})

    def can_find_reply(self, target: Target) -> bool:
        return target.kind != "dm" or bool(target.conversation_id)

    def find_reply(self, target: Target, text: str) -> str | None:
        if target.kind == "dm":
            if not target.conversation_id:
                return None
            path, fields, key = f"{target.conversation_id}/messages", "id,message,from", "message"
        else:
            path, fields, key = f"{target.platform_id}/comments", "id,message,from", "message"
        after: str | None = None
        for _ in range(5):
            body = self.graph.get(path, {"fields": fields, "limit": 100,
                                         **({"after": after} if after else {})})
            for raw in data_list(body):
                sender = raw.get("from") if isinstance(raw, Mapping) else None
                if isinstance(sender, Mapping) and maybe_text(sender, "id") == self.page_id \
                        and raw.get(key) == text:
                    return str(raw.get("id"))
            after = next_after(body)
            if after is None:
                return None
        return None

    def ledgers(self) -> tuple[Ledger, ...]:
        return (self.graph.usage,)

    def check(self) -> list[str]:
        problems = missing_secrets(self.account, ("page_access_token",))
        if not self.page_id:
            problems.append("options.page_id is not set")
        if problems:
            return problems
        try:
            me = self.graph.get(self.page_id, {"fields": "id,name"})
        except ConnectorError as exc:
            return [f"page token rejected: {exc.reason}"]
        if str(me.get("id")) != self.page_id:
            problems.append(f"token answers for {me.get('id')}, not page {self.page_id}")
        streams = self.account.streams or self.streams
        problems += permission_problems(self.graph, "facebook", streams)
        if "comments" in streams:
            problems += self._probe_moderation()
        if "dms" in streams:
            problems += self.graph.probe(f"{self.page_id}/conversations", {"limit": 1},
                                         "reading Messenger (pages_messaging)")
        return problems

    def _probe_moderation(self) -> list[str]:
        """Read a few recent comments as the scan does. Graph leaves out comment ids (and
        authors) for a token that cannot moderate the Page, and every comment would then be
        skipped and none could be answered, hidden or privately replied to."""
        try:
            body = self.graph.get(f"{self.page_id}/feed", {
                "fields": "id,comments.limit(5){id,from,message}", "limit": 5})
        except ConnectorError as exc:
            return [f"reading the feed (pages_read_engagement): {exc.reason}"]
        comments = [c for post in data_list(body) if isinstance(post, Mapping)
                    for c in data_list(post.get("comments") or {}) if isinstance(c, Mapping)]
        if any(not maybe_text(c, "id") for c in comments):
            return ["comments come without ids: the Page token cannot moderate (needs the "
                    "MODERATE task and pages_manage_engagement, pages_read_user_content); "
                    "no comment could be read, answered, hidden or privately replied to"]
        if any(not isinstance(c.get("from"), Mapping) for c in comments):
            return ["comments come without authors: the token lacks pages_read_user_content"]
        return []

