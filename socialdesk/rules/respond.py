"""Which canned reply answers a triaged message, and with what context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from socialdesk.core.vocab import MessageState

REFUSAL_TEMPLATES = {
    "interpretation_request": "refuse_interpretation",
    "unregulated_policy": "refuse_unregulated",
    "excluded_info_request": "refuse_excluded",
}
# Canned answers by catalog item or service come from the reply index (`answers:`);
# anything else marked faq gets the general one.
FAQ_FALLBACK = "faq_general"
# Where a message stands once the bot took its first step: answered and done, waiting on a
# unit's ticket, left for an agent, or dropped.
STATE_AFTER: Mapping[str, MessageState] = {
    "auto_reply": "closed", "refuse": "closed", "redirect_private": "closed",
    "escalate": "waiting", "agent": "open", "ignore": "ignored",
}


@dataclass(frozen=True, slots=True)
class Plan:
    """The bot's first step: a template to send (or none), and whether to open a ticket."""

    template: str | None
    open_ticket: bool = False
    hide: bool = False
    context: Mapping[str, Any] = field(default_factory=dict)


def plan(*, action: str, intent: str, service: str | None, item: str | None,
         rules: Sequence[str], known_templates: Sequence[str], topic: str = "",
         answers: Mapping[str, str] | None = None) -> Plan:
    if action == "redirect_private":
        return Plan("redirect_private", hide=True)
    if action == "refuse":
        return Plan(REFUSAL_TEMPLATES.get(intent, "refuse_interpretation"))
    if action == "ignore":
        return Plan(None)
    if action == "agent":
        return Plan("agent_holding")
    if action == "escalate":
        return Plan("escalate", open_ticket=service is not None)
    # auto_reply
    if intent in ("greeting", "thanks"):
        return Plan(intent)
    if intent == "off_topic":
        return Plan("faq_other_agency")
    if intent == "ticket_status":
        return Plan("ticket_status_not_found")  # refined with the ticket lookup
    by_topic = answers or {}
    for key in (item, service):
        if key and key in by_topic and by_topic[key] in known_templates:
            return Plan(by_topic[key])
    for rule in rules:
        name = "faq_" + rule.removeprefix("faq:").replace("-", "_")
        if rule.startswith("faq:") and name in known_templates:
            return Plan(name)
    if FAQ_FALLBACK in known_templates:
        return Plan(FAQ_FALLBACK, context={"topic": topic} if topic else {})
    return Plan("agent_holding")
