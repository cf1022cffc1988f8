"""Triage of one message: classify, find personal data, ask the guard, decide the action.

Pure glue over the rule modules. The inbound guard is a second opinion: when it sees a request
for interpretation, unregulated policy or excluded information that the classifier missed,
the message is refused (or, with personal data in public, moved to a private channel). The
override applies even over "spam": its patterns are narrow, and a polite refusal sent to a
rare odd spam costs less than ignoring a real question about a regulation.

Silence needs positive evidence: a message the classifier found off-topic is ignored only
when it neither asks anything nor speaks of the treasury's own offices and systems; otherwise
a person reads it (a missed complaint costs more than an agent's glance at noise).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from socialdesk.core.catalog import Catalog, load_catalog
from socialdesk.rules.classify import Classifier
from socialdesk.rules.decide import decide
from socialdesk.rules.guard import Guard
from socialdesk.rules.normalize import use_lexicon
from socialdesk.rules.pii import pii_kinds
from socialdesk.rules.types import (
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
    def __init__(self, classifier: Classifier, guard: Guard, catalog: Catalog) -> None:
        self.classifier = classifier
        self.guard = guard
        self.catalog = catalog

    @classmethod
    def default(cls) -> Triage:
        catalog = load_catalog()
        return cls(Classifier.default(), Guard.default(), catalog)

    @classmethod
    def load(cls, *, catalog: Catalog, rules_dir: Path, guard: Guard,
             lexicon_dir: Path | None = None) -> Triage:
        """The rules in `rules_dir` over `catalog`; the lexicon becomes the process's own."""
        use_lexicon(lexicon_dir)
        return cls(Classifier.load(rules_dir, catalog), guard, catalog)

    def run(self, text: str, *, channel: str, kind: str) -> TriageResult:
        # The classifier and the guard both start with NFKC, which leaves NFKC text unchanged
        # at the cost of a quick check: normalise once for both. Personal data is looked for
        # in the text as written, since its offsets and digit shapes are the writer's own.
        shared = text if text.isascii() else unicodedata.normalize("NFKC", text)
        c = self.classifier.classify(shared, channel=channel, kind=kind)
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
