"""Plain values that cross between the rule modules and the layers above them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Intent = Literal[
    "question", "problem", "complaint", "ticket_status", "interpretation_request",
    "unregulated_policy", "excluded_info_request", "thanks", "greeting", "spam",
    "off_topic", "abuse",
]
INTENTS: tuple[Intent, ...] = (
    "question", "problem", "complaint", "ticket_status", "interpretation_request",
    "unregulated_policy", "excluded_info_request", "thanks", "greeting", "spam",
    "off_topic", "abuse",
)
REFUSAL_INTENTS: frozenset[str] = frozenset(
    {"interpretation_request", "unregulated_policy", "excluded_info_request"}
)

Action = Literal["auto_reply", "escalate", "refuse", "redirect_private", "ignore", "agent"]
ACTIONS: tuple[Action, ...] = (
    "auto_reply", "escalate", "refuse", "redirect_private", "ignore", "agent",
)

PiiKind = Literal[
    "account_number", "nik", "npwp", "phone", "email", "sp2d_number", "nip", "address",
    "name_full",
]

Channel = Literal["twitter", "instagram", "facebook", "youtube"]
Kind = Literal["mention", "comment", "reply", "dm"]
PUBLIC_KINDS: frozenset[str] = frozenset({"mention", "comment", "reply"})


@dataclass(frozen=True, slots=True)
class Classification:
    """What a message is about and what it wants, with the ids of the rules that said so."""

    service: str | None
    item: str | None
    intent: Intent
    confidence: float
    rules: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class PiiFinding:
    kind: PiiKind
    start: int
    end: int


GuardVerdict = Literal["pass", "review", "block"]
GUARD_VERDICTS: tuple[GuardVerdict, ...] = ("pass", "review", "block")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Outcome of the content guard. `pass`: the text may go out; `review`: it may go out only
    after a supervisor has read it (the guard could not place it with confidence); `block`: it
    must never be sent, the agent rewrites it. `reasons` say why, for people to read."""

    verdict: GuardVerdict
    reasons: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """False only for `block`: the text may enter the outbox (which holds a `review`)."""
        return self.verdict != "block"

    @property
    def passed(self) -> bool:
        """True only for `pass`: the text may be sent without anyone reading it first."""
        return self.verdict == "pass"
