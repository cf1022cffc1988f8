"""What Facebook Pages and Instagram share: the Graph API client and two poll patterns.

Comment scan: list the latest posts/media with their comment counts, then read the comments
of only those whose count changed since the last sweep. Replies to old comments are found
this way too (a newest-first stop would miss them), at one call per changed post.
Conversation sweep: conversations come newest-updated first; page until one is older than
the floor, keeping messages newer than it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import requests

from socialdesk.connectors.baseurl import checked_base_url
from socialdesk.connectors.cursor import Sweep, decode_sweep
from socialdesk.connectors.errors import ConnectorError, Gone, Permanent, Rejected, RetryLater
from socialdesk.connectors.graph_versions import GRAPH_VERSION, graph_url
from socialdesk.connectors.http import Clock, HttpClient
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
from socialdesk.connectors.ledger import UsageMeter
from socialdesk.connectors.types import Attachment, InboundMessage, Page, Skipped, Target
from socialdesk.core.settings import AccountConfig, MissingSecret

GRAPH_URL = graph_url(GRAPH_VERSION)
GRAPH_HOSTS = ("graph.facebook.com", "graph.instagram.com")
# Calls one fetch may make before it returns what it has; the cursor keeps the rest.
CALL_BUDGET = 6
# Posts or media whose comment counts a sweep lists (options.posts_per_scan).
POSTS_PER_SCAN = 25
Parent = tuple[str, int, Mapping[str, Any]]
# Messenger and Instagram Direct: a bot answers within 24 hours of the person's message; a
# person may answer up to 7 days with the HUMAN_AGENT tag; after that nobody may.
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)


class GraphClient:
    def __init__(self, account: AccountConfig, session: requests.Session | None, now: Clock,
                 token_key: str) -> None:
        self.account = account
        self.http = HttpClient(session, now, "meta")
        self.token_key = token_key
        version = str(account.options.get("graph_version", "") or GRAPH_VERSION)
        self.base = checked_base_url(
            str(account.options.get("graph_url", "") or graph_url(version)).rstrip("/"),
            hosts=GRAPH_HOSTS, options=account.options, key="graph_url")
        self.usage = UsageMeter(account.name, now)
        self.http.on_usage = lambda percent: self.usage.note(percent)

    def delay_hint(self) -> float:
        """Seconds until Meta's usage headers allow calls again (0 when they do now)."""
        until = self.http.throttle_until
        return max(0.0, (until - self.http.now()).total_seconds()) if until else 0.0

    def token(self) -> str:
        try:
            return self.account.secret(self.token_key).reveal()
        except MissingSecret as exc:
            raise Permanent(str(exc)) from None

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        query = {**(params or {}), "access_token": self.token()}
        reply = self.http.request("GET", f"{self.base}/{path.lstrip('/')}", params=query)
        return _object(reply.body, path)

    def get_own(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A read of the account's own Page or user: if that is gone, the account is."""
        try:
            return self.get(path, params)
        except Gone as exc:
            raise Permanent(exc.reason) from None

    def post(self, path: str, data: Mapping[str, Any]) -> dict[str, Any]:
        form = {**data, "access_token": self.token()}
        reply = self.http.request("POST", f"{self.base}/{path.lstrip('/')}", data=form,
                                  write=True)
        return _object(reply.body, path)

    def post_json(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        reply = self.http.request("POST", f"{self.base}/{path.lstrip('/')}",
                                  params={"access_token": self.token()}, json_body=dict(body),
                                  write=True)
        return _object(reply.body, path)

    def probe(self, path: str, params: Mapping[str, Any], what: str) -> list[str]:
        """A read that tells whether the token may do `what`; problems as lines."""
        try:
            self.get(path, params)
        except ConnectorError as exc:
            return [f"{what}: {exc.reason}"]
        return []


def _object(body: Any, path: str) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise RetryLater(f"Graph {path.split('?')[0]} answered a {type(body).__name__}")
    return body


def next_after(body: Mapping[str, Any]) -> str | None:
    """The `after` cursor, only when Graph says there is a next page."""
    paging = body.get("paging")
    if not isinstance(paging, Mapping) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, Mapping) else None
    return after if isinstance(after, str) and after else None


def created_id(body: Mapping[str, Any], key: str = "id") -> str:
    value = body.get(key)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise RetryLater(f"Graph accepted the request but sent no {key}; reconcile with find_reply")


def _listing(body: Mapping[str, Any], where: str) -> list[Any]:
    try:
        return data_list(body)
    except BadItem as exc:
        raise RetryLater(f"{where}: {exc}") from None


def scan_comments(
    cursor: str | None, *,
    list_parents: Callable[[], tuple[list[Parent], list[InboundMessage], list[Skipped]]],
    read_comments: Callable[[str, str | None], Mapping[str, Any]],
    parse: Callable[[Any, str], list[InboundMessage]],
    where: str,
    keep: Callable[[InboundMessage], bool] = lambda m: True,
) -> Page:
    """One step of a comment scan (see the module doc). `keep` drops the account's own
    comments after they have moved the floor, so they are never delivered as new."""
    sweep = decode_sweep(cursor)
    extra = dict(sweep.extra)
    messages: list[InboundMessage] = []
    skipped: list[Skipped] = []
    calls = 0
    if "pending" not in extra:
        parents, own, bad = list_parents()
        calls += 1
        old = extra.get("counts") or {}
        counts = {pid: count for pid, count, _ in parents}
        extra = {"counts": old, "next": counts, "after": None,
                 "pending": [pid for pid, count, _ in parents if old.get(pid, 0) != count]}
        messages.extend(m for m in own if not sweep.floor.covers(m.created_at, m.platform_id))
        sweep = sweep.saw((m.created_at, m.platform_id) for m in own)
        skipped.extend(bad)
    pending: list[str] = list(extra["pending"])
    after: str | None = extra.get("after")
    while pending and calls < CALL_BUDGET and not messages:
        parent = pending[0]
        calls += 1
        try:
            body = read_comments(parent, after)
        except Gone as exc:
            # Deleted between the listing and this read: skip it, the account is fine.
            skipped.append(Skipped({"id": parent}, exc.reason))
            pending.pop(0)
            after = None
            continue
        found, bad = collect(_listing(body, where), partial(_swap, parse, parent), where)
        skipped.extend(bad)
        messages.extend(m for m in found if not sweep.floor.covers(m.created_at, m.platform_id))
        sweep = sweep.saw((m.created_at, m.platform_id) for m in found)
        after = next_after(body)
        if after is None:
            pending.pop(0)
    if pending:
        sweep = replace(sweep, extra={**extra, "pending": pending, "after": after})
    else:
        sweep = sweep.finished({"counts": extra["next"]})
    return Page(tuple(m for m in messages if keep(m)), sweep.encode(), tuple(skipped))


def _swap(parse: Callable[[Any, str], list[InboundMessage]], parent: str,
          raw: Any) -> list[InboundMessage]:
    return parse(raw, parent)


def sweep_newest_first(
    cursor: str | None, *,
    read_page: Callable[[str | None], Mapping[str, Any]],
    parse: Callable[[Any], list[InboundMessage]],
    item_time: Callable[[Any], datetime | None],
    keep: Callable[[InboundMessage], bool],
    where: str,
) -> Page:
    """One page of a newest-first listing; the sweep ends at the first item behind the floor.

    `item_time` gives the time that orders the listing (a conversation's updated_time),
    which may differ from the times of the messages `parse` takes out of an item.
    """
    sweep: Sweep = decode_sweep(cursor)
    body = read_page(sweep.token)
    raw_items = _listing(body, where)
    found, skipped = collect(raw_items, parse, where)
    fresh = [m for m in found if not sweep.floor.covers(m.created_at, m.platform_id)]
    sweep = sweep.saw((m.created_at, m.platform_id) for m in found)
    reached = False
    for raw in raw_items:
        when = item_time(raw)
        if when is not None and sweep.floor.at is not None and when < sweep.floor.at:
            reached = True
    after = next_after(body)
    more = bool(after and not reached and raw_items)
    sweep = replace(sweep, token=after) if more else sweep.finished()
    return Page(tuple(m for m in fresh if keep(m)), sweep.encode(), tuple(skipped))


def safe_time(raw: Any, key: str) -> datetime | None:
    try:
        return parse_time(raw.get(key), key) if isinstance(raw, Mapping) else None
    except BadItem:
        return None


def parse_conversation(raw: Any, platform: str, stream: str) -> list[InboundMessage]:
    """Messages of one conversation (Messenger or Instagram Direct)."""
    conversation = obj(raw, "conversation")
    conv_id = need(conversation, "id")
    box = conversation.get("messages")
    items = box.get("data") if isinstance(box, Mapping) else None
    if not isinstance(items, list):
        raise BadItem("conversation without messages.data")
    out = []
    for entry in items:
        message = obj(entry, "message")
        sender = obj(message.get("from"), "message.from")
        attachments = message_attachments(message)
        out.append(InboundMessage(
            platform=platform, stream=stream, platform_id=need(message, "id"), kind="dm",
            author_id=need(sender, "id"),
            author_handle=maybe_text(sender, "username") or maybe_text(sender, "name"),
            text=described(maybe_text(message, "message"), attachments),
            created_at=parse_time(message.get("created_time"), "created_time"),
            conversation_id=conv_id, raw=dict(message), attachments=tuple(attachments),
        ))
    return out


def message_attachments(message: Mapping[str, Any]) -> list[Attachment]:
    """What a Messenger or Instagram Direct message carries besides its text, each with its
    address: pictures and stickers (image_data), videos (video_data), files (file_url), the
    posts it shares and, on Instagram, the story it mentions or answers."""
    box = message.get("attachments")
    items = box.get("data") if isinstance(box, Mapping) else None
    found = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        image, video = item.get("image_data"), item.get("video_data")
        if isinstance(image, Mapping):
            kind = "sticker" if item.get("render_as_sticker") else "image"
            found.append(Attachment(kind, maybe_text(image, "url")))
        elif isinstance(video, Mapping):
            found.append(Attachment("video", maybe_text(video, "url")))
        else:
            mime = maybe_text(item, "mime_type")
            found.append(Attachment(mime.split("/")[0] if mime else "file",
                                    maybe_text(item, "file_url")))
    sticker = message.get("sticker")
    if sticker:
        found.append(Attachment("sticker", sticker if isinstance(sticker, str) else ""))
    shares = message.get("shares")
    for share in data_list(shares) if isinstance(shares, Mapping) else []:
        if isinstance(share, Mapping):
            found.append(Attachment("share", maybe_text(share, "link")))
    story = message.get("story")
    if isinstance(story, Mapping):
        for key, kind in (("mention", "story_mention"), ("reply_to", "story_reply")):
            seen = story.get(key)
            if isinstance(seen, Mapping):
                found.append(Attachment(kind, maybe_text(seen, "link")))
    return found


# People whose conversation id a connector remembers; beyond it the memory starts again.
THREADS_KEPT = 10_000


def conversation_with(graph: GraphClient, page_id: str, user_id: str, platform: str,
                      known: dict[str, str]) -> str | None:
    """Graph's id of the Page's conversation with one person (`platform` messenger or
    instagram), the thread polling files their messages under: a messaging webhook names
    only the person. Asked once per person; `known` keeps the answers."""
    if user_id in known:
        return known[user_id]
    body = graph.get(f"{page_id}/conversations", {"user_id": user_id, "platform": platform,
                                                  "fields": "id"})
    for raw in data_list(body):
        if isinstance(raw, Mapping) and maybe_text(raw, "id"):
            if len(known) >= THREADS_KEPT:
                known.clear()
            known[user_id] = maybe_text(raw, "id")
            return known[user_id]
    return None


def conversation_fields(platform: str = "facebook") -> str:
    """Fields of a conversation listing; Instagram messages also name the story they
    mention or answer."""
    story = ",story" if platform == "instagram" else ""
    return ("id,updated_time,messages.limit(20){id,message,from,created_time,sticker,"
            "attachments{mime_type,name,image_data,video_data,file_url,render_as_sticker},"
            f"shares{{link}}{story}}}")


def messaging_window(now: datetime, target: Target, by_agent: bool,
                     where: str) -> dict[str, str]:
    """How a private message may go out, or Rejected before it is tried (see above)."""
    created = getattr(target, "created_at", None)
    age = now - created if isinstance(created, datetime) else timedelta(0)
    if age <= STANDARD_WINDOW:
        return {"messaging_type": "RESPONSE"}
    if by_agent and age <= HUMAN_AGENT_WINDOW:
        return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    if by_agent:
        raise Rejected(f"{where}: the message is more than 7 days old; nobody may answer it "
                       "there any more")
    raise Rejected(f"{where}: the 24-hour window has closed; only an agent may answer, "
                   "within 7 days of the message")
