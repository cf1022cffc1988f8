"""The desk's one vocabulary: the words stored in the database and passed between layers.

Every layer names kinds, states and actions from here; the models' CHECK constraints are built
from the same tuples, so a word the code uses and the database refuses cannot exist.
Platforms are what the connectors are called (`x`); channels are what the rules, the guard
and the labelled sets call them (`twitter`). `channel_of` and `platform_of` are the one map
between the two, and both refuse a name they do not know instead of guessing.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

MessageKind = Literal["mention", "comment", "reply", "dm"]
MessageState = Literal["new", "open", "waiting", "closed", "ignored"]
ActionName = Literal["auto_reply", "escalate", "refuse", "redirect_private", "ignore", "agent"]
ReplyKind = Literal["reply", "private", "post", "hide"]
ReplyState = Literal["queued", "sending", "sent", "held", "failed", "cancelled"]
TicketState = Literal["open", "in_progress", "resolved", "closed"]
BroadcastState = Literal[
    "draft", "pending", "approved", "rejected", "publishing", "published", "failed",
]
TargetState = Literal["pending", "sent", "failed"]
DigestState = Literal["sending", "sent", "failed"]
Role = Literal["agent", "supervisor", "admin"]
SlaEventKind = Literal["warning", "breach"]
SlaTarget = Literal["response", "fulfilment", "broadcast"]
Platform = Literal["x", "instagram", "facebook", "youtube", "sandbox"]
Channel = Literal["twitter", "instagram", "facebook", "youtube"]

MESSAGE_KINDS: Final = get_args(MessageKind)
PUBLIC_KINDS: Final = frozenset({"mention", "comment", "reply"})
MESSAGE_STATES: Final = get_args(MessageState)
# Messages an agent may still have to act on; the queue shows these.
OPEN_STATES: Final = ("new", "open")
ACTIONS: Final = get_args(ActionName)
REPLY_KINDS: Final = get_args(ReplyKind)
REPLY_STATES: Final = get_args(ReplyState)
# Replies that may still reach the platform: closing a message cancels these.
PENDING_REPLY_STATES: Final = ("queued", "held")
TICKET_STATES: Final = get_args(TicketState)
BROADCAST_STATES: Final = get_args(BroadcastState)
TARGET_STATES: Final = get_args(TargetState)
DIGEST_STATES: Final = get_args(DigestState)
ROLES: Final = get_args(Role)
SLA_EVENT_KINDS: Final = get_args(SlaEventKind)
SLA_TARGETS: Final = get_args(SlaTarget)
PLATFORMS: Final = get_args(Platform)
CHANNELS: Final = get_args(Channel)

_CHANNEL_OF: Final[dict[str, Channel]] = {
    "x": "twitter", "twitter": "twitter", "instagram": "instagram",
    "facebook": "facebook", "youtube": "youtube",
}
_PLATFORM_OF: Final[dict[str, Platform]] = {
    "x": "x", "twitter": "x", "instagram": "instagram", "facebook": "facebook",
    "youtube": "youtube", "sandbox": "sandbox",
}


class UnknownPlatform(ValueError):
    """A platform or channel name that the desk does not know."""


def channel_of(name: str) -> Channel:
    """The rules' channel for a platform or channel name ("x" and "twitter" -> "twitter")."""
    try:
        return _CHANNEL_OF[name.strip().lower()]
    except KeyError:
        raise UnknownPlatform(
            f"unknown platform {name!r} (one of x, instagram, facebook, youtube; "
            "twitter is accepted for x)") from None


def platform_of(name: str) -> Platform:
    """The connector's platform for a platform or channel name ("twitter" -> "x")."""
    try:
        return _PLATFORM_OF[name.strip().lower()]
    except KeyError:
        raise UnknownPlatform(
            f"unknown platform {name!r} (one of {', '.join(PLATFORMS)}; "
            "twitter is accepted for x)") from None


def is_x(name: str) -> bool:
    return name.strip().lower() in ("x", "twitter")
