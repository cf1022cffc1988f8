"""Finds which rules fire on a list of normalized words, with all phrases precompiled.

Phrases of every rule sit in one dictionary keyed by the phrase itself; a message is scanned
once, so the cost does not grow with the number of rules. A run of words is extended only
while it is still the beginning of some phrase (`partials`). Prefix phrases ("perbaik*") are
bucketed by their first four letters. What a single word fires depends on the word alone, so
it is worked out once per distinct word and remembered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from socialdesk.rules.prefilter import Gated, gate, search_each
from socialdesk.rules.ruleset import Rule

WORDS, WITH, NOT = 0, 1, 2
_BUCKET = 4
_MEMO_LIMIT = 50_000
Hits = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Matcher:
    rules: tuple[Rule, ...]
    phrases: dict[str, tuple[tuple[int, int], ...]]
    prefixes: dict[str, tuple[tuple[str, int, int], ...]]
    short_prefixes: tuple[tuple[str, int, int], ...]
    with_patterns: tuple[int, ...]
    starters: frozenset[str]
    longest: int
    partials: frozenset[str] = frozenset()
    """every proper beginning ("a", "a b") of every phrase of two or more words"""
    pattern_gates: tuple[tuple[int, tuple[Gated, ...]], ...] = ()
    pattern_plan: tuple[tuple[int, tuple[Gated, ...], bool, bool], ...] = ()
    """each pattern rule's index, gates, and whether it has a `with` and a `not`"""
    _single: dict[str, Hits] = field(default_factory=dict, init=False, repr=False,
                                     compare=False)

    @classmethod
    def build(cls, rules: Sequence[Rule]) -> Matcher:
        phrases: dict[str, list[tuple[int, int]]] = defaultdict(list)
        prefixes: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        short: list[tuple[str, int, int]] = []
        longest = 1
        starters: set[str] = set()
        partials: set[str] = set()
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
                            parts = phrase.split(" ")
                            starters.add(parts[0])
                            partials.update(" ".join(parts[:n]) for n in range(1, len(parts)))
                        longest = max(longest, phrase.count(" ") + 1)
        gates = tuple(
            (i, tuple(gate(p) for p in rule.patterns))
            for i, rule in enumerate(rules) if rule.patterns
        )
        return cls(
            rules=tuple(rules),
            phrases={k: tuple(v) for k, v in phrases.items()},
            prefixes={k: tuple(v) for k, v in prefixes.items()},
            short_prefixes=tuple(short),
            starters=frozenset(starters),
            with_patterns=tuple(i for i, rule in enumerate(rules) if rule.patterns),
            longest=longest,
            partials=frozenset(partials),
            pattern_gates=gates,
            pattern_plan=tuple(
                (i, g, bool(rules[i].with_), bool(rules[i].not_)) for i, g in gates
            ),
        )

    def _single_word(self, word: str) -> Hits:
        found: list[tuple[int, int]] = list(self.phrases.get(word, ()))
        for stem, index, slot in self.prefixes.get(word[:_BUCKET], ()):
            if word.startswith(stem):
                found.append((index, slot))
        for stem, index, slot in self.short_prefixes:
            if word.startswith(stem):
                found.append((index, slot))
        return tuple(found)

    def hits(self, words: Sequence[str]) -> set[tuple[int, int]]:
        """(rule index, slot) pairs whose phrases occur in `words`."""
        found: set[tuple[int, int]] = set()
        phrases, partials, single = self.phrases, self.partials, self._single
        longest = self.longest
        for i, word in enumerate(words):
            hit = single.get(word)
            if hit is None:
                hit = self._single_word(word)
                if len(single) >= _MEMO_LIMIT:
                    single.clear()
                single[word] = hit
            if hit:
                found.update(hit)
            if word in partials:
                gram = word
                for following in words[i + 1:i + longest]:
                    gram = gram + " " + following
                    hit = phrases.get(gram)
                    if hit:
                        found.update(hit)
                    if gram not in partials:
                        break
        return found

    def fired(self, words: Sequence[str], text: str) -> list[Rule]:
        """Rules whose `words` or `patterns` match, whose `with` (if any) matches, and no `not`."""
        found = self.hits(words)
        candidates = {index for index, slot in found if slot == WORDS}
        # `with` and `not` are known from the word scan already: a pattern whose rule could
        # not fire anyway is not run.
        for index, gates, has_with, has_not in self.pattern_plan:
            if index in candidates:
                continue
            if has_with and (index, WITH) not in found:
                continue
            if has_not and (index, NOT) in found:
                continue
            if search_each(gates, text):
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
