"""Webhooks from the sandbox network: as a scenario message appears on an account imitating
Facebook or Instagram, the network POSTs a signed Graph-style delivery to the account's
receiver, as Meta does.

An account subscribes with `options.webhook_url` (the receiver, e.g.
http://127.0.0.1:8765/webhooks/meta) and its `app_secret` secret, which signs each body
(X-Hub-Signature-256). Deliveries have the shapes of Meta's (the recorded bodies in the
fixtures): `feed` changes for Facebook comments, `comments` and `mentions` changes for
Instagram, `messaging` events for Messenger and Instagram Direct. A delivery the receiver
does not answer 2xx is sent again at the next round, as Meta retries; each message is
delivered once it has been accepted. Polling still sees every message, so a message both
paths bring is the same message (same id, kind, author, thread).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from socialdesk.connectors.items import parse_time
from socialdesk.connectors.sandbox import graph_thread
from socialdesk.connectors.sandbox_network import SandboxNetwork
from socialdesk.core.settings import AccountConfig

log = logging.getLogger(__name__)
# Which option names the id a delivery's entry carries, per imitated platform.
OWNER_OPTION = {"facebook": "page_id", "instagram": "ig_user_id"}
TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Subscription:
    """One sandbox account whose messages are pushed to a receiver."""

    account: str
    as_platform: str
    owner_id: str
    url: str
    secret: bytes


def subscriptions(accounts: Iterable[AccountConfig]) -> list[Subscription]:
    """The sandbox accounts imitating Facebook or Instagram that name a webhook_url. Such an
    account without its app_secret or its Page / IG user id is a configuration error."""
    found = []
    for account in accounts:
        as_platform = str(account.options.get("as_platform", ""))
        url = str(account.options.get("webhook_url") or "")
        if account.platform != "sandbox" or as_platform not in OWNER_OPTION or not url:
            continue
        owner = str(account.options.get(OWNER_OPTION[as_platform]) or "")
        if not owner:
            raise ValueError(f"sandbox account {account.name!r} has a webhook_url but no "
                             f"options.{OWNER_OPTION[as_platform]}")
        secret = account.secret("app_secret").reveal().encode()
        found.append(Subscription(account.name, as_platform, owner, url, secret))
    return found


def signature(body: bytes, secret: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def delivery(subscription: Subscription, row: Mapping[str, Any]) -> dict[str, Any]:
    """The body Meta would send for one network message."""
    when = parse_time(row["created_at"], "created_at")
    seconds = int(when.timestamp())
    if row["stream"] == "dms":
        return _envelope(subscription, int(when.timestamp() * 1000), messaging=[{
            "sender": {"id": row["author_id"]}, "recipient": {"id": subscription.owner_id},
            "timestamp": int(when.timestamp() * 1000),
            "message": {"mid": row["platform_id"], "text": row["text"]}}])
    if subscription.as_platform == "instagram" and row["stream"] == "mentions":
        # Instagram names only the ids; the receiver reads the text from the Graph API.
        return _envelope(subscription, seconds, changes=[
            {"field": "mentions", "value": {"media_id": row["platform_id"]}}])
    post, parent = graph_thread(subscription.as_platform, row)
    if subscription.as_platform == "instagram":
        value: dict[str, Any] = {
            "from": {"id": row["author_id"], "username": row["author_handle"]},
            "media": {"id": post}, "id": row["platform_id"], "text": row["text"]}
        if row["kind"] == "reply":
            value["parent_id"] = parent
        return _envelope(subscription, seconds, changes=[{"field": "comments", "value": value}])
    return _envelope(subscription, seconds, changes=[{"field": "feed", "value": {
        "from": {"id": row["author_id"], "name": row["author_handle"]}, "item": "comment",
        "verb": "add", "post_id": post, "comment_id": row["platform_id"], "parent_id": parent,
        "created_time": seconds, "message": row["text"]}}])


def _envelope(subscription: Subscription, time: int, **events: Any) -> dict[str, Any]:
    kind = "page" if subscription.as_platform == "facebook" else "instagram"
    return {"object": kind, "entry": [{"id": subscription.owner_id, "time": time, **events}]}


class WebhookSender:
    """Delivers the network's new messages to the subscribed receivers; `deliver_due` does
    one round, `start` runs rounds in a thread until `stop`."""

    def __init__(self, network: SandboxNetwork, subscribed: Iterable[Subscription],
                 now: Callable[[], datetime], *, session: requests.Session | None = None
                 ) -> None:
        self.network = network
        self.subscribed = tuple(subscribed)
        self.now = now
        self.session = session or requests.Session()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver_due(self) -> int:
        """POST each message that appeared since the last round; the number accepted."""
        accepted = 0
        for subscription in self.subscribed:
            for row in self.network.undelivered(subscription.account, self.now()):
                if row["malformed"]:
                    # The network's broken item is a fault of the poll; Meta would not push it.
                    self.network.mark_delivered(subscription.account, row["platform_id"],
                                                self.now())
                    continue
                if not self._post(subscription, row):
                    break  # the receiver is down or refusing: try again next round, in order
                self.network.mark_delivered(subscription.account, row["platform_id"],
                                            self.now())
                accepted += 1
        return accepted

    def _post(self, subscription: Subscription, row: Mapping[str, Any]) -> bool:
        body = json.dumps(delivery(subscription, row)).encode()
        headers = {"Content-Type": "application/json",
                   "X-Hub-Signature-256": signature(body, subscription.secret)}
        try:
            answer = self.session.post(subscription.url, data=body, headers=headers,
                                       timeout=TIMEOUT)
        except requests.RequestException as exc:
            log.warning("sandbox webhook to %s failed: %s", subscription.url, exc)
            return False
        if not answer.ok:
            log.warning("sandbox webhook to %s answered %s", subscription.url,
                        answer.status_code)
        return answer.ok

    def start(self, interval: float = 0.1) -> None:
        def rounds() -> None:
            while not self._stop.wait(interval):
                try:
                    self.deliver_due()
                except Exception:  # a round that fails is tried again; the thread lives on
                    log.exception("sandbox webhook round failed")

        self._thread = threading.Thread(target=rounds, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
