"""Loading and checking the rule files in config/rules/*.yaml (format: config/rules/README.md).

A rule names what it points at (an item, a service, an intent, or a flag for the decision) and
when it fires: one of `words` (phrases, matched on normalized words; a trailing `*` matches any
ending) or `patterns` (regular expressions on the normalized text); optionally also one of
`with`, and none of `not`. Every problem raises ValueError naming the file and the rule id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from socialdesk.core.catalog import Catalog
from socialdesk.core.yamlread import safe_load
from socialdesk.rules.normalize import normalize
from socialdesk.rules.types import INTENTS

FLAGS = ("agent", "faq", "generic", "case")
_KEYS = frozenset(
    {"id", "item", "service", "intent", "flag", "words", "with", "not", "patterns", "weight",
     "faq", "note"}
)
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    source: str
    service: str | None
    item: str | None
    intent: str | None
    flag: str | None
    words: tuple[str, ...]
    with_: tuple[str, ...]
    not_: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    weight: float
    faq: bool


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    faq_items: frozenset[str]


def _phrases(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ValueError(f"{where}: {key!r} must be a list of phrases")
    out: list[str] = []
    for raw in value:
        text = str(raw)
        star = text.rstrip().endswith("*")
        phrase = normalize(text.rstrip().rstrip("*"))
        if not phrase:
            raise ValueError(f"{where}: {key!r} phrase {raw!r} is empty once normalized")
        if star and " " in phrase:
            raise ValueError(f"{where}: {key!r} phrase {raw!r}: '*' only ends a single word")
        out.append(phrase + "*" if star else phrase)
    return tuple(out)


def _patterns(entry: Mapping[str, Any], where: str) -> tuple[re.Pattern[str], ...]:
    value = entry.get("patterns")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: 'patterns' must be a list of regular expressions")
    compiled: list[re.Pattern[str]] = []
    for raw in value:
        try:
            compiled.append(re.compile(raw))
        except re.error as exc:
            raise ValueError(f"{where}: bad pattern {raw!r} ({exc})") from None
    return tuple(compiled)


def _optional_id(entry: Mapping[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError(f"{where}: {key!r} must be a string")
    return str(value)


def parse_rule(entry: Any, source: str, index: int, catalog: Catalog) -> Rule:
    if not isinstance(entry, Mapping):
        raise ValueError(f"{source}: rule #{index + 1} is not a mapping")
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise ValueError(f"{source}: rule #{index + 1} needs an 'id' (lower case, dots, dashes)")
    where = f"{source}: rule {rule_id}"
    unknown = set(entry) - _KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    item = _optional_id(entry, "item", where)
    service = _optional_id(entry, "service", where)
    if item is not None:
        if item not in catalog.items:
            raise ValueError(f"{where}: item {item!r} is not in the catalog")
        owner = catalog.items[item].service_id
        if service is not None and service != owner:
            raise ValueError(f"{where}: item {item} belongs to service {owner}, not {service}")
        service = owner
    elif service is not None and service not in catalog.services:
        raise ValueError(f"{where}: service {service!r} is not in the catalog")
    intent = _optional_id(entry, "intent", where)
    if intent is not None and intent not in INTENTS:
        raise ValueError(f"{where}: intent {intent!r} is not one of {', '.join(INTENTS)}")
    flag = _optional_id(entry, "flag", where)
    if flag is not None and flag not in FLAGS:
        raise ValueError(f"{where}: flag {flag!r} is not one of {', '.join(FLAGS)}")
    if service is None and intent is None and flag is None:
        raise ValueError(f"{where}: a rule must point at an item, service, intent or flag")
    words = _phrases(entry, "words", where)
    patterns = _patterns(entry, where)
    if not words and not patterns:
        raise ValueError(f"{where}: a rule needs 'words' or 'patterns'")
    weight = entry.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 10:
        raise ValueError(f"{where}: 'weight' must be a number in (0, 10]")
    faq = entry.get("faq", False)
    if not isinstance(faq, bool):
        raise ValueError(f"{where}: 'faq' must be true or false")
    return Rule(
        id=rule_id, source=source, service=service, item=item, intent=intent, flag=flag,
        words=words, with_=_phrases(entry, "with", where), not_=_phrases(entry, "not", where),
        patterns=patterns, weight=float(weight), faq=faq,
    )


def parse_file(data: Any, source: str, catalog: Catalog) -> tuple[list[Rule], list[str]]:
    if data is None:
        return [], []
    if not isinstance(data, Mapping):
        raise ValueError(f"{source}: top level must be a mapping with 'rules'")
    unknown = set(data) - {"rules", "faq_items"}
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))
        raise ValueError(f"{source}: unknown top-level key(s) {names}")
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        raise ValueError(f"{source}: 'rules' must be a list")
    faq_items = data.get("faq_items") or []
    if not isinstance(faq_items, list):
        raise ValueError(f"{source}: 'faq_items' must be a list of item ids")
    for item in faq_items:
        if str(item) not in catalog.items:
            raise ValueError(f"{source}: faq_items: {item!r} is not a catalog item")
    rules = [parse_rule(entry, source, i, catalog) for i, entry in enumerate(raw_rules)]
    return rules, [str(i) for i in faq_items]


def load_rules(rules_dir: Path, catalog: Catalog) -> RuleSet:
    files: Sequence[Path] = sorted(rules_dir.glob("*.yaml"))
    if not files:
        raise ValueError(f"{rules_dir}: no rule files (*.yaml)")
    rules: list[Rule] = []
    faq: set[str] = set()
    seen: dict[str, str] = {}
    for path in files:
        try:
            data = safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML ({exc})") from None
        file_rules, file_faq = parse_file(data, str(path), catalog)
        for rule in file_rules:
            if rule.id in seen:
                raise ValueError(f"{path}: rule {rule.id}: id already used in {seen[rule.id]}")
            seen[rule.id] = str(path)
        rules.extend(file_rules)
        faq.update(file_faq)
    return RuleSet(rules=tuple(rules), faq_items=frozenset(faq))
