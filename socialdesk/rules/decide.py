"""The first action on a classified message (meanings in the labelling guide).

Pure: it reads only the classification, the kinds of personal data found and the message kind.
What the fired rules add is carried as markers in `Classification.rules`:
`faq:<rule or item>` (a canned answer exists for the topic), `generic:<rule>` (the question is
of the kind a standard reply answers whatever the topic: where to download, when it opens, what
the published requirements are), `case:<rule>` (the message carries details of the writer's own
case that someone has to look at) and `agent:<rule>` (an angry, sensitive or media message that
a person reads first).
"""

from __future__ import annotations

from collections.abc import Collection

from socialdesk.rules.types import PUBLIC_KINDS, REFUSAL_INTENTS, Action, Classification

FAQ_MARK = "faq:"
AGENT_MARK = "agent:"
GENERIC_MARK = "generic:"
CASE_MARK = "case:"
MIN_CONFIDENCE = 0.2

_IGNORED = frozenset({"spam", "abuse"})
_ANSWERED = frozenset({"thanks", "greeting", "ticket_status"})
_ESCALATED = frozenset({"problem", "complaint"})
# Services whose every request asks the desk to do something (book a speaker, send a
# broadcast), which no canned answer does.
ACTION_SERVICES = frozenset({"14", "18"})


def _marked(c: Classification, mark: str) -> bool:
    return any(rule.startswith(mark) for rule in c.rules)


def _answerable(c: Classification, pii: Collection[str]) -> bool:
    """Whether a standard reply answers this question without anyone looking at the case."""
    if c.service in ACTION_SERVICES:
        return False
    # Identifiers (a NIK, an SP2D or account number), even in a private message, or other
    # details of the writer's own case mean the answer depends on data someone must check.
    if pii or _marked(c, CASE_MARK):
        return False
    return _marked(c, FAQ_MARK) or _marked(c, GENERIC_MARK)


def decide(c: Classification, pii: Collection[str], *, kind: str) -> Action:
    # Spam comes before personal data: the number in a promotion is the spammer's own contact,
    # published on purpose; asking its writer to continue in private would answer the bait.
    if c.intent == "spam":
        return "ignore"
    # Personal data in public comes next: the reply must move the talk off the thread.
    if pii and kind in PUBLIC_KINDS:
        return "redirect_private"
    if c.intent in REFUSAL_INTENTS:
        return "refuse"
    if c.intent in _IGNORED:
        return "ignore"
    # An angry, sensitive or media message is read by a person first, even when it asks for
    # nothing the catalog offers (a report of corruption, a cry for help).
    if _marked(c, AGENT_MARK):
        return "agent"
    if c.intent == "off_topic":
        # Another agency's business gets a canned pointer; noise gets nothing.
        return "auto_reply" if _marked(c, FAQ_MARK) else "ignore"
    if c.intent in _ANSWERED:
        return "auto_reply"
    if c.intent in _ESCALATED:
        return "escalate"
    if c.service is None or c.confidence < MIN_CONFIDENCE:
        return "agent"
    return "auto_reply" if _answerable(c, pii) else "escalate"
