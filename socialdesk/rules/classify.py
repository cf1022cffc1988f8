"""Rule-based, explainable classification of a message against the catalog and the intents.

Fired rules add their weight to an item (and so to its service), to a service, or to an
intent. The best-scoring service above a threshold wins, then its best item above a threshold.
Where no rule names a service, the words of the catalog's own item names act as a fallback.
Markers appended to `Classification.rules` ("faq:...", "agent:...", "generic:...", "case:...")
carry what the decision needs to know about the fired rules (see socialdesk.rules.decide).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from socialdesk.core.catalog import Catalog, load_catalog
from socialdesk.core.resources import RULES, default_path
from socialdesk.rules.decide import AGENT_MARK, CASE_MARK, FAQ_MARK, GENERIC_MARK
from socialdesk.rules.matcher import Matcher
from socialdesk.rules.names import NameIndex
from socialdesk.rules.normalize import tokens
from socialdesk.rules.ruleset import RuleSet, load_rules
from socialdesk.rules.types import Classification, Intent

SERVICE_THRESHOLD = 1.0
ITEM_THRESHOLD = 1.0
NAME_WEIGHT = 1.5
# A topic named only by the broad words of a service ("pelaksanaan anggaran"), with no ask, no
# problem and no complaint, is a remark (a news line, an event report) rather than a request.
REQUEST_EVIDENCE = 2.0
# A message this long that names a clear topic is a request, whatever courtesy closes it.
LETTER_WORDS = 25
SOCIAL: frozenset[str] = frozenset({"thanks", "greeting"})
# Intents that are not a request for a catalog service, whatever words they share with one.
SERVICELESS: frozenset[str] = frozenset(
    {"thanks", "greeting", "ticket_status", "spam", "abuse", "off_topic"}
)
# When two intents score the same, the one that matters more for the reply wins.
PRIORITY: tuple[Intent, ...] = (
    "spam", "excluded_info_request", "interpretation_request", "unregulated_policy",
    "abuse", "ticket_status", "complaint", "problem", "question", "off_topic",
    "thanks", "greeting",
)
_RANK: dict[str, int] = {intent: rank for rank, intent in enumerate(PRIORITY)}
REFUSALS: frozenset[str] = frozenset(
    {"interpretation_request", "unregulated_policy", "excluded_info_request"}
)
# A refusal rule this strong decides the intent even when a complaint or problem rule weighs
# more: SLA 5.C.5 forbids the content whatever else the message also is.
REFUSAL_DECIDES = 4.0


def _best(scores: dict[str, float]) -> tuple[str | None, float, float]:
    """Top key, its score and the runner-up's score."""
    best: str | None = None
    top = second = 0.0
    for key, score in scores.items():
        if score > top:
            best, top, second = key, score, top
        elif score > second:
            second = score
    return best, top, second


def _confidence(top: float, second: float) -> float:
    if top <= 0:
        return 0.0
    return round(min(1.0, top / (top + second + 1.0) * 1.5), 3)


@dataclass(frozen=True, slots=True)
class Classifier:
    catalog: Catalog
    ruleset: RuleSet
    matcher: Matcher
    names: NameIndex

    @classmethod
    def load(cls, rules_dir: Path, catalog: Catalog) -> Classifier:
        ruleset = load_rules(rules_dir, catalog)
        return cls(catalog=catalog, ruleset=ruleset, matcher=Matcher.build(ruleset.rules),
                   names=NameIndex.build(catalog))

    @classmethod
    def default(cls) -> Classifier:
        return cls.load(default_path(RULES), load_catalog())

    def classify(self, text: str, *, channel: str = "twitter", kind: str = "mention",
                 words: list[str] | None = None) -> Classification:
        """`words`, when the caller has them already, are `tokens(text)`."""
        words = tokens(text) if words is None else words
        fired = self.matcher.fired(words, " ".join(words))
        services: dict[str, float] = defaultdict(float)
        items: dict[str, float] = defaultdict(float)
        intents: dict[str, float] = defaultdict(float)
        fired_ids = [rule.id for rule in fired]
        markers: list[str] = []
        faq_rules: list[tuple[str | None, str]] = []
        for rule in fired:
            if rule.item is not None:
                items[rule.item] += rule.weight
            if rule.service is not None:
                services[rule.service] += rule.weight
            if rule.intent is not None:
                intents[rule.intent] += rule.weight
            if rule.flag == "agent":
                markers.append(AGENT_MARK + rule.id)
            elif rule.flag == "generic":
                markers.append(GENERIC_MARK + rule.id)
            elif rule.flag == "case":
                markers.append(CASE_MARK + rule.id)
            if rule.faq or rule.flag == "faq":
                faq_rules.append((rule.item, rule.id))

        service, s_top, s_second = _best(services)
        if s_top < SERVICE_THRESHOLD:
            guess = self.names.best(words)
            if guess is not None:
                item_id, similarity = guess
                items[item_id] += similarity * NAME_WEIGHT
                guessed_service = self.catalog.items[item_id].service_id
                services[guessed_service] += similarity * NAME_WEIGHT
                fired_ids.append(f"name:{item_id}")
                service, s_top, s_second = _best(services)
        if s_top < SERVICE_THRESHOLD:
            service = None
        item = None
        if service is not None:
            own = {k: v for k, v in items.items() if self.catalog.items[k].service_id == service}
            best_item, i_top, _ = _best(own)
            if best_item is not None and i_top >= ITEM_THRESHOLD:
                item = best_item
        if item is not None and item in self.ruleset.faq_items:
            markers.append(FAQ_MARK + item)
        # A topic's canned answer only fits when the topic is what the message ended up about.
        markers.extend(FAQ_MARK + rid for target, rid in faq_rules if target in (None, item))

        intent, i_score, i_second = self._intent(intents, service is not None,
                                                 s_top >= REQUEST_EVIDENCE,
                                                 len(words) >= LETTER_WORDS)
        if intent in SERVICELESS:
            service = item = None
        confidence = _confidence(s_top, s_second) if service else _confidence(i_score, i_second)
        return Classification(
            service=service, item=item, intent=intent, confidence=confidence,
            rules=tuple(fired_ids + markers),
        )

    @staticmethod
    def _intent(scores: dict[str, float], has_service: bool,
                clear_topic: bool = True, letter: bool = False) -> tuple[Intent, float, float]:
        ranked = sorted(
            ((score, intent) for intent, score in scores.items()),
            key=lambda pair: (-pair[0], _RANK[pair[1]]),
        )
        substantive = [(s, i) for s, i in ranked if i not in SOCIAL and s >= 1.0]
        social = [(s, i) for s, i in ranked if i in SOCIAL]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        # A greeting opens a message; whatever the message then asks is what it is about.
        if social and social[0][1] == "greeting" and (has_service or substantive):
            social = []
        # "Terima kasih" closing a question about a service is politeness, not the message; so
        # is the "terima kasih" closing a letter-length request on a clear topic (thanks alone
        # are short).
        if has_service and social and substantive and substantive[0][1] == "question":
            social = []
        if has_service and social and clear_topic and letter:
            social = []
        if substantive and substantive[0][1] != "spam":
            refusal = [(s, i) for s, i in substantive if i in REFUSALS and s >= REFUSAL_DECIDES]
            if refusal:
                top, intent = refusal[0]
                return _as_intent(intent), top, runner_up
        if substantive and not (social and social[0][0] > substantive[0][0]):
            top, intent = substantive[0]
            return _as_intent(intent), top, runner_up
        if social:
            top, intent = social[0]
            return _as_intent(intent), top, runner_up
        if has_service and clear_topic:
            return "question", 1.0, 0.0
        return "off_topic", 0.5, 0.0


def _as_intent(name: str) -> Intent:
    for intent in PRIORITY:
        if intent == name:
            return intent
    raise ValueError(f"unknown intent {name!r}")
