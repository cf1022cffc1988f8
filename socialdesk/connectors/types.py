"""Plain values that cross the connector contract, and the contract itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal, Protocol

import requests

from socialdesk.connectors.errors import Rejected
from socialdesk.connectors.ledger import Ledger, UsageStore
from socialdesk.core.settings import AccountConfig, MissingSecret

MessageKind = Literal["mention", "comment", "reply", "dm"]
KINDS: tuple[MessageKind, ...] = ("mention", "comment", "reply", "dm")
Capability = Literal["reply", "private_reply", "hide", "post", "dm"]
CAPABILITIES: tuple[Capability, ...] = ("reply", "private_reply", "hide", "post", "dm")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A picture, video, sticker, file or link sent with a message: its kind as the platform
    names it (image, photo, video, animated_gif, sticker, audio, file, share, ...) and where
    it can be seen ("" when the platform gives no address)."""

    kind: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One mention, comment, reply or direct message as the platform delivered it."""

    platform: str
    stream: str
    platform_id: str
    kind: MessageKind
    author_id: str
    author_handle: str
    text: str
    created_at: datetime
    conversation_id: str = ""
    in_reply_to: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Hidden on the platform already (by a moderator or Meta's filters): never answered
    # in public.
    hidden: bool = False
    # What was sent besides the text; the text already names each ("[gambar]", ...).
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None or self.created_at.utcoffset() is None:
            raise ValueError(f"created_at of {self.platform_id} must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Skipped:
    """An item the platform sent that could not be read; the rest of its page is kept."""

    raw: Any
    reason: str


@dataclass(frozen=True, slots=True)
class Page:
    """One fetch: its messages, the cursor that covers them, and what was skipped."""

    messages: tuple[InboundMessage, ...]
    next_cursor: str | None
    skipped: tuple[Skipped, ...] = ()


@dataclass(frozen=True, slots=True)
class SendResult:
    platform_id: str


class Target(Protocol):
    """What a send needs of the message it answers (an InboundMessage satisfies it)."""

    @property
    def platform_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def conversation_id(self) -> str: ...
    @property
    def author_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Ref:
    """A Target rebuilt from stored columns, for layers that keep no InboundMessage."""

    platform_id: str
    kind: str
    conversation_id: str = ""
    author_id: str = ""
    # When the person wrote: Messenger and Instagram Direct answer only within a window.
    created_at: datetime | None = None


class Connector:
    """The contract. Subclasses set the class-level facts and override what they can do.

    A method the platform cannot do raises Rejected, so callers can check `capabilities`
    first or handle the error; no method sleeps.
    """

    # Class-level facts; the sandbox sets them per instance to imitate a platform.
    platform: str = ""
    streams: tuple[str, ...] = ()
    text_limit: int = 0
    capabilities: frozenset[str] = frozenset()
    min_poll_interval: int = 60
    # Per operation, in the platform's own unit: X in US dollars, YouTube in quota units.
    cost_per_call: Mapping[str, float] = MappingProxyType({})

    def __init__(self, account: AccountConfig, *, session: requests.Session | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        self.account = account
        self.now = now or (lambda: datetime.now(UTC))

    def ledgers(self) -> tuple[Ledger, ...]:
        """The spend, quota and usage ledgers this connector writes (none by default)."""
        return ()

    def attach_usage(self, store: UsageStore) -> None:
        """Keep the ledgers in `store` (the desk's table, shared by every worker and kept
        across restarts) instead of in this process's memory."""
        for ledger in self.ledgers():
            ledger.store = store

    def fetch(self, stream: str, cursor: str | None) -> Page:
        """One page of `stream` after `cursor` (None: from the start). Call again with
        next_cursor while it changes and the page had items."""
        raise NotImplementedError

    def reply(self, target: Target, text: str, idempotency_key: str, *,
              by_agent: bool = False) -> SendResult:
        """Answer in the target's thread. `by_agent` marks a person's reply, which Messenger
        still accepts after its 24-hour window (HUMAN_AGENT tag)."""
        raise Rejected(f"{self.platform} connector cannot reply")

    def send_private(self, target: Target, text: str, idempotency_key: str, *,
                     by_agent: bool = False) -> SendResult:
        raise Rejected(f"{self.platform} does not allow private replies here")

    def post(self, text: str, idempotency_key: str = "", *, image_url: str = "") -> SendResult:
        """Publish on the account's own page or feed; `image_url` is a picture at a public
        address, for platforms that publish only media (Instagram)."""
        raise Rejected(f"{self.platform} connector cannot post")

    def find_post(self, text: str) -> str | None:
        """The id of the account's own recent post with exactly this text, if any: a post
        whose send may have reached the platform is looked for before it is made again."""
        return None

    def can_find_post(self) -> bool:
        """Whether find_post really searches, so that None means "not posted"."""
        return False

    def hide(self, platform_id: str) -> None:
        raise Rejected(f"{self.platform} does not allow hiding")

    def find_reply(self, target: Target, text: str) -> str | None:
        return None

    def can_find_reply(self, target: Target) -> bool:
        """Whether find_reply really searches for sends to this target, so that None means
        "not sent" rather than "cannot tell"; the outbox holds an uncertain send otherwise."""
        return False

    def check(self) -> list[str]:
        return []

    def poll_delay_hint(self) -> float:
        """Seconds the scheduler should wait before the next poll beyond its interval."""
        return 0.0

    def require_stream(self, stream: str) -> None:
        if stream not in self.streams:
            known = ", ".join(self.streams)
            raise Rejected(f"{self.platform} has no stream {stream!r} (has {known})")

    def require_text(self, text: str, limit: int | None = None) -> None:
        top = limit or self.text_limit
        if not text.strip():
            raise Rejected("empty text")
        if top and len(text) > top:
            raise Rejected(f"text is {len(text)} characters, {self.platform} allows {top}")


# Options that name the account's own id on its platform; its own messages carry these.
OWN_ID_OPTIONS = ("page_id", "ig_user_id", "channel_id", "user_id")


def own_identities(account: AccountConfig) -> frozenset[str]:
    """Ids and handle (lower case) by which the account itself appears as an author."""
    found = {str(account.options.get(key) or "") for key in OWN_ID_OPTIONS}
    found.add(account.handle.lstrip("@").lower())
    found.discard("")
    return frozenset(found)


def missing_secrets(account: AccountConfig, names: tuple[str, ...]) -> list[str]:
    """One line per secret the account needs but the environment lacks."""
    problems = []
    for name in names:
        env = account.secret_name(name)
        try:
            found = account.optional_secret(name)
        except MissingSecret as exc:
            problems.append(str(exc))
            continue
        if found is None:
            problems.append(f"missing secret {name}: set {env} or {env}_FILE")
    return problems
