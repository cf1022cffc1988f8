"""A connector over the simulated network, imitating one real platform (`as_platform`):
its streams, message kinds, text limits and capabilities. Faults injected into the network
come out as the same errors the real connectors raise."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

import requests

from socialdesk.connectors.errors import Permanent, Rejected, RetryLater
from socialdesk.connectors.http import Clock, utc_now
from socialdesk.connectors.items import parse_time
from socialdesk.connectors.sandbox_network import SandboxNetwork
from socialdesk.connectors.types import (
    Connector,
    InboundMessage,
    Page,
    SendResult,
    Skipped,
    Target,
)
from socialdesk.core.settings import AccountConfig

PAGE_SIZE = 20
# (streams, text limit, capabilities) of each platform, as the real connectors declare them.
IMITATES: dict[str, tuple[tuple[str, ...], int, frozenset[str]]] = {
    "x": (("mentions", "dms"), 280, frozenset({"reply", "private_reply", "dm", "hide", "post"})),
    "instagram": (("comments", "mentions", "dms"), 2200,
                  frozenset({"reply", "private_reply", "hide", "dm", "post"})),
    "facebook": (("comments", "dms"), 8000,
                 frozenset({"reply", "private_reply", "dm", "hide", "post"})),
    "youtube": (("comments",), 10_000, frozenset({"reply", "hide"})),
}


class SandboxConnector(Connector):
    platform = "sandbox"
    min_poll_interval = 5
    cost_per_call = MappingProxyType({"read": 0.0, "write": 0.0})

    def __init__(self, account: AccountConfig, *, session: requests.Session | None = None,
                 now: Clock | None = None) -> None:
        self.account = account
        self.now = now or utc_now
        path = account.options.get("network")
        if not path:
            raise Permanent(f"sandbox account {account.name!r} needs options.network (a path)")
        self.network = SandboxNetwork(str(path))
        self.as_platform = str(account.options.get("as_platform", "x"))
        if self.as_platform not in IMITATES:
            raise Permanent(f"options.as_platform must be one of {', '.join(IMITATES)}")
        self.streams, self.text_limit, self.capabilities = IMITATES[self.as_platform]
        # Seconds a send is held open, half before the network records it and half after:
        # a slow platform, so that a crash harness's kills can land in the middle of sends.
        self.send_delay = float(account.options.get("send_delay", 0) or 0)

    def _fault(self, stream: str) -> None:
        fault = self.network.take_fault(self.account.name, stream)
        if fault is None or fault.kind == "malformed":
            if fault is not None:
                self._malformed_next = True
            return
        if fault.kind == "poison":
            self._poison_next = True
            return
        now = self.now()
        if fault.kind == "rate_limit":
            raise RetryLater("HTTP 429 (sandbox)", now + timedelta(seconds=fault.retry_after))
        if fault.kind == "server_error":
            raise RetryLater("HTTP 500 (sandbox)")
        if fault.kind == "timeout":
            raise RetryLater("timed out (sandbox)")
        if fault.kind == "revoked":
            # A revoked token stays revoked until someone clears it.
            self.network.inject(self.account.name, "revoked", stream=stream)
            raise Permanent("HTTP 401: access token revoked (sandbox)")
        if fault.kind == "lost_response":
            self._lose_next = True

    _malformed_next = False
    _lose_next = False
    _poison_next = False

    def fetch(self, stream: str, cursor: str | None) -> Page:
        self.require_stream(stream)
        after = _decode(cursor)
        # A "malformed" fault breaks the next item the platform delivers, which may come
        # several polls later: the flag waits for it instead of being spent on an empty poll.
        self._fault(stream)
        rows = self.network.visible(self.account.name, stream, after, self.now(), PAGE_SIZE)
        messages: list[InboundMessage] = []
        skipped: list[Skipped] = []
        for row in rows:
            if row["malformed"] or self._malformed_next:
                self._malformed_next = False
                skipped.append(Skipped({"id": row["platform_id"], "text": None},
                                       "missing text (sandbox malformed item)"))
                continue
            messages.append(self._message(row))
        if self._poison_next and messages:
            self._poison_next = False
            messages[0] = replace(messages[0], text=messages[0].text + " \ud83d")
        next_cursor = f"{rows[-1]['offset_s']!r}:{rows[-1]['seq']}" if rows else cursor
        return Page(tuple(messages), next_cursor, tuple(skipped))

    def _message(self, row: Mapping[str, Any]) -> InboundMessage:
        conversation, in_reply_to = graph_thread(self.as_platform, row)
        return InboundMessage(
            platform=self.as_platform, stream=row["stream"], platform_id=row["platform_id"],
            kind=row["kind"], author_id=row["author_id"],
            author_handle=row["author_handle"], text=row["text"],
            created_at=parse_time(row["created_at"], "created_at"),
            conversation_id=conversation, in_reply_to=in_reply_to,
            raw={k: row[k] for k in ("platform_id", "kind", "text", "created_at")},
        )

    def conversation_with(self, user_id: str) -> str | None:
        """The direct conversation with `user_id`, as Graph's look-up gives it."""
        if self.as_platform not in ("facebook", "instagram"):
            return None
        self._refuse_if_revoked()
        return direct_thread(self.account.name, user_id)

    def _refuse_if_revoked(self) -> None:
        """A look-up a push needs fails as the real one would with a revoked token; it
        leaves the faults queued for the polls alone."""
        if self.network.has_fault(self.account.name, "revoked"):
            raise Permanent("HTTP 401: access token revoked (sandbox)")

    def mentioned(self, media_id: str, comment_id: str = "") -> InboundMessage:
        """The mention behind an Instagram `mentions` webhook, read by its ids as the real
        connector reads it from the Graph API."""
        self._refuse_if_revoked()
        row = self.network.message(self.account.name, comment_id or media_id, self.now())
        if row is None or row["malformed"]:
            raise Rejected(f"mention {comment_id or media_id} cannot be loaded (sandbox)")
        return self._message(row)

    def _send(self, action: str, target_id: str | None, text: str, key: str,
              limit: int | None = None) -> SendResult:
        if action != "hide":
            self.require_text(text, limit)
        self._lose_next = False
        self._fault("send")
        if self.send_delay:
            time.sleep(self.send_delay / 2)
        platform_id = self.network.record_send(self.account.name, action, target_id, text, key,
                                               self.now())
        if self.send_delay:
            time.sleep(self.send_delay / 2)
        if self._lose_next:
            self._lose_next = False
            raise RetryLater("connection dropped after the request was sent (sandbox)")
        return SendResult(platform_id)

    def reply(self, target: Target, text: str, idempotency_key: str, *,
              by_agent: bool = False) -> SendResult:
        if self.as_platform == "x" and target.kind not in ("mention", "dm"):
            raise Rejected("X lets this app reply only to posts that mention or quote the account")
        return self._send("reply", target.platform_id, text, idempotency_key)

    def send_private(self, target: Target, text: str, idempotency_key: str, *,
                     by_agent: bool = False) -> SendResult:
        if "private_reply" not in self.capabilities:
            raise Rejected(f"{self.as_platform} does not allow private replies")
        return self._send("private", target.platform_id, text, idempotency_key, limit=2000)

    def post(self, text: str, idempotency_key: str = "", *, image_url: str = "") -> SendResult:
        if "post" not in self.capabilities:
            raise Rejected(f"{self.as_platform} connector cannot post")
        if self.as_platform != "instagram":
            if image_url:
                raise Rejected(f"this {self.as_platform} connector posts text only")
            return self._send("post", None, text, idempotency_key)
        # Instagram's content publishing: a media container made from the image's public
        # address (a `container` send), then media_publish of that container (the `post`).
        if not image_url:
            raise Rejected("Instagram publishes only media: a post needs an image")
        if not image_url.startswith(("http://", "https://")):
            raise Rejected(f"media container: ERROR (the image must be at a public URL, "
                           f"not {image_url!r})")
        container = self._send("container", image_url, text, idempotency_key)
        return self._send("post", container.platform_id, text, idempotency_key)

    def find_post(self, text: str) -> str | None:
        return self.network.find_post(self.account.name, text)

    def can_find_post(self) -> bool:
        return True

    def hide(self, platform_id: str) -> None:
        if "hide" not in self.capabilities:
            raise Rejected(f"{self.as_platform} does not allow hiding")
        self._send("hide", platform_id, "", "")

    def find_reply(self, target: Target, text: str) -> str | None:
        return self.network.find_send(self.account.name, target.platform_id, text)

    def can_find_reply(self, target: Target) -> bool:
        return True

    def check(self) -> list[str]:
        problems = []
        known = self.network.account(self.account.name)
        if known is None:
            problems.append(f"account {self.account.name!r} is not in the sandbox network "
                            f"{self.network.path}")
        elif known[0] != self.as_platform:
            problems.append(f"the network has it as {known[0]}, options say {self.as_platform}")
        if self.network.has_fault(self.account.name, "revoked"):
            problems.append("access token revoked (sandbox)")
        return problems

    def started(self) -> datetime:
        return self.network.start()


def graph_thread(as_platform: str, row: Mapping[str, Any]) -> tuple[str, str | None]:
    """(conversation, in reply to) of a network row as the imitated platform threads it.

    Facebook and Instagram hang every comment on a post or media item: that is the
    conversation, a top-level comment answers it and a reply answers its comment. The
    network's threads have no post, so each thread's first comment gets one of its own, and
    a webhook delivery can name it as Graph does (a reply's parent differs from its post).
    """
    if as_platform in ("facebook", "instagram") and row["stream"] == "comments" \
            and row["kind"] in ("comment", "reply"):
        post = f"{row['conversation_id']}-post"
        return post, row["in_reply_to"] or post
    if as_platform in ("facebook", "instagram") and row["stream"] == "dms":
        # Messenger and Instagram Direct keep one conversation per person and Page.
        return direct_thread(row["account"], row["author_id"]), row["in_reply_to"]
    return str(row["conversation_id"]), row["in_reply_to"]


def direct_thread(account: str, author_id: str) -> str:
    return f"t_{account}_{author_id}"


def _decode(cursor: str | None) -> tuple[float, int]:
    if not cursor:
        return (-1e12, 0)
    offset, _, seq = cursor.partition(":")
    try:
        return (float(offset), int(seq))
    except ValueError:
        raise Permanent(f"unreadable sandbox cursor {cursor[:40]!r}; reset the stream") from None
