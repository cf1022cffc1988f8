"""Meta webhook deliveries (Facebook Page feed and mentions, Messenger, Instagram comments
and mentions) read into the same InboundMessage values polling produces.

A delivery is `{"object": "page" | "instagram", "entry": [...]}`; each entry names the Page
or Instagram account it is for (`entry.id`) and carries `changes` (feed, mention, comments,
live_comments, mentions) or `messaging` (Messenger and Instagram Direct) events. Ids are the
ones the Graph API lists, so a message both paths deliver has the same unique key and is
stored once. The signature check is here too, so the receiver cannot skip it by accident.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from socialdesk.connectors.items import BadItem, described, maybe_text, obj
from socialdesk.connectors.types import Attachment, InboundMessage, MessageKind, Skipped

SIGNATURE_PREFIX = "sha256="
EventKind = Literal["message", "hide", "unhide", "lookup_mention"]


def signature_ok(body: bytes, header: str | None, secrets: Iterable[bytes]) -> bool:
    """Whether X-Hub-Signature-256 is the HMAC-SHA256 of the raw body under one of the app
    secrets. Compared in constant time; a missing or malformed header is simply False."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    given = header[len(SIGNATURE_PREFIX):].strip().lower()
    found = False
    for secret in secrets:
        expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
        # Every secret is compared, matched or not, so timing says nothing about which.
        found = hmac.compare_digest(expected, given) or found
    return found


@dataclass(frozen=True, slots=True)
class Event:
    """One thing a delivery says happened on one account (`owner`: the Page or IG user id).

    message: a new (or edited) message to store; hide/unhide: `platform_id` was hidden or
    shown again on the platform; lookup_mention: Instagram names only the ids of a caption
    or comment that mentions the account, and the text must be read from the Graph API.
    """

    kind: EventKind
    owner: str
    platform: str
    stream: str
    platform_id: str = ""
    message: InboundMessage | None = None
    media_id: str = ""


@dataclass(frozen=True, slots=True)
class Delivery:
    events: tuple[Event, ...]
    ignored: int = 0
    skipped: tuple[Skipped, ...] = field(default=())


def _epoch(value: Any, where: str) -> datetime:
    """Meta writes seconds in `changes` and milliseconds in `messaging`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadItem(f"{where} has no time")
    seconds = value / 1000 if value > 10_000_000_000 else value
    return datetime.fromtimestamp(seconds, UTC)


def _feed(owner: str, field_name: str, value: Mapping[str, Any], when: Any) -> list[Event]:
    item, verb = maybe_text(value, "item"), maybe_text(value, "verb")
    if item not in ("comment", "post", "status", "photo", "video"):
        return []
    target = maybe_text(value, "comment_id") or maybe_text(value, "post_id")
    if not target:
        raise BadItem(f"{field_name} {item} without an id")
    if verb in ("hide", "unhide"):
        change: EventKind = "hide" if verb == "hide" else "unhide"
        return [Event(change, owner, "facebook", "comments", platform_id=target)]
    if verb not in ("add", "edited"):
        return []  # remove, edit of reactions, ...: nothing to answer
    sender = value.get("from")
    sender = sender if isinstance(sender, Mapping) else {}
    author = maybe_text(sender, "id") or maybe_text(value, "sender_id")
    name = maybe_text(sender, "name") or maybe_text(value, "sender_name")
    post = maybe_text(value, "post_id")
    parent = maybe_text(value, "parent_id")
    # The feed change names a photo's or video's address in `photo` / `video`.
    attachments = [Attachment(kind, maybe_text(value, kind)) for kind in ("photo", "video")
                   if value.get(kind)]
    kind: MessageKind
    if field_name == "mention":
        kind = "mention"
    elif item == "comment":
        kind = "reply" if parent and parent != post else "comment"
    else:
        kind = "mention"  # a visitor's post on the Page
    message = InboundMessage(
        platform="facebook", stream="comments", platform_id=target, kind=kind,
        author_id=author, author_handle=name,
        text=described(maybe_text(value, "message"), attachments),
        created_at=_epoch(value.get("created_time", when), "feed change"),
        conversation_id=post or target,
        in_reply_to=(parent or post or None) if item == "comment" else None,
        raw=dict(value), attachments=tuple(attachments))
    return [Event("message", owner, "facebook", "comments", platform_id=target,
                  message=message)]


def _instagram(owner: str, field_name: str, value: Mapping[str, Any],
               when: Any) -> list[Event]:
    if field_name == "mentions":
        comment = maybe_text(value, "comment_id")
        media = maybe_text(value, "media_id")
        if not media:
            raise BadItem("mentions change without media_id")
        return [Event("lookup_mention", owner, "instagram", "mentions",
                      platform_id=comment or media, media_id=media)]
    if field_name not in ("comments", "live_comments"):
        return []
    comment_id = maybe_text(value, "id")
    if not comment_id:
        raise BadItem(f"{field_name} change without id")
    given = value.get("from")
    sender: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    box = value.get("media")
    media_id = maybe_text(box, "id") if isinstance(box, Mapping) else ""
    parent = maybe_text(value, "parent_id")
    handle = maybe_text(sender, "username")
    message = InboundMessage(
        platform="instagram", stream="comments", platform_id=comment_id,
        kind="reply" if parent else "comment", author_id=maybe_text(sender, "id") or handle,
        author_handle=handle, text=maybe_text(value, "text"),
        created_at=_epoch(when, f"{field_name} change"), conversation_id=media_id,
        in_reply_to=parent or media_id or None, raw=dict(value))
    return [Event("message", owner, "instagram", "comments", platform_id=comment_id,
                  message=message)]


def _messaging(owner: str, platform: str, event: Mapping[str, Any]) -> list[Event]:
    message = event.get("message")
    if not isinstance(message, Mapping):
        return []  # read, delivery, reaction, postback: nothing to answer
    if message.get("is_echo"):
        return []  # the Page's own message, sent by the desk or by a person in Meta's inbox
    sender = obj(event.get("sender"), "messaging.sender")
    recipient = event.get("recipient")
    mid = maybe_text(message, "mid")
    author = maybe_text(sender, "id")
    if not mid or not author:
        raise BadItem("messaging event without message.mid or sender.id")
    attachments = []
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, Mapping):
            given = attachment.get("payload")
            payload: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
            # Messenger sends a sticker as an image with a sticker_id; Instagram Direct
            # names shares, reels and story mentions by type, each with its payload.url.
            kind = "sticker" if payload.get("sticker_id") else \
                maybe_text(attachment, "type") or "file"
            attachments.append(Attachment(kind, maybe_text(payload, "url")))
    page = maybe_text(recipient, "id") if isinstance(recipient, Mapping) else owner
    inbound = InboundMessage(
        platform=platform, stream="dms", platform_id=mid, kind="dm", author_id=author,
        author_handle="", text=described(maybe_text(message, "text"), attachments),
        created_at=_epoch(event.get("timestamp"), "messaging event"),
        attachments=tuple(attachments),
        # Polling keys a conversation by Graph's thread id, which the push does not carry;
        # the pair of people is stable, so both paths still thread each side's messages.
        conversation_id=f"{page}:{author}", raw=dict(event))
    return [Event("message", owner, platform, "dms", platform_id=mid, message=inbound)]


def parse_delivery(body: Any) -> Delivery:
    """The events of one delivery; an entry or change that cannot be read is skipped alone."""
    delivery = obj(body, "webhook delivery")
    kind = maybe_text(delivery, "object")
    if kind not in ("page", "instagram"):
        return Delivery((), ignored=1)
    platform = "facebook" if kind == "page" else "instagram"
    events: list[Event] = []
    skipped: list[Skipped] = []
    ignored = 0
    for entry in delivery.get("entry") or []:
        try:
            entry_obj = obj(entry, "entry")
            owner = maybe_text(entry_obj, "id")
            when = entry_obj.get("time")
            changes = entry_obj.get("changes") or []
            messaging = entry_obj.get("messaging") or []
        except BadItem as exc:
            skipped.append(Skipped(entry, str(exc)))
            continue
        for change in changes:
            try:
                item = obj(change, "change")
                value = obj(item.get("value"), "change.value")
                name = maybe_text(item, "field")
                found = (_feed(owner, name, value, when) if platform == "facebook"
                         and name in ("feed", "mention")
                         else _instagram(owner, name, value, when) if platform == "instagram"
                         else [])
            except BadItem as exc:
                skipped.append(Skipped(change, str(exc)))
                continue
            ignored += not found
            events.extend(found)
        for raw in messaging:
            try:
                found = _messaging(owner, platform, obj(raw, "messaging event"))
            except BadItem as exc:
                skipped.append(Skipped(raw, str(exc)))
                continue
            ignored += not found
            events.extend(found)
    return Delivery(tuple(events), ignored, tuple(skipped))
