"""The demo's push path: the webhook receiver on a free loopback port, the demo's Facebook
and Instagram accounts subscribed to it, and the sandbox network delivering to it as Meta
would, while X and YouTube (which have no push) and the safety-net polls keep polling.

The receiver itself belongs to the web face, which this layer may not import: the command
passes it in (`Receiver`, i.e. `socialdesk.web.webhooks.serve_webhooks`).
"""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from socialdesk.connectors.sandbox_network import SandboxNetwork
from socialdesk.connectors.sandbox_push import WebhookSender, subscriptions
from socialdesk.core.settings import Settings, secret_env_name
from socialdesk.desk.context import Desk

PATH = "/webhooks/meta"
# The ids Meta would name in each delivery's entry: the Page's and the Instagram account's.
OWNERS = {"demo-fb": ("page_id", "104200300400500"),
          "demo-ig": ("ig_user_id", "17841400200300400")}
# With webhooks on, a Meta account's poll is only the safety net.
SAFETY_NET_POLL = 600
# Seconds of real time between the network's delivery rounds: Meta pushes within seconds,
# which at the demo's pace is a few simulated seconds.
ROUND = 0.02

StoredIds = tuple[tuple[str, str], ...]


class Receiver(Protocol):
    """Serves the webhook routes for `desk` on a bound socket, telling `on_stored` which
    messages each delivery stored; returns the function that stops it."""

    def __call__(self, desk: Desk, sock: socket.socket, *,
                 on_stored: Callable[[StoredIds], None] | None = None) -> Callable[[], None]:
        ...


@dataclass
class PushPath:
    receiver: Receiver
    sock: socket.socket = field(init=False)
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    pushed: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stops: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Bound now, so the settings can name the port before the desk exists.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}{PATH}"

    def options(self, account: str) -> str:
        """The TOML options an account adds to subscribe ("" for one Meta cannot push)."""
        if account not in OWNERS:
            return ""
        key, owner = OWNERS[account]
        return f', {key} = "{owner}", webhook_url = "{self.url}"'

    def environ(self) -> dict[str, str]:
        return {secret_env_name(name, "app_secret"): self.secret for name in OWNERS}

    def start(self, desk: Desk, settings: Settings, network: SandboxNetwork,
              clock: Callable[[], datetime]) -> None:
        self._stops.append(self.receiver(desk, self.sock, on_stored=self._stored))
        sender = WebhookSender(network, subscriptions(settings.accounts), clock)
        sender.start(interval=ROUND)
        self._stops.append(sender.stop)

    def _stored(self, ids: StoredIds) -> None:
        with self._lock:
            self.pushed.update(platform_id for _, platform_id in ids)

    def came_by_push(self, platform_id: str) -> bool:
        with self._lock:
            return platform_id in self.pushed

    def stop(self) -> None:
        for stop in reversed(self._stops):
            stop()
        self._stops.clear()
        self.sock.close()
