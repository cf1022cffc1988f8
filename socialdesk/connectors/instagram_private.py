"""Instagram through instagrapi, the unofficial private mobile API. Opt-in only.

WARNING: this logs in as the account with its password and talks to Instagram's private
app API. That is against Instagram's terms of use and carries a real risk of the account
being challenged, rate-limited or suspended. It exists for accounts that cannot get Graph
API access; choose it with options.backend = "instagrapi" and install the extra
(`pip install 'socialdesk[instagrapi]'`). The official Graph backend is the default.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from types import MappingProxyType
from typing import Any

import requests

from socialdesk.connectors.cursor import decode_sweep
from socialdesk.connectors.errors import Permanent, Rejected, RetryLater
from socialdesk.connectors.http import Clock, utc_now
from socialdesk.connectors.types import (
    Connector,
    InboundMessage,
    Page,
    SendResult,
    Target,
    missing_secrets,
)
from socialdesk.core.settings import AccountConfig, MissingSecret

log = logging.getLogger(__name__)
WARNING = ("instagram account %r uses the unofficial instagrapi backend: it is against "
           "Instagram's terms and the account may be suspended")
MEDIA_PER_SCAN = 8


def load_instagrapi() -> Any:
    try:
        return importlib.import_module("instagrapi")
    except ImportError:
        raise Permanent(
            "options.backend = 'instagrapi' but instagrapi is not installed: "
            "pip install 'socialdesk[instagrapi]', or remove the option to use the Graph API"
        ) from None


def _aware(value: Any) -> datetime:
    if not isinstance(value, datetime):
        return utc_now()
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class InstagrapiConnector(Connector):
    platform = "instagram"
    streams = ("comments",)
    text_limit = 2200
    capabilities = frozenset({"reply"})
    min_poll_interval = 600
    cost_per_call = MappingProxyType({"read": 0.0, "write": 0.0})

    def __init__(self, account: AccountConfig, *, session: requests.Session | None = None,
                 now: Clock | None = None) -> None:
        self.account = account
        self.now = now or utc_now
        self.module = load_instagrapi()
        log.warning(WARNING, account.name)
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            try:
                user = self.account.secret("username").reveal()
                password = self.account.secret("password").reveal()
            except MissingSecret as exc:
                raise Permanent(str(exc)) from None
            client = self.module.Client()
            self._guard(lambda: client.login(user, password))
            self._client = client
        return self._client

    def _guard(self, call: Callable[[], Any]) -> Any:
        exceptions = getattr(self.module, "exceptions", None)
        login_errors = tuple(getattr(exceptions, n) for n in (
            "LoginRequired", "ChallengeRequired", "BadPassword", "FeedbackRequired")
            if exceptions is not None and hasattr(exceptions, n))
        wait_errors = tuple(getattr(exceptions, n)
                            for n in ("PleaseWaitFewMinutes", "RateLimitError")
                            if exceptions is not None and hasattr(exceptions, n))
        try:
            return call()
        except login_errors as exc:
            raise Permanent(f"instagrapi: {type(exc).__name__}: log in by hand and check "
                            "the account") from None
        except wait_errors as exc:
            raise RetryLater(f"instagrapi: {type(exc).__name__}") from None
        except (requests.RequestException, OSError) as exc:
            raise RetryLater(f"instagrapi: {type(exc).__name__}") from None

    def fetch(self, stream: str, cursor: str | None) -> Page:
        self.require_stream(stream)
        client = self.client()
        sweep = decode_sweep(cursor)
        medias = self._guard(lambda: client.user_medias(client.user_id, MEDIA_PER_SCAN))
        found: list[InboundMessage] = []
        for media in medias:
            comments = self._guard(partial(client.media_comments, media.id, 50))
            for comment in comments:
                found.append(InboundMessage(
                    platform="instagram", stream="comments", platform_id=str(comment.pk),
                    kind="comment", author_id=str(comment.user.pk),
                    author_handle=str(comment.user.username), text=str(comment.text),
                    created_at=_aware(comment.created_at_utc), conversation_id=str(media.id),
                    in_reply_to=str(media.id), raw={"pk": str(comment.pk), "text": comment.text},
                ))
        fresh = [m for m in found if not sweep.floor.covers(m.created_at, m.platform_id)]
        done = sweep.saw((m.created_at, m.platform_id) for m in found).finished()
        return Page(tuple(fresh), done.encode())

    def reply(self, target: Target, text: str, idempotency_key: str, *,
              by_agent: bool = False) -> SendResult:
        self.require_text(text)
        if target.kind not in ("comment", "reply") or not target.conversation_id:
            raise Rejected("the instagrapi backend can only answer comments")
        client = self.client()
        made = self._guard(lambda: client.media_comment(
            target.conversation_id, text, replied_to_comment_id=int(target.platform_id)))
        return SendResult(str(made.pk))

    def check(self) -> list[str]:
        return missing_secrets(self.account, ("username", "password"))
