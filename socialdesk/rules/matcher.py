"""Finds which rules fire on a list of normalized words, with all phrases precompiled.

Phrases of every rule sit in one dictionary keyed by the phrase itself; a message is scanned
once, looking up each run of up to `longest` words, so the cost does not grow with the number
of rules. Prefix phrases ("perbaik*") are bucketed by their first four letters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from socialdesk.rules.ruleset import Rule

WORDS, WITH, NOT = 0, 1, 2
_BUCKET = 4


@dataclass(frozen=True, slots=True)
class Matcher:
    rules: tuple[Rule, ...]
    phrases: dict[str, tuple[tuple[int, int], ...]]
    prefixes: dict[str, tuple[tuple[str, int, int], ...]]
    short_prefixes: tuple[tuple[str, int, int], ...]
    with_patterns: tuple[int, ...]
    starters: frozenset[str]
    longest: int

    @classmethod
    def build(cls, rules: Sequence[Rule]) -> Matcher:
        phrases: dict[str, list[tuple[int, int]]] = defaultdict(list)
        prefixes: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        short: list[tuple[str, int, int]] = []
        longest = 1
        starters: set[str] = set()
        for index, rule in enumerate(rules):
            for slot, group in ((WORDS, rule.words), (WITH, rule.with_), (NOT, rule.not_)):
                for phrase in group:
                    if phrase.endswith("*"):
                        stem = phrase[:-1]
                        if len(stem) >= _BUCKET:
                            prefixes[stem[:_BUCKET]].append((stem, index, slot))
                        else:
                            short.append((stem, index, slot))
                    else:
                        phrases[phrase].append((index, slot))
                        if " " in phrase:
                            starters.add(phrase.split(" ", 1)[0])
                        longest = max(longest, phrase.count(" ") + 1)
        return cls(
            rules=tuple(rules),
            phrases={k: tuple(v) for k, v in phrases.items()},
            prefixes={k: tuple(v) for k, v in prefixes.items()},
            short_prefixes=tuple(short),
            starters=frozenset(starters),
            with_patterns=tuple(i for i, rule in enumerate(rules) if rule.patterns),
            longest=longest,
        )

    def hits(self, words: Sequence[str]) -> set[tuple[int, int]]:
        """(rule index, slot) pairs whose phrases occur in `words`."""
        found: set[tuple[int, int]] = set()
        phrases, prefixes, longest = self.phrases, self.prefixes, self.longest
        starters, short = self.starters, self.short_prefixes
        count = len(words)
        for i, word in enumerate(words):
            hit = phrases.get(word)
            if hit:
                found.update(hit)
            if word in starters:
                for n in range(2, min(longest, count - i) + 1):
                    hit = phrases.get(" ".join(words[i:i + n]))
                    if hit:
                        found.update(hit)
            bucket = prefixes.get(word[:_BUCKET])
            if bucket:
                for stem, index, slot in bucket:
                    if word.startswith(stem):
                        found.add((index, slot))
            for stem, index, slot in short:
                if word.startswith(stem):
                    found.add((index, slot))
        return found

    def fired(self, words: Sequence[str], text: str) -> list[Rule]:
        """Rules whose `words` or `patterns` match, whose `with` (if any) matches, and no `not`."""
        found = self.hits(words)
        candidates = {index for index, slot in found if slot == WORDS}
        for index in self.with_patterns:
            if index not in candidates and any(p.search(text) for p in self.rules[index].patterns):
                candidates.add(index)
        out: list[Rule] = []
        for index in sorted(candidates):
            rule = self.rules[index]
            if rule.with_ and (index, WITH) not in found:
                continue
            if rule.not_ and (index, NOT) in found:
                continue
            out.append(rule)
        return out
