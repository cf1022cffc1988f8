"""Connectors: one module per platform, all on the contract in `types`.

`connector_for(account)` builds the connector named in REGISTRY for the account's platform,
importing its module only then, so an optional SDK is needed only by accounts that use it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime

import requests

from socialdesk.connectors.errors import ConnectorError, Permanent, Rejected, RetryLater
from socialdesk.connectors.types import (
    Connector,
    InboundMessage,
    Page,
    Ref,
    SendResult,
    Skipped,
    Target,
)
from socialdesk.core.settings import AccountConfig

# One line per platform; a new platform is one module and one line here.
REGISTRY: dict[str, str] = {
    "x": "socialdesk.connectors.x:XConnector",
    "instagram": "socialdesk.connectors.instagram:InstagramConnector",
    "facebook": "socialdesk.connectors.facebook:FacebookConnector",
    "youtube": "socialdesk.connectors.youtube:YouTubeConnector",
    "sandbox": "socialdesk.connectors.sandbox:SandboxConnector",
}
# Alternative backends chosen by options.backend; never a default.
BACKENDS: dict[tuple[str, str], str] = {
    ("instagram", "instagrapi"): "socialdesk.connectors.instagram_private:InstagrapiConnector",
}

__all__ = [
    "BACKENDS", "REGISTRY", "Connector", "ConnectorError", "InboundMessage", "Page",
    "Permanent", "Ref", "Rejected", "RetryLater", "SendResult", "Skipped", "Target",
    "connector_class", "connector_for",
]


def connector_class(platform: str, backend: str = "") -> type[Connector]:
    if backend:
        dotted = BACKENDS.get((platform, backend))
        if dotted is None:
            raise Permanent(f"unknown backend {backend!r} for {platform}")
    else:
        dotted = REGISTRY.get(platform)
        if dotted is None:
            raise Permanent(f"no connector for platform {platform!r} "
                            f"(known: {', '.join(REGISTRY)})")
    module_name, _, class_name = dotted.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise TypeError(f"{dotted} is not a Connector")
    return cls


def connector_for(account: AccountConfig, *, session: requests.Session | None = None,
                  now: Callable[[], datetime] | None = None) -> Connector:
    """The connector for `account`. Secrets are read when first needed, so a connector
    for an account with missing secrets can still be built and asked to check()."""
    backend = str(account.options.get("backend", "") or "")
    if backend in ("graph", "official"):
        backend = ""
    cls = connector_class(account.platform, backend)
    return cls(account, session=session, now=now)
