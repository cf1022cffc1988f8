"""Triage of one message: classify, find personal data, ask the guard, decide the action.

Pure glue over the rule modules. The inbound guard is a second opinion: when it sees a request
for interpretation, unregulated policy or excluded information that the classifier missed,
the message is refused (or, with personal data in public, moved to a private channel). The
override applies even over "spam": its patterns are narrow, and a polite refusal sent to a
rare odd spam costs less than ignoring a real question about a regulation.

Silence needs positive evidence: a message the classifier found off-topic is ignored only
when it neither asks anything nor speaks of the treasury's own offices and systems; otherwise
a person reads it (a missed complaint costs more than an agent's glance at noise).

The learned second opinion (socialdesk.rules.second_opinion), when configured, is heard after
the rules and only where they are not sure: personal data in public and refusals the rules or
the inbound guard found stand as they are; a service the rules found with a clear margin
yields only to a model that is very sure; otherwise the model's service, intent and action win
when it is sure enough. A service the model chose takes the item that the rules which fired
name within it. A refusal that only the model sees is sent only when it is very sure, and goes
to a person otherwise.
Every change the model makes is named in the message's rules ("model:action=escalate 0.91
(sakti, reset, akun)"), so the decision can be read back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from socialdesk.core.catalog import Catalog, load_catalog
from socialdesk.rules.classify import Classifier
from socialdesk.rules.decide import FAQ_MARK, decide
from socialdesk.rules.guard import Guard
from socialdesk.rules.normalize import tokens, use_lexicon
from socialdesk.rules.pii import pii_kinds
from socialdesk.rules.second_opinion import Opinion, SecondOpinion
from socialdesk.rules.types import (
    ACTIONS,
    INTENTS,
    PUBLIC_KINDS,
    REFUSAL_INTENTS,
    Action,
    Classification,
    Intent,
)

GUARD_INTENTS: dict[str, Intent] = {
    "interpretation": "interpretation_request",
    "unregulated_policy": "unregulated_policy",
    "excluded_info": "excluded_info_request",
}
# How sure a refusal is when only the guard's patterns saw it: they are written for precision.
GUARD_CONFIDENCE = 0.8
# Signs that a message asks something or concerns the treasury's own offices and systems.
ASKS_OR_OURS = re.compile(
    r"\?|\b(?:gimana|bagaimana|gmn|kenapa|knp|mengapa|kapan|berapa|apakah|apa|tolong|mohon|"
    r"lapor|minta|bisa|mau|how|why|when|please|kppn|kanwil|djpb|hai-?djpb|14090|sakti|span|"
    r"omspan|sp2d|spm|satker|tiket|pegawai|petugas|pelayanan|layanan|sla)\b",
    re.IGNORECASE,
)
# The second opinion's thresholds, chosen by leave-one-writer-out measurement (data/README.md):
# the rules' service stands at this confidence or more; the model's service needs SERVICE_SURE,
# its action and intent ACTION_SURE, a refusal it alone sees REFUSE_SURE (below that, an agent)
RULES_SURE = 0.9
SERVICE_SURE = 0.3
ACTION_SURE = 0.6
REFUSE_SURE = 0.9
# ... or when its action and intent heads agree on a refusal at this probability each.
AGREED_SURE = 0.5
# The model's service replaces even a sure rules' service at this probability: out of writer,
# where both are that sure and disagree, the model is right more often.
SERVICE_OVERRULE = 0.7
# The model's intent (other than a refusal's) replaces the rules' at this probability, however
# sure the rules were: out of writer, the model's intent is right more often than the rules'.
INTENT_SURE = 0.4
_KEPT: frozenset[str] = frozenset({"redirect_private", "refuse"})
# A rules' refusal gives way to the model's escalate, agent or auto_reply at this probability,
# when its intent is no refusal's either (measured first on three writers the model had not
# learned from: 7 of 12 false refusals put right, none of 102 refusals lost).
REFUSAL_VETO = 0.7
_VETOING: frozenset[str] = frozenset({"escalate", "agent", "auto_reply"})
_SILENT: frozenset[str] = frozenset({"spam", "abuse", "off_topic"})
# Intents whose canned reply answers no question.
_NOT_ANSWERS: frozenset[str] = frozenset({"greeting", "thanks", "off_topic"})
# Rules that know which other agency a message's business belongs to (a canned pointer there).
_ELSEWHERE = "faq:offtopic."
# Intents under which abusive language with no service is abuse without a request.
_ABUSE_LIKE: frozenset[str] = frozenset({"abuse", "greeting", "thanks", "off_topic"})


@dataclass(frozen=True, slots=True)
class TriageResult:
    classification: Classification
    pii: tuple[str, ...]
    inbound: tuple[str, ...]
    action: Action
    confidence: float
    rules: tuple[str, ...]
    fulfilment_hours: int | None
    owner_unit: str | None

    @property
    def service(self) -> str | None:
        return self.classification.service

    @property
    def item(self) -> str | None:
        return self.classification.item

    @property
    def intent(self) -> Intent:
        return self.classification.intent


class Triage:
    def __init__(self, classifier: Classifier, guard: Guard, catalog: Catalog,
                 second_opinion: SecondOpinion | None = None) -> None:
        self.classifier = classifier
        self.guard = guard
        self.catalog = catalog
        self.second_opinion = second_opinion
        # The item each rule names, with its weight: a service the model chose takes the item
        # the rules that fired point to most within it.
        self._rule_items: dict[str, tuple[str, float]] = {
            rule.id: (rule.item, rule.weight) for rule in classifier.ruleset.rules
            if rule.item is not None and rule.item in catalog.items
        }

    @classmethod
    def default(cls, model_path: Path | None = None) -> Triage:
        """The packaged rules, with the second opinion in `model_path` if one is named."""
        catalog = load_catalog()
        model = SecondOpinion.load(model_path) if model_path is not None else None
        return cls(Classifier.default(), Guard.default(), catalog, model)

    @classmethod
    def load(cls, *, catalog: Catalog, rules_dir: Path, guard: Guard,
             lexicon_dir: Path | None = None, model_path: Path | None = None) -> Triage:
        """The rules in `rules_dir` over `catalog`; the lexicon becomes the process's own.
        `model_path` names the second opinion's weights (None: the rules alone)."""
        use_lexicon(lexicon_dir)
        model = SecondOpinion.load(model_path) if model_path is not None else None
        return cls(Classifier.load(rules_dir, catalog), guard, catalog, model)

    def run(self, text: str, *, channel: str, kind: str) -> TriageResult:
        # The classifier and the guard both start with NFKC, which leaves NFKC text unchanged
        # at the cost of a quick check: normalise once for both. Personal data is looked for
        # in the text as written, since its offsets and digit shapes are the writer's own.
        shared = text if text.isascii() else unicodedata.normalize("NFKC", text)
        words = tokens(shared)
        c = self.classifier.classify(shared, channel=channel, kind=kind, words=words)
        pii = tuple(pii_kinds(text))
        inbound = tuple(self.guard.check_inbound(shared))
        intent, confidence = c.intent, c.confidence
        if inbound and intent not in REFUSAL_INTENTS:
            intent = GUARD_INTENTS[inbound[0]]
            confidence = max(confidence, GUARD_CONFIDENCE)
            action: Action = "redirect_private" if pii and kind in PUBLIC_KINDS else "refuse"
        else:
            action = decide(c, pii, kind=kind)
            if action == "ignore" and intent == "off_topic" and ASKS_OR_OURS.search(shared):
                action = "agent"
        extra = [f"pii:{k}" for k in pii] + [f"guard:{r}" for r in inbound]
        rules = tuple(dict.fromkeys(c.rules + tuple(extra)))
        c = Classification(service=c.service, item=c.item, intent=intent,
                           confidence=confidence, rules=rules)
        if self.second_opinion is not None:
            rules_service, rules_action = c.service, action
            c, action = _second_look(c, action, self.second_opinion.judge(shared, words),
                                     asked="?" in shared)
            if (action == "ignore" and rules_action == "auto_reply" and c.intent == "off_topic"
                    and any(rule.startswith(_ELSEWHERE) for rule in c.rules)):
                # Another agency's business asked in earnest (a tax return, a pension, a BPJS
                # claim) is a question all the same: silence needs noise, not a guess.
                action = rules_action
            confidence, rules = c.confidence, c.rules
            # The model chose another service: the rules' item went with theirs, but a rule
            # that fired may name an item of the model's service.
            item = (self._item_within(c) if c.service != rules_service and c.service is not None
                    else None)
            if item is not None:
                c = Classification(service=c.service, item=item, intent=c.intent,
                                   confidence=c.confidence, rules=(*c.rules, f"item:{item}"))
                rules = c.rules
        if action == "ignore" and c.service is not None and c.intent not in _SILENT:
            # The rules heard only an insult, the model a request about a service in it: a
            # rude question is still a question.
            action = decide(c, pii, kind=kind)
        if (c.service is None and c.intent in _ABUSE_LIKE and action not in _KEPT
                and action != "ignore" and self.guard.abusive(text)):
            # Abuse without a request: the classifier may read it as a greeting or noise, or
            # the model may call it abuse while the rules' action still answers it. The
            # guard's abuse words (every disguise and regional variant) are the evidence.
            c = Classification(service=None, item=None, intent="abuse",
                               confidence=max(c.confidence, GUARD_CONFIDENCE),
                               rules=(*c.rules, "guard:abusive"))
            action, confidence, rules = "ignore", c.confidence, c.rules
        hours = owner = None
        if c.service is not None and c.service in self.catalog.services:
            item = c.item if c.item in self.catalog.items else None
            hours = self.catalog.hours_for(c.service, item)
            owner = self.catalog.owner_for(c.service, item)
        return TriageResult(
            classification=c, pii=pii, inbound=inbound, action=action,
            confidence=min(1.0, max(0.0, confidence)), rules=rules,
            fulfilment_hours=hours, owner_unit=owner,
        )

    def _item_within(self, c: Classification) -> str | None:
        """The item of `c.service` that the rules which fired weigh most (None: no rule that
        fired names an item of that service)."""
        items, service = self.catalog.items, c.service
        weights: dict[str, float] = {}
        for rule_id in c.rules:
            named = self._rule_items.get(rule_id)
            if named is not None and items[named[0]].service_id == service:
                weights[named[0]] = weights.get(named[0], 0.0) + named[1]
        return max(weights, key=weights.__getitem__) if weights else None


def _second_look(c: Classification, action: Action, opinions: dict[str, Opinion], *,
                 asked: bool = False) -> tuple[Classification, Action]:
    """The rules' classification and action, changed where the model is surer (see above).
    `asked`: the message puts a question (a question mark)."""
    service, item, intent = c.service, c.item, c.intent
    notes: list[str] = []
    # A question put to the desk that the rules hold a canned answer for ("besok layanan
    # tetap buka?") stays a question: a greeting back would not answer it. Without a question
    # mark, thanks that name a topic are thanks.
    canned = (asked and intent == "question"
              and any(rule.startswith(FAQ_MARK) for rule in c.rules))
    said = opinions.get("service")
    if said is not None:
        guess = None if said.label == "none" else said.label
        needed = (SERVICE_OVERRULE if service is not None and c.confidence >= RULES_SURE
                  else SERVICE_SURE)
        if said.probability >= needed and guess != service:
            service, item = guess, None
            notes.append(said.describe("service"))
    said, why = opinions.get("action"), opinions.get("intent")
    if said is not None and action not in _KEPT:
        chosen = _model_action(said, why, c.intent, service)
        if chosen is not None and chosen != action:
            action = chosen
            notes.append(said.describe("action"))
    if (said is not None and why is not None and action == "refuse"
            and said.label in _VETOING and said.probability >= REFUSAL_VETO
            and why.label not in REFUSAL_INTENTS and why.label in INTENT_NAMES):
        # The rules refuse, and the model is sure the message is a case or a question, and
        # asks nothing to be refused: a refusal here would turn away a real request.
        action = _as_action(said.label)
        intent = INTENT_NAMES[why.label]
        notes += [said.describe("action"), why.describe("intent")]
    if why is not None and why.label != intent and why.label in INTENT_NAMES:
        # The intent stays in step with the action: a refusal names what it refuses, and
        # nothing else is given a refusal's intent.
        if action == "refuse":
            change = intent not in REFUSAL_INTENTS and why.label in REFUSAL_INTENTS
        else:
            change = (intent not in REFUSAL_INTENTS and why.label not in REFUSAL_INTENTS
                      and why.probability >= INTENT_SURE
                      and not (canned and why.label in _NOT_ANSWERS))
        if change:
            intent = INTENT_NAMES[why.label]
            notes.append(why.describe("intent"))
    if not notes:
        return c, action
    return Classification(service=service, item=item, intent=intent, confidence=c.confidence,
                          rules=c.rules + tuple(notes)), action


def _model_action(said: Opinion, why: Opinion | None, intent: str,
                  service: str | None) -> Action | None:
    """The action the model would take over the rules' (None: it is not sure enough)."""
    if said.label == "refuse":
        agreed = (why is not None and why.label in REFUSAL_INTENTS
                  and min(why.probability, said.probability) >= AGREED_SURE)
        if agreed or said.probability >= REFUSE_SURE:
            return "refuse"
        return "agent" if said.probability >= ACTION_SURE else None
    if said.probability < ACTION_SURE or said.label == "redirect_private":
        return None  # personal data is the finder's call alone
    if said.label == "ignore" and (intent not in _SILENT or service is not None):
        # Silence needs the rules' evidence (spam, abuse, noise), never a guess; and a
        # message about one of the services asks something, however rudely.
        return None
    return _as_action(said.label)


INTENT_NAMES: dict[str, Intent] = {name: name for name in INTENTS}
ACTION_NAMES: dict[str, Action] = {name: name for name in ACTIONS}


def _as_action(name: str) -> Action:
    return ACTION_NAMES.get(name, "agent")
